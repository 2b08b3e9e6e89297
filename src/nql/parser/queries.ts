import type {
  Cte,
  Expr,
  FromItem,
  IntegerLiteral,
  LimitClause,
  NamedWindow,
  OrderItem,
  Pos,
  Query,
  QueryBody,
  SelectCore,
  SelectItem,
  WithClause,
} from '../ast.js';
import { parseOrderItems, parseWindowSpec } from './calls.js';
import type { Cursor } from './cursor.js';
import { parseExpr, starNotAllowed } from './expressions.js';
import { parseFromItem } from './from.js';

/**
 * `[WITH ...] body [ORDER BY ...] [LIMIT n [OFFSET m] [ROWS]]`.
 * `statementLevel` is true only for the statement's own query: there a `LIMIT n USD` / `LIMIT ALL` that follows is
 * the statement's budget and is left for the statement parser; anywhere else it is an error.
 */
export function parseQuery(p: Cursor, statementLevel = false): Query {
  p.enter();
  const start = p.pos;
  const withClause = p.isWord('WITH') ? parseWith(p) : null;
  const body = parseSetExpression(p, 0);
  return finishQuery(p, start, withClause, body, statementLevel);
}

/** True when the cursor is on a token that can only continue a query: a set operator, ORDER BY or LIMIT. */
export function atQueryContinuation(p: Cursor): boolean {
  return setOperatorPrecedence(p) > 0 || (p.isWord('ORDER') && p.isWord('BY', 1)) || p.isWord('LIMIT');
}

/**
 * Finishes a query whose first set operand was already parsed as something else, e.g. the `(SELECT 1)` of
 * `((SELECT 1) UNION SELECT 2)` that the expression parser read as a scalar subquery before seeing UNION.
 * `first` becomes a parenthesised operand, so the result equals what parseQuery builds from the same text.
 */
export function continueQuery(p: Cursor, first: Query): Query {
  p.enter();
  const body = parseSetExpression(p, 0, first);
  return finishQuery(p, first.span.start, null, body, false);
}

function finishQuery(
  p: Cursor,
  start: Pos,
  withClause: WithClause | null,
  body: QueryBody,
  statementLevel: boolean,
): Query {
  let orderBy: OrderItem[] = [];
  if (p.eatWord('ORDER')) {
    p.expectWord('BY', 'BY after ORDER');
    orderBy = parseOrderItems(p);
  }
  const limit = parseRowLimit(p, statementLevel);
  p.leave();
  return { kind: 'query', with: withClause, body, orderBy, limit, span: p.spanFrom(start) };
}

function parseWith(p: Cursor): WithClause {
  const start = p.pos;
  p.expectWord('WITH');
  if (p.isWord('RECURSIVE')) p.fail('unsupported', 'WITH RECURSIVE is not supported in NQL');
  const ctes: Cte[] = [];
  do {
    const cteStart = p.pos;
    const name = p.expectName('a CTE name');
    const columns = [];
    if (p.isOp('(') && p.startsQuery(1)) p.unexpected([`AS after the CTE name ${name.value}`]);
    if (p.eatOp('(')) {
      do columns.push(p.expectName('a column name'));
      while (p.eatOp(','));
      p.expectOp(')', "',' or ')'");
    }
    p.expectWord('AS', `AS after the CTE name ${name.value}`);
    p.expectOp('(', "'(' before the CTE's query");
    const query = parseQuery(p);
    p.expectOp(')', "')' after the CTE's query");
    ctes.push({ kind: 'cte', name, columns, query, span: p.spanFrom(cteStart) });
  } while (p.eatOp(','));
  return { kind: 'with', ctes, span: p.spanFrom(start) };
}

/** Binding power of set operators: INTERSECT binds tighter than UNION and EXCEPT (SQL standard, Calcite). */
function setOperatorPrecedence(p: Cursor): number {
  if (p.isWord('UNION') || p.isWord('EXCEPT')) return 1;
  if (p.isWord('INTERSECT')) return 2;
  return 0;
}

