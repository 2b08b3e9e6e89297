import type { Statement } from './ast.js';
import { Cursor, type ParseOptions } from './parser/cursor.js';
import { parseStatement } from './parser/statements.js';

export { DEFAULT_MAX_DEPTH, type ParseOptions } from './parser/cursor.js';

/**
 * Parses one NQL statement (an optional trailing `;` is allowed).
 * Throws NqlSyntaxError at the first problem; never throws anything else, whatever the input.
 */
export function parse(text: string, options: ParseOptions = {}): Statement {
  const p = new Cursor(text, options);
  if (p.isEof()) p.unexpected(['a statement']);
  const statement = parseStatement(p);
  p.eatOp(';');
  if (!p.isEof()) {
    p.unexpected(['end of input'], p.startsQuery() ? 'only one statement may be given' : undefined);
  }
  return statement;
}

/**
 * Parses a script of statements separated by `;` (RFC: a command ends at `;` or at the end of input).
 * Empty statements (`;;`) are skipped.
 */
export function parseStatements(text: string, options: ParseOptions = {}): Statement[] {
  const p = new Cursor(text, options);
  const statements: Statement[] = [];
  for (;;) {
    while (p.eatOp(';'));
    if (p.isEof()) return statements;
    statements.push(parseStatement(p));
    if (!p.eatOp(';') && !p.isEof()) p.unexpected(["';'", 'end of input']);
  }
}
