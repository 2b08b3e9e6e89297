// The front end's golden corpus through the back end. Every syntactically valid corpus query
// must either analyze or fail with NqlAnalysisError (never another exception). Those that analyze
// against the fixture datasets must compile for both dialects, and the DuckDB SQL must run.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Analysis } from '../../src/nql/analyzer/index.js';
import { NqlAnalysisError, analyze, collectDatasetRefs, refKey } from '../../src/nql/analyzer/index.js';
import { compile } from '../../src/nql/compile/index.js';
import { parse } from '../../src/nql/parser.js';
import { fixtureCatalog } from './fixtures/datasets.js';
import type { FixtureDb } from './fixtures/duckdb.js';
import { openFixtureDb } from './fixtures/duckdb.js';

const dir = fileURLToPath(new URL('./corpus/', import.meta.url));
const catalog = fixtureCatalog();
const valid = existsSync(dir)
  ? readdirSync(dir)
      .filter((f) => f.endsWith('.nql'))
      .sort()
      .filter((f) => {
        const expected = join(dir, f.replace(/\.nql$/, '.expected.json'));
        return existsSync(expected) && !Array.isArray(JSON.parse(readFileSync(expected, 'utf8')));
      })
  : [];

let db: FixtureDb;
beforeAll(async () => {
  db = await openFixtureDb();
  await db.query('CREATE VIEW ds_6402_delta AS SELECT * FROM ds_6402');
});
afterAll(() => db.close());

describe('corpus through the analyzer and compilers', () => {
  const ran: string[] = [];

  for (const file of valid) {
    it(file, async () => {
      const statement = parse(readFileSync(join(dir, file), 'utf8'));
      let analysis: Analysis;
      try {
        analysis = analyze(statement, catalog);
      } catch (e) {
        expect(e).toBeInstanceOf(NqlAnalysisError);
        return;
      }
      const refs = collectDatasetRefs(statement);
      expect(refs.every((r) => catalog.has(refKey(r)))).toBe(true);
      expect(compile(analysis, 'spark').length).toBeGreaterThan(0);
      const result = await db.query(compile(analysis, 'duckdb'));
      expect(result.columns).toEqual(analysis.outputColumns.map((c) => c.name));
      ran.push(file);
    });
  }

  it('ran the corpus queries that use fixture datasets, the seed among them', () => {
    if (valid.length === 0) return; // the corpus is the front end's; absent in a partial checkout
    expect(ran).toContain('stmt-seed-run-a-job.nql');
  });
});
