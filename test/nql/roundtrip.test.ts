import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse, print, stripSpans, type Statement } from '../../src/nql/index.js';
import { statement } from './arbitraries.js';

/**
 * Round trip: for arbitrary (canonical) ASTs, `parse(print(ast))` gives back the same tree, spans stripped.
 * The printer never reads spans, so span-free trees can be printed as they are.
 */
describe('print/parse round trip', () => {
  it('parse(print(ast)) equals ast for arbitrary statements', () => {
    fc.assert(
      fc.property(statement, (ast) => {
        const text = print(ast as unknown as Statement);
        let reparsed: unknown;
        try {
          reparsed = stripSpans(parse(text));
        } catch (e) {
          throw new Error(`printed text does not parse: ${text}\n${String(e)}`);
        }
        expect(reparsed, text).toEqual(ast);
      }),
      { numRuns: 250, seed: 20241128 },
    );
  });

  it('printing is a fixed point: print(parse(print(ast))) === print(ast)', () => {
    fc.assert(
      fc.property(statement, (ast) => {
        const text = print(ast as unknown as Statement);
        expect(print(parse(text))).toBe(text);
      }),
      { numRuns: 100, seed: 7 },
    );
  });
});
