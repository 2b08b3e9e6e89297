import type { Identifier, Pos, Span } from '../ast.js';
import { NqlSyntaxError, type NqlSyntaxErrorCode } from '../errors.js';
import { canBeImplicitAlias, isReserved, suggestKeyword } from '../keywords.js';
import { lex } from '../lexer.js';
import { describeToken, type Token } from '../tokens.js';

/**
 * Default nesting limit. Each parenthesis, subquery, prefix operator and each step of an operator or join chain
 * counts one level, so the limit also bounds the depth of the resulting tree, which keeps every recursive consumer
 * (printer, analyzer, compilers) far from the JS stack limit. 1,000 allows generated 900-term OR chains while a
 * 10,000-deep `((((` fails fast with an error.
 */
export const DEFAULT_MAX_DEPTH = 1000;

export interface ParseOptions {
  /** Nesting limit; see DEFAULT_MAX_DEPTH. */
  maxDepth?: number;
}

/**
 * The token cursor and the small verbs the grammar functions are written with: `is*` (peek), `eat*` (consume if
 * present), `expect*` (consume or fail). Failures throw NqlSyntaxError at the offending token; the parser stops
 * at the first error.
 */
export class Cursor {
  readonly tokens: Token[];
  private i = 0;
  private depth = 0;
  private readonly maxDepth: number;
  /** The last word read as an implicit alias, to explain `SELECT a FORM t` ("FORM" became an alias). */
  private implicitAlias: Token | null = null;

  constructor(text: string, options: ParseOptions = {}) {
    this.tokens = lex(text);
    this.maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  }

  // --- peeking ----------------------------------------------------------------------------------------------------

  peek(k = 0): Token {
    const t = this.tokens[this.i + k];
    // The token list always ends with eof, and lookahead past it sees eof again.
    return t ?? (this.tokens[this.tokens.length - 1] as Token);
  }

  /** Start position of the current token. */
  get pos(): Pos {
    return this.peek().start;
  }

  /** End position of the last consumed token (the end of the node being built). */
  get prevEnd(): Pos {
    const t = this.tokens[this.i - 1];
    return t ? t.end : this.pos;
  }

  spanFrom(start: Pos): Span {
    return { start, end: this.prevEnd };
  }

  isWord(upper: string, k = 0): boolean {
    const t = this.peek(k);
    return t.type === 'word' && t.upper === upper;
  }

  isOp(op: string, k = 0): boolean {
    const t = this.peek(k);
    return t.type === 'op' && t.value === op;
  }

  isEof(): boolean {
    return this.peek().type === 'eof';
  }

  /** A token that can start a name: a quoted identifier or a non-reserved word. */
  isNameStart(k = 0): boolean {
    const t = this.peek(k);
    return t.type === 'quoted_ident' || (t.type === 'word' && !isReserved(t.upper));
  }

  /** A token after which a query body starts: `SELECT`, `WITH`, or parentheses around one. */
  startsQuery(k = 0): boolean {
    let j = k;
    while (this.isOp('(', j)) j++;
    return this.isWord('SELECT', j) || this.isWord('WITH', j);
  }

  // --- consuming --------------------------------------------------------------------------------------------------

  next(): Token {
    const t = this.peek();
    if (t.type !== 'eof') this.i++;
    return t;
  }

  eatWord(upper: string): Token | null {
    return this.isWord(upper) ? this.next() : null;
  }

  eatOp(op: string): Token | null {
    return this.isOp(op) ? this.next() : null;
  }

  expectWord(upper: string, expected: string = upper): Token {
    if (this.isWord(upper)) return this.next();
    return this.unexpected([expected]);
  }

  expectOp(op: string, expected = `'${op}'`): Token {
    if (this.isOp(op)) return this.next();
    return this.unexpected([expected]);
  }

  /** A name at the start of a path or as a CTE/window name: quoted, or a non-reserved word. */
  expectName(what = 'a name'): Identifier {
    const t = this.peek();
    if (t.type === 'quoted_ident') return this.identifier(this.next(), true);
    if (t.type === 'word') {
      if (isReserved(t.upper)) {
        this.fail(
          'unexpected_token',
          `expected ${what}, found the reserved word ${t.value} (quote it as "${t.value}" to use it as a name)`,
          t,
          { expected: [what] },
        );
      }
      return this.identifier(this.next(), false);
    }
    return this.unexpected([what]);
  }

