import type { Pos } from './ast.js';

/**
 * Token types. Keywords are not a separate type: NQL keywords are context-dependent (`day` is a column after a dot
 * and a unit after `INTERVAL 1`), so the lexer emits `word` with an upper-cased copy and the parser decides.
 */
export type TokenType =
  | 'word'
  | 'quoted_ident'
  | 'string'
  | 'integer'
  | 'decimal'
  | 'float'
  | 'op'
  | 'eof';

export interface Token {
  type: TokenType;
  /**
   * `word`: the text as written. `quoted_ident` and `string`: the unescaped content. Numbers: the source digits
   * (floats with `e` lower-cased). `op`: the operator (`(`, `<=`, `::`). `eof`: empty.
   */
  value: string;
  /** Upper-cased `value` for `word` tokens (keyword comparison); equal to `value` otherwise. */
  upper: string;
  start: Pos;
  end: Pos;
}

/** Longest literal text quoted in an error message; a 2 KB string literal should not flood the CLI. */
const MAX_SHOWN = 40;

function shorten(text: string): string {
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN - 3)}...` : text;
}

/** How a token reads in an error message: `')'`, `SELECT`, `"type"`, `end of input`. */
export function describeToken(token: Token): string {
  switch (token.type) {
    case 'eof':
      return 'end of input';
    case 'word':
      return shorten(token.value);
    case 'quoted_ident':
      return `"${shorten(token.value.replace(/"/g, '""'))}"`;
    case 'string':
      return `'${shorten(token.value.replace(/'/g, "''"))}'`;
    case 'op':
      return `'${token.value}'`;
    default:
      return token.value;
  }
}
