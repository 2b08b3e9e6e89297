import type { Pos } from './ast.js';
import { NqlSyntaxError } from './errors.js';
import type { Token, TokenType } from './tokens.js';

/**
 * Single-pass NQL lexer over char codes; a regex runs only for non-ASCII letters, and strings and comments jump
 * to their closing delimiter with indexOf (the seed query must parse and compile at >= 5,000/s).
 *
 * Lexical choices, following Calcite (NQL's parser is Calcite-based):
 * - `"..."` is an identifier, `""` inside it is a literal `"`; an empty `""` identifier is an error.
 * - `'...'` is a string, `''` inside it is a literal `'`. Backslash is an ordinary character (no `\n`, `\'`
 *   escapes): Calcite's default, and what lets Windows paths and regexes pass through unchanged.
 * - Backtick identifiers are rejected with a hint: they are Spark's quoting, and NQL users paste compiled SQL.
 * - Numbers: `12` integer; `1.5`, `.5`, `1.` decimal; `1e5`, `1.5E-3` float. A number glued to letters (`12ab`)
 *   is an error rather than two tokens.
 * - Comments: `-- ...` to end of line and non-nesting `/* ... *\/`.
 * - Operators: `( ) [ ] , . ; + - * / % = < > <= >= <> != || ::` and `:` (STRUCT field types).
 */
export function lex(text: string): Token[] {
  return new Lexer(text).run();
}

const CH_TAB = 9;
const CH_LF = 10;
const CH_VT = 11;
const CH_FF = 12;
const CH_CR = 13;
const CH_SPACE = 32;
const CH_BANG = 33;
const CH_DQUOTE = 34;
const CH_PERCENT = 37;
const CH_SQUOTE = 39;
const CH_LPAREN = 40;
const CH_RPAREN = 41;
const CH_STAR = 42;
const CH_PLUS = 43;
const CH_COMMA = 44;
const CH_MINUS = 45;
const CH_DOT = 46;
const CH_SLASH = 47;
const CH_0 = 48;
const CH_9 = 57;
const CH_COLON = 58;
const CH_SEMI = 59;
const CH_LT = 60;
const CH_EQ = 61;
const CH_GT = 62;
const CH_LBRACKET = 91;
const CH_RBRACKET = 93;
const CH_BACKTICK = 96;
const CH_PIPE = 124;
const CH_UPPER_E = 69;
const CH_LOWER_E = 101;
const CH_NBSP = 0xa0;
const CH_BOM = 0xfeff;

const NON_ASCII_LETTER = /[\p{L}\p{Nl}]/u;
const NON_ASCII_WORD_PART = /[\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]/u;

function isDigit(c: number): boolean {
  return c >= CH_0 && c <= CH_9;
}

function isAsciiWordStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

class Lexer {
  private pos = 0;
  private line = 1;
  private lineStart = 0;
  private readonly tokens: Token[] = [];

  constructor(private readonly text: string) {}

  run(): Token[] {
    const text = this.text;
    const n = text.length;
    for (;;) {
      this.skipTrivia();
      if (this.pos >= n) break;
      const c = text.charCodeAt(this.pos);
      if (isAsciiWordStart(c) || (c > 127 && this.isWordStart(c))) this.word();
      else if (isDigit(c)) this.number();
      else if (c === CH_DOT && isDigit(text.charCodeAt(this.pos + 1)) && !this.previousEndsOperand()) this.number();
      else if (c === CH_SQUOTE) this.quoted(CH_SQUOTE, 'string');
      else if (c === CH_DQUOTE) this.quoted(CH_DQUOTE, 'quoted_ident');
      else this.operator(c);
    }
    const end = this.here();
    this.tokens.push({ type: 'eof', value: '', upper: '', start: end, end });
    return this.tokens;
  }

  private here(): Pos {
    return { offset: this.pos, line: this.line, column: this.pos - this.lineStart + 1 };
  }

  /** Advances over a line break at `pos` (LF, CRLF or a lone CR), updating the line counters. */
  private newline(c: number): void {
    if (c === CH_CR && this.text.charCodeAt(this.pos + 1) === CH_LF) this.pos++;
    this.pos++;
    this.line++;
    this.lineStart = this.pos;
  }

