import type { Expr, FromItem, Identifier, Join, Pos, Query, TableRef, UnnestRef } from '../ast.js';
import type { Cursor } from './cursor.js';
import { parseExpr } from './expressions.js';
import { parseQuery } from './queries.js';

/**
 * A FROM list: join chains `a JOIN b ON ... LEFT JOIN c USING (k)` nested left-deep, separated by
 * commas. A comma binds looser than JOIN (SQL standard, Calcite): `a, b JOIN c ON ...` is
 * `COMMA(a, JOIN(b, c))`. `nested` is true inside parentheses, where a comma is an error: Calcite
 * only allows comma joins between the top-level items of FROM. One function for both levels, so a
 * deeply nested FROM costs no more stack than before commas existed.
 */
export function parseFromItem(p: Cursor, first?: FromItem, nested = false): FromItem {
  let commaLeft: FromItem | null = null;
  let left = first ?? parseFromPrimary(p);
  let levels = 0;
  for (;;) {
    const type = parseJoinType(p);
    if (type) {
      p.enter();
      levels++;
      const right = parseFromPrimary(p);
      left = parseJoinCondition(p, type, left, right);
      continue;
    }
    if (!p.isOp(',')) break;
    if (nested) p.fail('not_allowed', 'a comma join cannot be written inside parentheses: write CROSS JOIN');
    p.next();
    p.enter();
    levels++;
    commaLeft = commaLeft ? commaJoin(commaLeft, left) : left;
    left = parseFromPrimary(p);
  }
  p.leave(levels);
  return commaLeft ? commaJoin(commaLeft, left) : left;
}

function commaJoin(left: FromItem, right: FromItem): Join {
  return { kind: 'join', type: 'COMMA', left, right, condition: null, span: { start: left.span.start, end: right.span.end } };
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
        const join = parseFromItem(p, first, true);
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
    const inner = parseFromItem(p, undefined, true);
    p.leave();
    p.expectOp(')');
    return inner;
  }
  if (p.isWord('DELTA') && p.isOp('(', 1)) return parseDelta(p, start);
  if (p.isWord('UNNEST') && p.isOp('(', 1)) return parseUnnest(p, start);
  if (p.isWord('LATERAL') && (p.isOp('(', 1) || p.isWord('UNNEST', 1))) {
    p.fail('unsupported', 'LATERAL is not supported: UNNEST(...) after a comma or CROSS JOIN already reads the row to its left');
  }
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

/** `UNNEST(array) [WITH ORDINALITY] [AS] alias [(element [, ordinality])]`. */
function parseUnnest(p: Cursor, start: Pos): UnnestRef {
  p.next();
  p.expectOp('(');
  const expr: Expr = parseExpr(p);
  if (p.isOp(',')) {
    p.fail('unsupported', 'UNNEST of several arrays is not supported: unnest each array in its own CROSS JOIN UNNEST(...)');
  }
  p.expectOp(')');
  let ordinality = false;
  if (p.isWord('WITH') && p.isWord('ORDINALITY', 1)) {
    p.next();
    p.next();
    ordinality = true;
  }
  const alias = p.parseAlias();
  const columns: Identifier[] = [];
  if (alias && p.eatOp('(')) {
    do columns.push(p.expectName('a column name'));
    while (p.eatOp(','));
    p.expectOp(')', "',' or ')'");
  }
  return { kind: 'unnest_ref', expr, ordinality, alias, columns, span: p.spanFrom(start) };
}
