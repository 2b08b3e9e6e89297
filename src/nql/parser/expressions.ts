import type { BinaryOp, ColumnRef, Expr, Identifier, Pos } from '../ast.js';
import { RESERVED_FUNCTION_NAMES, isReserved } from '../keywords.js';
import { Prec } from '../precedence.js';
import { parseFunctionCall } from './calls.js';
import type { Cursor } from './cursor.js';
import { atQueryContinuation, continueQuery, parseQuery } from './queries.js';
import {
  parseCase,
  parseCast,
  parseExists,
  parseExtract,
  parseInterval,
  parseTypedLiteral,
} from './special-forms.js';
import { parseType } from './types.js';

/**
 * The Pratt loop: parse a prefix form, then keep folding infix/postfix operators into it while the next operator
 * binds tighter than `minPrec`. Every operator application counts one nesting level (see DEFAULT_MAX_DEPTH).
 */
export function parseExpr(p: Cursor, minPrec: Prec = Prec.Lowest): Expr {
  p.enter();
  let left = parsePrefix(p);
  let levels = 1;
  for (;;) {
    const prec = infixPrecedence(p);
    if (prec <= minPrec) break;
    p.enter();
    levels++;
    left = parseInfix(p, left, prec);
  }
  p.leave(levels);
  return left;
}

const COMPARISON_OPS: Readonly<Record<string, BinaryOp>> = {
  '=': '=',
  '<>': '<>',
  '!=': '<>',
  '<': '<',
  '<=': '<=',
  '>': '>',
  '>=': '>=',
};

const ARITHMETIC_OPS: Readonly<Record<string, BinaryOp>> = {
  '+': '+',
  '-': '-',
  '||': '||',
  '*': '*',
  '/': '/',
  '%': '%',
};

/** How tightly the current token binds as an infix/postfix operator; `Prec.Lowest` when it is not one. */
function infixPrecedence(p: Cursor): Prec {
  const t = p.peek();
  if (t.type === 'op') {
    switch (t.value) {
      case '=':
      case '<>':
      case '!=':
      case '<':
      case '<=':
      case '>':
      case '>=':
        return Prec.Comparison;
      case '+':
      case '-':
      case '||':
        return Prec.Additive;
      case '*':
      case '/':
      case '%':
        return Prec.Multiplicative;
      case '[':
      case '.':
      case '::':
        return Prec.Postfix;
      default:
        return Prec.Lowest;
    }
  }
  if (t.type !== 'word') return Prec.Lowest;
  switch (t.upper) {
    case 'OR':
      return Prec.Or;
    case 'AND':
      return Prec.And;
    case 'IS':
      return Prec.Is;
    case 'LIKE':
    case 'ILIKE':
    case 'IN':
    case 'BETWEEN':
      return Prec.Comparison;
    case 'NOT': {
      const n = p.peek(1);
      const negatable = n.type === 'word' && ['LIKE', 'ILIKE', 'IN', 'BETWEEN'].includes(n.upper);
      return negatable ? Prec.Comparison : Prec.Lowest;
    }
    default:
      return Prec.Lowest;
  }
}

function parseInfix(p: Cursor, left: Expr, prec: Prec): Expr {
  const start = left.span.start;
  const t = p.next();
  if (t.type === 'op') {
    const binary = COMPARISON_OPS[t.value] ?? ARITHMETIC_OPS[t.value];
    if (binary) {
      const right = parseExpr(p, prec);
      return { kind: 'binary', op: binary, left, right, span: p.spanFrom(start) };
    }
    if (t.value === '[') {
      const index = parseExpr(p);
      p.expectOp(']');
      return { kind: 'subscript', base: left, index, span: p.spanFrom(start) };
    }
    if (t.value === '.') {
      if (p.isOp('*')) starNotAllowed(p, 'SELECT t.* is not supported in NQL: list the columns you need');
      const field = p.expectAnyName('a field name after \'.\'');
      return { kind: 'field_access', base: left, field, span: p.spanFrom(start) };
    }
    // '::'
    const type = parseType(p);
    return { kind: 'cast', expr: left, type, span: p.spanFrom(start) };
  }
  switch (t.upper) {
    case 'OR':
    case 'AND': {
      const right = parseExpr(p, prec);
      return { kind: 'binary', op: t.upper, left, right, span: p.spanFrom(start) };
    }
    case 'IS':
      return parseIsSuffix(p, left, start);
    default: {
      // LIKE / ILIKE / IN / BETWEEN, possibly after NOT.
      const negated = t.upper === 'NOT';
      const keyword = negated ? p.next().upper : t.upper;
      if (keyword === 'BETWEEN') {
        const low = parseExpr(p, Prec.Comparison);
        p.expectWord('AND');
        const high = parseExpr(p, Prec.Comparison);
        return { kind: 'between', expr: left, low, high, negated, span: p.spanFrom(start) };
      }
      if (keyword === 'IN') return parseInSuffix(p, left, negated, start);
      const pattern = parseExpr(p, Prec.Comparison);
      const escape = p.eatWord('ESCAPE') ? parseExpr(p, Prec.Comparison) : null;
      const op = keyword === 'ILIKE' ? 'ILIKE' : 'LIKE';
      return { kind: 'like', op, expr: left, pattern, escape, negated, span: p.spanFrom(start) };
    }
  }
}

