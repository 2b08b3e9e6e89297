// The NQL examples of docs/nql-*.md (```sql blocks) are NQL: each parses. Examples written against
// the fixture datasets' ids and columns also analyze, so the pages cannot drift from the analyzer.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NqlAnalysisError } from '../../src/nql/analyzer/index.js';
import { parse } from '../../src/nql/parser.js';
import { analyzeNql } from './fixtures/pipeline.js';

const docs = fileURLToPath(new URL('../../docs/', import.meta.url));
const blocks = readdirSync(docs)
  .filter((f) => /^nql-.*\.md$/.test(f))
  .flatMap((file) => [...readFileSync(docs + file, 'utf8').matchAll(/```sql\n([\s\S]*?)```/g)].map((m, i) => ({ file, i, text: m[1] as string })));

describe('NQL examples in docs/nql-*.md', () => {
  it('has examples', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(6);
  });

  for (const b of blocks) {
    it(`${b.file} #${b.i + 1} parses`, () => {
      expect(() => parse(b.text)).not.toThrow();
      if (!/company_data\."(100|200|6402)"/.test(b.text) || /company_data\."123"/.test(b.text)) return;
      try {
        analyzeNql(b.text);
      } catch (e) {
        // An example that shows a refusal says so in a comment on its line.
        if (!(e instanceof NqlAnalysisError) || !b.text.includes('--')) throw e;
      }
    });
  }
});
