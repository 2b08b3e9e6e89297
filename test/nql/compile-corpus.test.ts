// The front end's golden corpus through the back end. Every corpus query that parses is pinned:
// either it is a valid case (corpus-cases.ts: it analyzes against the fixture datasets and compiles
// for every dialect, and has a Spark golden) or `corpus/<name>.analysis.json` lists the errors the
// analyzer or a compiler reports, each as {code, line, column, message} with `message` a substring.
// A case with neither, or with both, fails: goldens are written by `npm run nql:goldens`, never here.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CORPUS_DIR, corpusCases, corpusNames, corpusText, outcomeOf, sparkGoldenPath } from './corpus-cases.js';

interface ExpectedError {
  code: string;
  line: number;
  column: number;
  message: string;
}

describe('corpus through the analyzer and compilers', () => {
  const valid = new Set(corpusCases().map((c) => c.id));

  for (const name of corpusNames()) {
    it(name, () => {
      const outcome = outcomeOf(corpusText(name));
      if (outcome.kind === 'syntax_error') return; // pinned by corpus.test.ts
      const analysisPath = join(CORPUS_DIR, `${name}.analysis.json`);
      if (outcome.kind === 'valid') {
        expect(valid.has(name)).toBe(true);
        expect(existsSync(analysisPath), `${name} is valid: delete ${name}.analysis.json`).toBe(false);
        expect(existsSync(sparkGoldenPath(name)), `missing Spark golden for ${name} (npm run nql:goldens)`).toBe(true);
        return;
      }
      if (!existsSync(analysisPath)) throw new Error(`missing ${name}.analysis.json: ${JSON.stringify(outcome.errors)} (npm run nql:goldens)`);
      const expected = JSON.parse(readFileSync(analysisPath, 'utf8')) as ExpectedError[];
      expect(outcome.errors.map((e) => `${e.code} ${e.line}:${e.column}`)).toEqual(expected.map((e) => `${e.code} ${e.line}:${e.column}`));
      expected.forEach((want, i) => expect(outcome.errors[i]?.message).toContain(want.message));
    });
  }

  it('includes the seed query among the valid cases', () => {
    expect(valid.has('stmt-seed-run-a-job')).toBe(true);
  });
});