/** After `IS`: `[NOT] NULL | TRUE | FALSE | DISTINCT FROM expr`. */
function parseIsSuffix(p: Cursor, left: Expr, start: Pos): Expr {
  const negated = p.eatWord('NOT') !== null;
  if (p.eatWord('NULL')) return { kind: 'is_null', expr: left, negated, span: p.spanFrom(start) };
  if (p.eatWord('TRUE')) return { kind: 'is_bool', expr: left, value: true, negated, span: p.spanFrom(start) };
  if (p.eatWord('FALSE')) return { kind: 'is_bool', expr: left, value: false, negated, span: p.spanFrom(start) };
  if (p.eatWord('DISTINCT')) {
    p.expectWord('FROM');
    const right = parseExpr(p, Prec.Is);
    return { kind: 'is_distinct_from', left, right, negated, span: p.spanFrom(start) };
  }
  return p.unexpected(negated ? ['NULL', 'TRUE', 'FALSE', 'DISTINCT FROM'] : ['NULL', 'NOT', 'TRUE', 'FALSE', 'DISTINCT FROM']);
}

/** After `[NOT] IN`: `(query)` or `(expr, ...)`. */
function parseInSuffix(p: Cursor, left: Expr, negated: boolean, start: Pos): Expr {
  p.expectOp('(', "'(' after IN");
  if (p.isWord('SELECT') || p.isWord('WITH')) {
    const query = parseQuery(p);
    p.expectOp(')');
    return { kind: 'in_subquery', expr: left, query, negated, span: p.spanFrom(start) };
  }
  const list: Expr[] = [];
  do list.push(parseExpr(p));
  while (p.eatOp(','));
  const only = list[0];
  if (list.length === 1 && only?.kind === 'subquery' && atQueryContinuation(p)) {
    // `IN ((SELECT a FROM t) UNION SELECT b FROM u)`.
    const query = continueQuery(p, { ...only.query, span: only.span });
    p.expectOp(')');
    return { kind: 'in_subquery', expr: left, query, negated, span: p.spanFrom(start) };
  }
  p.expectOp(')', "',' or ')'");
  return { kind: 'in_list', expr: left, list, negated, span: p.spanFrom(start) };
}

function parsePrefix(p: Cursor): Expr {
  const t = p.peek();
  const start = t.start;
  switch (t.type) {
    case 'integer':
      p.next();
      return { kind: 'integer_literal', value: t.value, span: p.spanFrom(start) };
    case 'decimal':
      p.next();
      return { kind: 'decimal_literal', value: t.value, span: p.spanFrom(start) };
    case 'float':
      p.next();
      return { kind: 'float_literal', value: t.value, span: p.spanFrom(start) };
    case 'string':
      p.next();
      return { kind: 'string_literal', value: t.value, span: p.spanFrom(start) };
    case 'quoted_ident':
      return parseNameExpr(p);
    case 'op':
      return parseOperatorPrefix(p);
    case 'word':
      return parseWordPrefix(p);
    default:
      return p.unexpected(['an expression']);
  }
}

