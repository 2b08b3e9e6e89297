import { describe, expect, it } from 'vitest';
import { NqlSyntaxError, lex } from '../../src/nql/index.js';

const kinds = (text: string) => lex(text).map((t) => `${t.type}:${t.value}`);

function lexError(text: string): NqlSyntaxError {
  try {
    lex(text);
  } catch (e) {
    if (e instanceof NqlSyntaxError) return e;
    throw e;
  }
  throw new Error(`expected a lexer error for ${JSON.stringify(text)}`);
}

describe('lexer', () => {
  it('reads words, quoted identifiers, strings, numbers and operators', () => {
    expect(kinds(`SELECT "a""b", 'it''s', 12, 3.5, .5, 7., 1E3, 2.5e-2 <> != <= >= || :: ;`)).toEqual([
      'word:SELECT',
      'quoted_ident:a"b',
      'op:,',
      "string:it's",
      'op:,',
      'integer:12',
      'op:,',
      'decimal:3.5',
      'op:,',
      'decimal:.5',
      'op:,',
      'decimal:7.',
      'op:,',
      'float:1e3',
      'op:,',
      'float:2.5e-2',
      'op:<>',
      'op:!=',
      'op:<=',
      'op:>=',
      'op:||',
      'op:::',
      'op:;',
      'eof:',
    ]);
  });

  it('keeps the written case of words and offers an upper-cased copy for keyword checks', () => {
    const [t] = lex('sElEcT');
    expect(t).toMatchObject({ value: 'sElEcT', upper: 'SELECT' });
  });

  it('treats backslashes in strings as ordinary characters (Calcite, no escapes)', () => {
    // The source is  'a\nb\'  : the final backslash does not escape the quote.
    expect(lex("'a\\nb\\'")[0]).toMatchObject({ type: 'string', value: 'a\\nb\\' });
  });

  it('skips -- and /* */ comments', () => {
    expect(kinds('a -- x\n/* y\n z */ b')).toEqual(['word:a', 'word:b', 'eof:']);
  });

  it('tracks 1-based line and column across LF, CRLF and multi-line tokens', () => {
    const tokens = lex("a\r\n  'x\ny' b\n\tc");
    expect(tokens.map((t) => [t.value, t.start.line, t.start.column, t.start.offset])).toEqual([
      ['a', 1, 1, 0],
      ['x\ny', 2, 3, 5],
      ['b', 3, 4, 11],
      ['c', 4, 2, 14],
      ['', 4, 3, 15],
    ]);
    expect(tokens[1]?.end).toEqual({ offset: 10, line: 3, column: 3 });
  });

  it('reads a dot after a name as member access and a dot after a keyword or space as a number', () => {
    expect(kinds('t.5')).toEqual(['word:t', 'op:.', 'integer:5', 'eof:']);
    expect(kinds('"t".5')).toEqual(['quoted_ident:t', 'op:.', 'integer:5', 'eof:']);
    expect(kinds('BY .5')).toEqual(['word:BY', 'decimal:.5', 'eof:']);
    expect(kinds('x[0].type')).toEqual(['word:x', 'op:[', 'integer:0', 'op:]', 'op:.', 'word:type', 'eof:']);
  });

  it('reports unterminated strings at their opening quote', () => {
    const e = lexError("SELECT\n  'abc\ndef");
    expect(e.errors[0]).toMatchObject({ code: 'unterminated', line: 2, column: 3, found: 'end of input' });
  });

  it('reports unterminated quoted identifiers and comments', () => {
    expect(lexError('"abc').errors[0]).toMatchObject({ code: 'unterminated', line: 1, column: 1 });
    expect(lexError('a /* b').errors[0]).toMatchObject({ code: 'unterminated', line: 1, column: 3 });
  });

  it('rejects stray characters with hints', () => {
    expect(lexError('`a`').message).toContain('double quotes');
    expect(lexError('a | b').message).toContain("'||'");
    expect(lexError('a ! b').message).toContain("'<>'");
    expect(lexError('a # b').errors[0]).toMatchObject({ code: 'invalid_token', column: 3, found: '#' });
    expect(lexError('SELECT 12abc').errors[0]).toMatchObject({ code: 'invalid_token', column: 8, found: '12abc' });
  });

  it('reports an astral character as one character', () => {
    expect(lexError('SELECT \u{1F600}').errors[0]).toMatchObject({ found: '\u{1F600}', column: 8 });
  });

  it('accepts non-ASCII letters in names', () => {
    expect(kinds('café Ωmega')).toEqual(['word:café', 'word:Ωmega', 'eof:']);
  });
});