/** A precedence-climbing loop over UNION / INTERSECT / EXCEPT, left-associative. */
function parseSetExpression(p: Cursor, minPrec: number, first?: QueryBody): QueryBody {
  let left = first ?? parseSetOperand(p);
  let levels = 0;
  for (;;) {
    const prec = setOperatorPrecedence(p);
    if (prec <= minPrec) break;
    p.enter();
    levels++;
    const op = p.next().upper as 'UNION' | 'INTERSECT' | 'EXCEPT';
    let all = false;
    if (p.eatWord('ALL')) all = true;
    else p.eatWord('DISTINCT');
    const right = parseSetExpression(p, prec);
    left = { kind: 'set_operation', op, all, left, right, span: { start: left.span.start, end: p.prevEnd } };
  }
  p.leave(levels);
  return left;
}

function parseSetOperand(p: Cursor): QueryBody {
  if (p.isWord('SELECT')) return parseSelectCore(p);
  if (p.isOp('(') && p.startsQuery(1)) {
    const start = p.pos;
    p.next();
    const inner = parseQuery(p);
    p.expectOp(')');
    // Widen the nested query's span to include its parentheses, so errors and the CLI underline all of it.
    return { ...inner, span: p.spanFrom(start) };
  }
  return p.unexpected(["SELECT or '('"]);
}

function parseSelectCore(p: Cursor): SelectCore {
  const start = p.pos;
  p.expectWord('SELECT');
  let distinct = false;
  if (p.eatWord('DISTINCT')) distinct = true;
  else p.eatWord('ALL');
  const projections: SelectItem[] = [];
  do projections.push(parseSelectItem(p));
  while (p.eatOp(','));
  let from: FromItem | null = null;
  if (p.eatWord('FROM')) from = parseFromItem(p);
  const where = p.eatWord('WHERE') ? parseExpr(p) : null;
  const groupBy: Expr[] = [];
  if (p.eatWord('GROUP')) {
    p.expectWord('BY', 'BY after GROUP');
    do groupBy.push(parseExpr(p));
    while (p.eatOp(','));
  }
  const having = p.eatWord('HAVING') ? parseExpr(p) : null;
  // Calcite puts WINDOW before QUALIFY, Databricks after it; accept either order.
  let windows = parseWindowClause(p);
  const qualify = p.eatWord('QUALIFY') ? parseExpr(p) : null;
  if (windows.length === 0) windows = parseWindowClause(p);
  return {
    kind: 'select_core',
    distinct,
    projections,
    from,
    where,
    groupBy,
    having,
    qualify,
    windows,
    span: p.spanFrom(start),
  };
}

function parseSelectItem(p: Cursor): SelectItem {
  const start = p.pos;
  if (p.isOp('*')) starNotAllowed(p, 'SELECT * is not supported in NQL: list the columns you need');
  const expr = parseExpr(p);
  const alias = p.parseAlias();
  return { kind: 'select_item', expr, alias, span: p.spanFrom(start) };
}

function parseWindowClause(p: Cursor): NamedWindow[] {
  const windows: NamedWindow[] = [];
  if (!p.eatWord('WINDOW')) return windows;
  do {
    const start = p.pos;
    const name = p.expectName('a window name');
    p.expectWord('AS');
    const spec = parseWindowSpec(p);
    windows.push({ kind: 'named_window', name, spec, span: p.spanFrom(start) });
  } while (p.eatOp(','));
  return windows;
}

/** True when the cursor is on a budget written with LIMIT: `LIMIT ALL` or `LIMIT <number> USD`. */
export function atLimitBudget(p: Cursor): boolean {
  if (!p.isWord('LIMIT')) return false;
  if (p.isWord('ALL', 1)) return true;
  const n = p.peek(1).type;
  return (n === 'integer' || n === 'decimal') && p.isWord('USD', 2);
}

function parseRowLimit(p: Cursor, statementLevel: boolean): LimitClause | null {
  if (!p.isWord('LIMIT')) return null;
  if (atLimitBudget(p)) {
    if (statementLevel) return null;
    p.fail('unexpected_token', 'a spending limit (LIMIT n USD, LIMIT ALL) can only end the statement, not a subquery');
  }
  const start = p.pos;
  p.next();
  const count = expectInteger(p, 'a row count after LIMIT');
  const offset = p.eatWord('OFFSET') ? expectInteger(p, 'a row count after OFFSET') : null;
  const rows = p.eatWord('ROWS') !== null;
  return { kind: 'limit', count, offset, rows, span: p.spanFrom(start) };
}

function expectInteger(p: Cursor, what: string): IntegerLiteral {
  const t = p.peek();
  if (t.type !== 'integer') return p.unexpected([what]);
  p.next();
  return { kind: 'integer_literal', value: t.value, span: { start: t.start, end: t.end } };
}