function parseOperatorPrefix(p: Cursor): Expr {
  const t = p.peek();
  const start = t.start;
  switch (t.value) {
    case '(': {
      if (p.isWord('SELECT', 1) || p.isWord('WITH', 1)) {
        p.next();
        const query = parseQuery(p);
        p.expectOp(')');
        return { kind: 'subquery', query, span: p.spanFrom(start) };
      }
      p.next();
      const inner = parseExpr(p);
      if (inner.kind === 'subquery' && atQueryContinuation(p)) {
        // `((SELECT 1) UNION SELECT 2)`: what looked like a parenthesised scalar subquery starts a longer query.
        const query = continueQuery(p, { ...inner.query, span: inner.span });
        p.expectOp(')');
        return { kind: 'subquery', query, span: p.spanFrom(start) };
      }
      p.expectOp(')', "')' to close '('");
      return inner;
    }
    case '-':
    case '+': {
      p.next();
      const operand = parseExpr(p, Prec.Unary);
      return { kind: 'unary', op: t.value, operand, span: p.spanFrom(start) };
    }
    case '*':
      return p.unexpected(['an expression'], 'NQL has no *: list the columns you need');
    default:
      return p.unexpected(['an expression']);
  }
}

function parseWordPrefix(p: Cursor): Expr {
  const t = p.peek();
  const start = t.start;
  switch (t.upper) {
    case 'NULL':
      p.next();
      return { kind: 'null_literal', span: p.spanFrom(start) };
    case 'TRUE':
    case 'FALSE':
      p.next();
      return { kind: 'boolean_literal', value: t.upper === 'TRUE', span: p.spanFrom(start) };
    case 'NOT': {
      p.next();
      const operand = parseExpr(p, Prec.Not);
      return { kind: 'unary', op: 'NOT', operand, span: p.spanFrom(start) };
    }
    case 'CASE':
      return parseCase(p);
    case 'CAST':
      return parseCast(p);
    case 'EXTRACT':
      return parseExtract(p);
    case 'EXISTS':
      return parseExists(p);
    case 'INTERVAL':
      return parseInterval(p);
    case 'DATE':
    case 'TIME':
    case 'TIMESTAMP':
      if (p.peek(1).type === 'string') return parseTypedLiteral(p);
      return parseNameExpr(p);
    case 'CURRENT_DATE':
    case 'CURRENT_TIME':
    case 'CURRENT_TIMESTAMP':
      if (p.isOp('(', 1)) return parseNameExpr(p);
      p.next();
      return { kind: 'niladic_call', name: t.upper, span: p.spanFrom(start) };
    default:
      if (isReserved(t.upper) && !(RESERVED_FUNCTION_NAMES.has(t.upper) && p.isOp('(', 1))) {
        return p.unexpected(['an expression'], reservedHint(p));
      }
      return parseNameExpr(p);
  }
}

/** A hint for a reserved word used where a name is expected (`SELECT type FROM t`), if it looks like that. */
function reservedHint(p: Cursor): string | undefined {
  const t = p.peek();
  const n = p.peek(1);
  const looksLikeName =
    n.type === 'eof' ||
    (n.type === 'op' && [',', '.', ')', '=', '<>', '[', '<', '>'].includes(n.value)) ||
    (n.type === 'word' && ['FROM', 'AS', 'IS'].includes(n.upper));
  if (!looksLikeName) return undefined;
  return `${t.value} is a reserved word: quote it as "${t.value}" to use it as a name`;
}

/** A name path (`a`, `"a"."b"`, `t.a.day`) or, when followed by `(`, a function call. */
function parseNameExpr(p: Cursor): Expr {
  const first = p.peek();
  const start = first.start;
  const head: Identifier = p.identifier(p.next(), first.type === 'quoted_ident');
  if (p.isOp('(')) return parseFunctionCall(p, head);
  const parts = [head];
  while (p.isOp('.')) {
    const n = p.peek(1);
    if (n.type === 'op' && n.value === '*') {
      p.next();
      starNotAllowed(p, 'SELECT t.* is not supported in NQL: list the columns you need');
    }
    if (n.type !== 'word' && n.type !== 'quoted_ident') break;
    p.next();
    parts.push(p.expectAnyName());
  }
  if (p.isOp('(')) {
    p.fail('unsupported', 'qualified function names are not supported: call the function by its bare name', p.peek());
  }
  const ref: ColumnRef = { kind: 'column_ref', parts, span: p.spanFrom(start) };
  return ref;
}

export function starNotAllowed(p: Cursor, message: string): never {
  return p.fail('not_allowed', message, p.peek(), { found: '*' });
}
