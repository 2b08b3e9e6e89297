import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NqlSyntaxError, parse, print, stripSpans, toValidateJson } from '../../src/nql/index.js';

/** Parses `text` and reports the outcome; any exception other than NqlSyntaxError fails the property. */
function outcome(text: string): 'ast' | 'syntax-error' {
  try {
    parse(text);
    return 'ast';
  } catch (e) {
    if (e instanceof NqlSyntaxError) {
      const d = e.errors[0];
      // Errors always point inside the text (or just past its end).
      expect(d).toBeDefined();
      expect(d!.span.start.offset).toBeGreaterThanOrEqual(0);
      expect(d!.span.start.offset).toBeLessThanOrEqual(text.length);
      expect(d!.line).toBeGreaterThanOrEqual(1);
      expect(d!.column).toBeGreaterThanOrEqual(1);
      return 'syntax-error';
    }
    throw e;
  }
}

const corpusDir = join(fileURLToPath(new URL('.', import.meta.url)), 'corpus');
const corpus = readdirSync(corpusDir)
  .filter((f) => f.endsWith('.nql') && !f.startsWith('err-nesting'))
  .map((f) => readFileSync(join(corpusDir, f), 'utf8'));

/** Token soup: NQL keywords, operators, names and literals glued in random order, which reaches deep into the parser. */
const FRAGMENTS = [
  'SELECT', 'FROM', 'WHERE', 'GROUP', 'BY', 'HAVING', 'QUALIFY', 'ORDER', 'LIMIT', 'OFFSET', 'ROWS', 'USD', 'PER',
  'CALENDAR_MONTH', 'BUDGET', 'NO', 'ALL', 'DISTINCT', 'UNION', 'INTERSECT', 'EXCEPT', 'WITH', 'AS', 'JOIN', 'LEFT',
  'CROSS', 'ON', 'USING', 'AND', 'OR', 'NOT', 'IN', 'IS', 'NULL', 'TRUE', 'LIKE', 'BETWEEN', 'CASE', 'WHEN', 'THEN',
  'ELSE', 'END', 'CAST', 'EXTRACT', 'EXISTS', 'INTERVAL', 'DAY', 'DATE', 'OVER', 'PARTITION', 'RANGE', 'UNBOUNDED',
  'PRECEDING', 'CURRENT', 'ROW', 'FOLLOWING', 'WINDOW', 'FILTER', 'DELTA', 'TABLE', 'EXPLAIN', 'CREATE',
  'MATERIALIZED', 'VIEW', 'TAGS', 'WRITE_MODE', 'PARTITIONED_BY', 'ARRAY', 'STRUCT', 'MAP', 'COUNT', 'a', 't',
  '"x"', "'s'", '1', '2.5', '1e3', '(', ')', '[', ']', ',', '.', ';', '+', '-', '*', '/', '=', '<>', '<=', '||',
  '::', '<', '>', ':', '--', '/*', '*/', "'", '"', '\n',
];
const tokenSoup = fc
  .array(fc.constantFrom(...FRAGMENTS), { maxLength: 40 })
  .map((tokens) => tokens.join(' '));

/** A corpus statement with a few characters deleted, duplicated or replaced. */
const mutatedCorpus = fc
  .tuple(
    fc.constantFrom(...corpus),
    fc.array(fc.tuple(fc.nat(), fc.constantFrom('del', 'dup', 'sub'), fc.constantFrom('(', ')', "'", '"', ',', ' ', 'x', '.', '*', '-')), {
      minLength: 1,
      maxLength: 4,
    }),
  )
  .map(([text, edits]) => {
    let s = text;
    for (const [at, op, ch] of edits) {
      const i = s.length === 0 ? 0 : at % s.length;
      if (op === 'del') s = s.slice(0, i) + s.slice(i + 1);
      else if (op === 'dup') s = s.slice(0, i) + s.charAt(i) + s.slice(i);
      else s = s.slice(0, i) + ch + s.slice(i + 1);
    }
    return s;
  });

describe('fuzzing: any string yields an AST or an NqlSyntaxError', () => {
  it('arbitrary unicode strings', () => {
    fc.assert(fc.property(fc.string({ maxLength: 60, unit: 'binary' }), (s) => void outcome(s)), {
      numRuns: 1000,
      seed: 1,
    });
  });

  it('token soup', () => {
    fc.assert(fc.property(tokenSoup, (s) => void outcome(s)), { numRuns: 1500, seed: 2 });
  });

  it('mutated corpus statements', () => {
    fc.assert(
      fc.property(mutatedCorpus, (s) => {
        // Whatever still parses must also print and validate-render without throwing, and reprint stably.
        if (outcome(s) === 'ast') {
          const ast = parse(s);
          const printed = print(ast);
          expect(stripSpans(parse(printed))).toEqual(stripSpans(ast));
          toValidateJson(ast);
        }
      }),
      { numRuns: 600, seed: 3 },
    );
  });

  const deep = (n: number) => ({
    parens: 'SELECT ' + '('.repeat(n) + 'a' + ')'.repeat(n),
    openParens: '('.repeat(n),
    nots: 'SELECT ' + 'NOT '.repeat(n) + 'a',
    minuses: 'SELECT ' + '- '.repeat(n) + 'a',
    subqueries: 'SELECT ' + '(SELECT '.repeat(n) + '1' + ')'.repeat(n),
    fromSubqueries: 'SELECT a FROM ' + '(SELECT a FROM '.repeat(n) + 't' + ')'.repeat(n),
    cases: 'SELECT ' + 'CASE WHEN '.repeat(n) + 'a' + ' THEN 1 END'.repeat(n),
    calls: 'SELECT ' + 'f('.repeat(n) + 'a' + ')'.repeat(n),
    subscripts: 'SELECT a' + '[0]'.repeat(n),
    types: 'SELECT CAST(a AS ' + 'ARRAY<'.repeat(n) + 'INT' + '>'.repeat(n) + ')',
    plusChain: 'SELECT ' + Array.from({ length: n }, () => 'a').join(' + '),
    orChain: 'SELECT a FROM t WHERE ' + Array.from({ length: n }, (_, i) => `a = ${i}`).join(' OR '),
    unionChain: Array.from({ length: n }, () => 'SELECT a FROM t').join(' UNION ALL '),
    joinChain: 'SELECT a FROM t' + ' JOIN u ON a = b'.repeat(n),
    parenJoins: 'SELECT a FROM ' + '(t JOIN '.repeat(n) + 'u' + ' ON a = b)'.repeat(n),
    ctes: 'WITH ' + 'a AS (WITH '.repeat(n) + 'b AS (SELECT 1) SELECT 1' + ') SELECT 1'.repeat(n),
  });

  it('deep nesting (10,000 levels) is a syntax error, never a stack overflow', () => {
    for (const [name, text] of Object.entries(deep(10_000))) {
      let error: unknown;
      try {
        parse(text);
      } catch (e) {
        error = e;
      }
      expect(error, name).toBeInstanceOf(NqlSyntaxError);
      if (name !== 'openParens') expect((error as NqlSyntaxError).code, name).toBe('too_deep');
    }
  });

  it('nesting just under the limit parses, prints and renders', () => {
    for (const [name, text] of Object.entries(deep(200))) {
      if (name === 'openParens') continue;
      const ast = parse(text);
      const printed = print(ast);
      expect(stripSpans(parse(printed)), name).toEqual(stripSpans(ast));
      expect(toValidateJson(ast).type, name).toBeTypeOf('string');
    }
  });
});