  /** A name after a dot or AS: any word is accepted, so `"ts".day` and `AS hour` work. */
  expectAnyName(what = 'a name'): Identifier {
    const t = this.peek();
    if (t.type === 'quoted_ident') return this.identifier(this.next(), true);
    if (t.type === 'word') return this.identifier(this.next(), false);
    return this.unexpected([what]);
  }

  /** An alias introduced by AS (reserved words refused with a quoting hint) or an implicit alias, or null. */
  parseAlias(): Identifier | null {
    if (this.eatWord('AS')) return this.expectName('an alias after AS');
    const t = this.peek();
    if (t.type === 'quoted_ident') return this.identifier(this.next(), true);
    if (t.type === 'word' && canBeImplicitAlias(t.upper)) {
      this.implicitAlias = t;
      return this.identifier(this.next(), false);
    }
    return null;
  }

  identifier(t: Token, quoted: boolean): Identifier {
    return { kind: 'identifier', value: t.value, quoted, span: { start: t.start, end: t.end } };
  }

  // --- nesting ----------------------------------------------------------------------------------------------------

  /** Enters one nesting level; pair with `leave()`. Throws instead of letting the JS stack overflow. */
  enter(): void {
    if (++this.depth > this.maxDepth) {
      const t = this.peek();
      this.fail('too_deep', `the statement nests deeper than ${this.maxDepth} levels`, t);
    }
  }

  leave(levels = 1): void {
    this.depth -= levels;
  }

  // --- errors -----------------------------------------------------------------------------------------------------

  fail(
    code: NqlSyntaxErrorCode,
    message: string,
    at: Token | Span = this.peek(),
    extra: { expected?: string[]; found?: string } = {},
  ): never {
    const span = 'type' in at ? { start: at.start, end: at.end } : at;
    const found = extra.found ?? ('type' in at ? describeToken(at) : undefined);
    const detail: { expected?: string[]; found?: string } = {};
    if (extra.expected) detail.expected = extra.expected;
    if (found !== undefined) detail.found = found;
    throw NqlSyntaxError.at(code, message, span.start, span.end, detail);
  }

  /**
   * "expected X or Y, found Z" at the current token, with a hint when Z looks like a misspelled keyword, when the
   * previous token was a trailing comma, or when the previous word was silently taken as an alias.
   * `summary` replaces the list in the message when the list is long (`AS or an option`).
   */
  unexpected(expected: string[], hint?: string, summary?: string): never {
    const t = this.peek();
    const found = describeToken(t);
    let message = `expected ${summary ?? joinAlternatives(expected)}, found ${found}`;
    const prev = this.tokens[this.i - 1];
    const suggestion = t.type === 'word' ? suggestKeyword(t.value) : null;
    if (hint) {
      message += ` (${hint})`;
    } else if (suggestion) {
      message += ` (did you mean ${suggestion}?)`;
    } else if (prev && prev === this.implicitAlias && suggestKeyword(prev.value)) {
      // `SELECT a FORM t`: FORM was read as an alias of `a`, and the error only shows at `t`. Point at FORM.
      const keyword = suggestKeyword(prev.value) as string;
      this.fail(
        'unexpected_token',
        `expected ${keyword}, found ${prev.value} (did you mean ${keyword}? ${prev.value} was read as an alias)`,
        prev,
        { expected: [keyword] },
      );
    } else if (prev && prev.type === 'op' && prev.value === ',' && isListEnd(t)) {
      message += ' (remove the trailing comma)';
    }
    return this.fail('unexpected_token', message, t, { expected, found });
  }
}

/** Tokens that typically follow a list, so a comma right before them is a trailing comma. */
function isListEnd(t: Token): boolean {
  if (t.type === 'eof') return true;
  if (t.type === 'op') return t.value === ')' || t.value === ';';
  return t.type === 'word' && isReserved(t.upper);
}

/** `['a']` -> `a`; `['a', 'b']` -> `a or b`; `['a', 'b', 'c']` -> `a, b or c`. */
export function joinAlternatives(items: string[]): string {
  if (items.length <= 1) return items[0] ?? 'something else';
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}
