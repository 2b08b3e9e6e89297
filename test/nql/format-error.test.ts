import { describe, expect, it } from 'vitest';
import { NqlSyntaxError, formatError, parse } from '../../src/nql/index.js';

function errorOf(text: string): NqlSyntaxError {
  try {
    parse(text);
  } catch (e) {
    if (e instanceof NqlSyntaxError) return e;
    throw e;
  }
  throw new Error('expected a syntax error');
}

describe('formatError', () => {
  it('shows the offending line with a caret under the token', () => {
    const text = 'SELECT a\nFROM t\nWHERE a = )';
    expect(formatError(errorOf(text), text)).toBe(
      [
        "nql:3:11: error: expected an expression, found ')'",
        '  |',
        '3 | WHERE a = )',
        '  |           ^',
      ].join('\n'),
    );
  });

  it('underlines the whole token and keeps tabs for alignment', () => {
    const text = 'SELECT\n\tCOUNT(*)\nFROM t';
    expect(formatError(errorOf(text), text, { source: 'query.nql' })).toBe(
      [
        'query.nql:2:8: error: COUNT(*) is not supported in NQL: use COUNT(1)',
        '  |',
        '2 | \tCOUNT(*)',
        '  | \t      ^',
      ].join('\n'),
    );
    const word = 'SELECT a FORM t';
    expect(formatError(errorOf(word), word).split('\n')[3]).toBe('  |          ^^^^');
  });

  it('points just past the end for errors at end of input', () => {
    const text = 'SELECT a FROM';
    expect(formatError(errorOf(text), text).split('\n').slice(2)).toEqual(['1 | SELECT a FROM', '  |              ^']);
  });

  it('uses a single caret for tokens spanning lines', () => {
    const text = "SELECT 'abc\ndef";
    const lines = formatError(errorOf(text), text).split('\n');
    expect(lines[0]).toContain('nql:1:8: error: unterminated string');
    expect(lines[3]).toBe('  |        ^');
  });
});