  private skipTrivia(): void {
    const text = this.text;
    const n = text.length;
    // `pos` is kept in a local in the hot loops and written back; V8 keeps it in a register.
    let pos = this.pos;
    while (pos < n) {
      const c = text.charCodeAt(pos);
      if (c === CH_SPACE || c === CH_TAB || c === CH_VT || c === CH_FF || c === CH_NBSP || c === CH_BOM) {
        pos++;
      } else if (c === CH_LF || c === CH_CR) {
        this.pos = pos;
        this.newline(c);
        pos = this.pos;
      } else if (c === CH_MINUS && text.charCodeAt(pos + 1) === CH_MINUS) {
        while (pos < n) {
          const d = text.charCodeAt(pos);
          if (d === CH_LF || d === CH_CR) break;
          pos++;
        }
      } else if (c === CH_SLASH && text.charCodeAt(pos + 1) === CH_STAR) {
        this.pos = pos;
        this.blockComment();
        pos = this.pos;
      } else {
        break;
      }
    }
    this.pos = pos;
  }

  private blockComment(): void {
    const text = this.text;
    const start = this.here();
    const close = text.indexOf('*/', this.pos + 2);
    if (close < 0) {
      throw NqlSyntaxError.at('unterminated', 'unterminated comment: no closing */', start, start, {
        expected: ['*/'],
        found: 'end of input',
      });
    }
    this.advanceOver(close + 2);
  }

  /** Moves `pos` to `to`, counting the line breaks in between (for multi-line strings and comments). */
  private advanceOver(to: number): void {
    const text = this.text;
    for (let i = this.pos; i < to; i++) {
      const c = text.charCodeAt(i);
      if (c === CH_LF || (c === CH_CR && text.charCodeAt(i + 1) !== CH_LF)) {
        this.line++;
        this.lineStart = i + 1;
      }
    }
    this.pos = to;
  }

  private isWordStart(c: number): boolean {
    return NON_ASCII_LETTER.test(String.fromCharCode(c));
  }

  private isWordPart(c: number): boolean {
    if (isAsciiWordStart(c) || isDigit(c) || c === 36 /* $ */) return true;
    return c > 127 && NON_ASCII_WORD_PART.test(String.fromCharCode(c));
  }

  private push(type: TokenType, value: string, upper: string, start: Pos): void {
    this.tokens.push({ type, value, upper, start, end: this.here() });
  }

  /**
   * True when a `.` right here continues the previous token as member access (`t.5`, `"a".1`, `f(x).2`) rather
   * than starting a number (`BY .5`, `ROWS .5 PRECEDING`): the previous token ends an operand and touches the dot.
   */
  private previousEndsOperand(): boolean {
    const prev = this.tokens[this.tokens.length - 1];
    if (!prev || prev.end.offset !== this.pos) return false;
    if (prev.type === 'word' || prev.type === 'quoted_ident') return true;
    return prev.type === 'op' && (prev.value === ')' || prev.value === ']');
  }

  private word(): void {
    const text = this.text;
    const n = text.length;
    const start = this.here();
    const from = this.pos;
    let pos = from + 1;
    while (pos < n) {
      const c = text.charCodeAt(pos);
      if (isAsciiWordStart(c) || isDigit(c) || c === 36 /* $ */ || (c > 127 && this.isWordPart(c))) pos++;
      else break;
    }
    this.pos = pos;
    const value = text.slice(from, pos);
    this.push('word', value, value.toUpperCase(), start);
  }

