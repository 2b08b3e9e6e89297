import type { FromItem, Identifier, Join, Pos, Query, TableRef } from '../ast.js';
import type { Cursor } from './cursor.js';
import { parseExpr } from './expressions.js';
import { parseQuery } from './queries.js';

/** A FROM item followed by any number of joins, nested left-deep: `a JOIN b ON ... LEFT JOIN c USING (k)`. */
export function parseFromItem(p: Cursor, first?: FromItem): FromItem {
  let left = first ?? parseFromPrimary(p);
  let levels = 0;
  for (;;) {
    if (p.isOp(',')) {
      p.fail('not_allowed', 'comma joins are not supported in NQL: write CROSS JOIN, or JOIN ... ON ...');
    }
    const type = parseJoinType(p);
    if (!type) break;
    p.enter();
    levels++;
    const right = parseFromPrimary(p);
    left = parseJoinCondition(p, type, left, right);
  }
  p.leave(levels);
  return left;
}

/** Consumes `[INNER] JOIN`, `LEFT|RIGHT|FULL [OUTER] JOIN`, `CROSS JOIN`; null when no join follows. */
function parseJoinType(p: Cursor): Join['type'] | null {
  if (p.eatWord('JOIN')) return 'INNER';
  let type: Join['type'];
  if (p.isWord('INNER')) type = 'INNER';
  else if (p.isWord('LEFT')) type = 'LEFT';
  else if (p.isWord('RIGHT')) type = 'RIGHT';
  else if (p.isWord('FULL')) type = 'FULL';
  else if (p.isWord('CROSS')) type = 'CROSS';
  else return null;
  p.next();
  if (type !== 'INNER' && type !== 'CROSS') p.eatWord('OUTER');
  p.expectWord('JOIN', `JOIN after ${type}`);
  return type;
}

function parseJoinCondition(p: Cursor, type: Join['type'], left: FromItem, right: FromItem): Join {
  const start = left.span.start;
  if (type === 'CROSS') {
    if (p.isWord('ON') || p.isWord('USING')) p.fail('unexpected_token', 'CROSS JOIN takes no ON or USING condition');
    return { kind: 'join', type, left, right, condition: null, span: p.spanFrom(start) };
  }
  const condStart = p.pos;
  if (p.eatWord('ON')) {
    const expr = parseExpr(p);
    const condition = { kind: 'join_on' as const, expr, span: p.spanFrom(condStart) };
    return { kind: 'join', type, left, right, condition, span: p.spanFrom(start) };
  }
  if (p.eatWord('USING')) {
    p.expectOp('(', "'(' after USING");
    const columns: Identifier[] = [];
    do columns.push(p.expectName('a column name'));
    while (p.eatOp(','));
    p.expectOp(')', "',' or ')'");
    const condition = { kind: 'join_using' as const, columns, span: p.spanFrom(condStart) };
    return { kind: 'join', type, left, right, condition, span: p.spanFrom(start) };
  }
  return p.unexpected(['ON', 'USING'], 'a join needs a condition; use CROSS JOIN for a cartesian product');
}

function parseFromPrimary(p: Cursor): FromItem {
  const start = p.pos;
  if (p.isOp('(')) {
    if (p.startsQuery(1)) {
      p.next();
      const query = parseQuery(p);
      if (!p.isOp(')') && query.body.kind === 'query' && !query.with && !query.orderBy.length && !query.limit) {
        // `((SELECT ...) AS s JOIN u ON ...)`: the parentheses hold a join whose first item is a subquery.
        const inner = query.body;
        const first: FromItem = { kind: 'subquery_ref', query: inner, alias: null, span: inner.span };
        first.alias = p.parseAlias();
        first.span = p.spanFrom(inner.span.start);
        p.enter();
        const join = parseFromItem(p, first);
        p.leave();
        p.expectOp(')');
        return join;
      }
      p.expectOp(')');
      const alias = p.parseAlias();
      return { kind: 'subquery_ref', query, alias, span: p.spanFrom(start) };
    }
    // A parenthesised join: `(a JOIN b ON ...)`.
    p.next();
    p.enter();
    const inner = parseFromItem(p);
    p.leave();
    p.expectOp(')');
    return inner;
  }
  if (p.isWord('DELTA') && p.isOp('(', 1)) return parseDelta(p, start);
  if (!p.isNameStart()) return p.unexpected(["a table name or '('"]);
  const table = parseTableRef(p, start);
  table.alias = p.parseAlias();
  table.span = p.spanFrom(start);
  return table;
}

function parseTableRef(p: Cursor, start: Pos): TableRef {
  const path = [p.expectName('a table name')];
  while (p.eatOp('.')) path.push(p.expectAnyName('a name after \'.\''));
  return { kind: 'table_ref', path, alias: null, span: p.spanFrom(start) };
}

/** `DELTA(TABLE t)` or `DELTA((query))`. */
function parseDelta(p: Cursor, start: Pos): FromItem {
  p.next();
  p.expectOp('(');
  let source: TableRef | Query;
  if (p.eatWord('TABLE')) {
    source = parseTableRef(p, p.pos);
  } else if (p.isOp('(') && p.startsQuery(1)) {
    p.next();
    source = parseQuery(p);
    p.expectOp(')');
  } else {
    return p.unexpected(['TABLE', "'(' and a query"]);
  }
  p.expectOp(')');
  const alias = p.parseAlias();
  return { kind: 'delta_ref', source, alias, span: p.spanFrom(start) };
}
