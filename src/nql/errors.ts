import type { Pos, Span } from './ast.js';

/**
 * Stable machine-readable codes for NQL front-end errors. Callers (API problem mapping, CLI, tests) switch on these,
 * never on message text.
 */
export type NqlSyntaxErrorCode =
  /** A character or token the lexer cannot read (stray `$`, backtick identifiers, bad number). */
  | 'invalid_token'
  /** A string, quoted identifier or block comment that reaches the end of input. */
  | 'unterminated'
  /** The parser expected something else at this token. */
  | 'unexpected_token'
  /** A construct NQL forbids on purpose (`SELECT *`, `COUNT(*)`, comma joins). */
  | 'not_allowed'
  /** Valid NQL that this implementation does not parse yet (`MERGE ON`). */
  | 'unsupported'
  /** A materialized-view option with a value outside its allowed set, or given twice. */
  | 'invalid_option'
  /** Nesting deeper than the parser's limit. */
  | 'too_deep';

/** One located problem. `line` and `column` are 1-based and point at the offending token. */
export interface NqlErrorDetail {
  code: string;
  message: string;
  line: number;
  column: number;
  span: Span;
  /** What would have been accepted, in words: `['AS', 'an option']`. */
  expected?: string[];
  /** The offending token as written (`')'`, `end of input`). */
  found?: string;
}

/**
 * Base class of all NQL errors: a non-empty list of located details. The parser stops at the first problem, so its
 * errors have one detail; later passes (the analyzer) may collect several.
 */
export class NqlError extends Error {
  readonly errors: NqlErrorDetail[];

  constructor(errors: NqlErrorDetail[], name = 'NqlError') {
    const first = errors[0];
    super(first ? `${first.message} (line ${first.line}, column ${first.column})` : 'NQL error');
    this.name = name;
    this.errors = errors;
  }

  /** The first detail's code, for callers that only look at one. */
  get code(): string {
    return this.errors[0]?.code ?? 'unknown';
  }

  get line(): number {
    return this.errors[0]?.line ?? 1;
  }

  get column(): number {
    return this.errors[0]?.column ?? 1;
  }

  get span(): Span | undefined {
    return this.errors[0]?.span;
  }
}

/** Thrown by the lexer and parser: the text is not NQL. */
export class NqlSyntaxError extends NqlError {
  constructor(detail: NqlErrorDetail) {
    super([detail], 'NqlSyntaxError');
  }

  static at(
    code: NqlSyntaxErrorCode,
    message: string,
    start: Pos,
    end: Pos,
    extra: { expected?: string[]; found?: string } = {},
  ): NqlSyntaxError {
    const detail: NqlErrorDetail = { code, message, line: start.line, column: start.column, span: { start, end } };
    if (extra.expected) detail.expected = extra.expected;
    if (extra.found !== undefined) detail.found = extra.found;
    return new NqlSyntaxError(detail);
  }
}
