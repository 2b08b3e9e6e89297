import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NqlSyntaxError, parse, print, stripSpans, toValidateJson } from '../../src/nql/index.js';

/**
 * Golden corpus: `corpus/<name>.nql` with `corpus/<name>.expected.json` holding either the span-stripped AST
 * (an object) or the expected errors (an array of `{line, column, message}`, `message` being a substring).
 *
 * The test only reads: `npm run nql:goldens` (test/nql/goldens.ts) writes missing expected files and rewrites AST
 * files from the current parser. Expected files are assertions: review every diff before keeping it. Error files
 * are never rewritten once they exist, because their message substrings are chosen by hand.
 */
const dir = join(fileURLToPath(new URL('.', import.meta.url)), 'corpus');
const cases = readdirSync(dir)
  .filter((f) => f.endsWith('.nql'))
  .sort()
  .map((f) => f.slice(0, -'.nql'.length));

interface ExpectedError {
  line: number;
  column: number;
  message: string;
}

function run(text: string): { ast: unknown } | { errors: ExpectedError[] } {
  try {
    return { ast: stripSpans(parse(text)) };
  } catch (e) {
    if (!(e instanceof NqlSyntaxError)) throw e;
    return { errors: e.errors.map((d) => ({ line: d.line, column: d.column, message: d.message })) };
  }
}

describe('NQL corpus', () => {
  it('has at least 150 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(150);
  });

  for (const name of cases) {
    it(name, () => {
      const text = readFileSync(join(dir, `${name}.nql`), 'utf8');
      const expectedPath = join(dir, `${name}.expected.json`);
      const actual = run(text);
      if (!existsSync(expectedPath)) throw new Error(`missing ${name}.expected.json (write it with npm run nql:goldens, then review it)`);
      const expected: unknown = JSON.parse(readFileSync(expectedPath, 'utf8'));

      if (Array.isArray(expected)) {
        expect('errors' in actual, `expected ${name} to fail to parse`).toBe(true);
        if (!('errors' in actual)) return;
        expect(actual.errors).toHaveLength(expected.length);
        (expected as ExpectedError[]).forEach((want, i) => {
          const got = actual.errors[i] as ExpectedError;
          expect({ line: got.line, column: got.column }).toEqual({ line: want.line, column: want.column });
          expect(got.message).toContain(want.message);
        });
        return;
      }

      if ('errors' in actual) throw new Error(`${name} failed to parse: ${JSON.stringify(actual.errors)}`);
      expect(actual.ast).toEqual(expected);
      // Every valid case also round-trips through the printer, and the printed form is a fixed point.
      const printed = print(parse(text));
      expect(stripSpans(parse(printed))).toEqual(actual.ast);
      expect(print(parse(printed))).toBe(printed);
      // And has a /nql/validate rendering.
      expect(toValidateJson(parse(text)).nql).toBe(printed);
    });
  }
});