  private number(): void {
    const text = this.text;
    const start = this.here();
    const from = this.pos;
    let type: TokenType = 'integer';
    while (isDigit(text.charCodeAt(this.pos))) this.pos++;
    if (text.charCodeAt(this.pos) === CH_DOT) {
      type = 'decimal';
      this.pos++;
      while (isDigit(text.charCodeAt(this.pos))) this.pos++;
    }
    const e = text.charCodeAt(this.pos);
    if (e === CH_LOWER_E || e === CH_UPPER_E) {
      let p = this.pos + 1;
      const sign = text.charCodeAt(p);
      if (sign === CH_PLUS || sign === CH_MINUS) p++;
      if (isDigit(text.charCodeAt(p))) {
        type = 'float';
        this.pos = p;
        while (isDigit(text.charCodeAt(this.pos))) this.pos++;
      }
    }
    const next = text.charCodeAt(this.pos);
    if (this.pos < text.length && (this.isWordPart(next) || next === CH_DOT)) {
      while (this.pos < text.length && (this.isWordPart(text.charCodeAt(this.pos)) || text.charCodeAt(this.pos) === CH_DOT)) {
        this.pos++;
      }
      const bad = text.slice(from, this.pos);
      throw NqlSyntaxError.at('invalid_token', `invalid number ${bad}`, start, this.here(), { found: bad });
    }
    const raw = text.slice(from, this.pos);
    this.push(type, type === 'float' ? raw.toLowerCase() : raw, raw, start);
  }

  /** A `'string'` or `"identifier"`, with the doubled quote as its only escape. */
  private quoted(quote: number, type: 'string' | 'quoted_ident'): void {
    const text = this.text;
    const start = this.here();
    const quoteChar = String.fromCharCode(quote);
    let value = '';
    let from = this.pos + 1;
    for (;;) {
      // Jump from quote to quote with indexOf rather than testing every character.
      const close = text.indexOf(quoteChar, from);
      if (close < 0) {
        const what = type === 'string' ? 'string' : 'quoted identifier';
        throw NqlSyntaxError.at('unterminated', `unterminated ${what}: no closing ${quoteChar} before the end of input`, start, start, {
          expected: [quoteChar],
          found: 'end of input',
        });
      }
      value += text.slice(from, close);
      if (text.charCodeAt(close + 1) === quote) {
        value += quoteChar;
        from = close + 2;
        continue;
      }
      this.advanceOver(close + 1);
      break;
    }
    if (type === 'quoted_ident' && value.length === 0) {
      throw NqlSyntaxError.at('invalid_token', 'empty quoted identifier ""', start, this.here(), { found: '""' });
    }
    this.push(type, value, value, start);
  }

  private operator(c: number): void {
    const text = this.text;
    const start = this.here();
    const next = text.charCodeAt(this.pos + 1);
    let op: string | null = null;
    switch (c) {
      case CH_LPAREN:
      case CH_RPAREN:
      case CH_LBRACKET:
      case CH_RBRACKET:
      case CH_COMMA:
      case CH_DOT:
      case CH_SEMI:
      case CH_PLUS:
      case CH_MINUS:
      case CH_STAR:
      case CH_SLASH:
      case CH_PERCENT:
      case CH_EQ:
        op = String.fromCharCode(c);
        break;
      case CH_LT:
        op = next === CH_EQ ? '<=' : next === CH_GT ? '<>' : '<';
        break;
      case CH_GT:
        op = next === CH_EQ ? '>=' : '>';
        break;
      case CH_BANG:
        if (next === CH_EQ) op = '!=';
        break;
      case CH_PIPE:
        if (next === CH_PIPE) op = '||';
        break;
      case CH_COLON:
        op = next === CH_COLON ? '::' : ':';
        break;
      default:
        break;
    }
    if (op === null) this.badCharacter(c, start);
    this.pos += op.length;
    this.push('op', op, op, start);
  }

  private badCharacter(c: number, start: Pos): never {
    const cp = this.text.codePointAt(this.pos) ?? c;
    const ch = String.fromCodePoint(cp);
    this.pos += ch.length;
    let message = `unexpected character '${ch}'`;
    if (c === CH_BACKTICK) message += ': quote identifiers with double quotes ("name"), not backticks';
    else if (c === CH_PIPE) message += ": use '||' to concatenate strings";
    else if (c === CH_BANG) message += ": use '<>' for not-equals or NOT for negation";
    throw NqlSyntaxError.at('invalid_token', message, start, this.here(), { found: ch });
  }
}
