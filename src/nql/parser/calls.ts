import type {
  Expr,
  FrameBound,
  FunctionCall,
  Identifier,
  OrderItem,
  WindowFrame,
  WindowRef,
  WindowSpec,
} from '../ast.js';
import { Prec } from '../precedence.js';
import type { Cursor } from './cursor.js';
import { parseExpr, starNotAllowed } from './expressions.js';

/**
 * `name( [DISTINCT|ALL] args ) [FILTER (WHERE cond)] [OVER w | OVER (spec)]`, with the cursor on `(`.
 * `COUNT(*)` is refused with the NQL spelling, `COUNT(1)`.
 */
export function parseFunctionCall(p: Cursor, name: Identifier): FunctionCall {
  const start = name.span.start;
  p.expectOp('(');
  let distinct = false;
  if (p.eatWord('DISTINCT')) distinct = true;
  else p.eatWord('ALL');
  if (p.isOp('*')) {
    const upper = name.value.toUpperCase();
    starNotAllowed(
      p,
      upper === 'COUNT'
        ? 'COUNT(*) is not supported in NQL: use COUNT(1)'
        : `${name.value}(*) is not supported in NQL: pass the columns explicitly`,
    );
  }
  const args: Expr[] = [];
  if (distinct || !p.isOp(')')) {
    do args.push(parseExpr(p));
    while (p.eatOp(','));
  }
  p.expectOp(')', "',' or ')'");
  let filter: Expr | null = null;
  if (p.isWord('FILTER') && p.isOp('(', 1)) {
    p.next();
    p.next();
    p.expectWord('WHERE');
    filter = parseExpr(p);
    p.expectOp(')');
  }
  let over: WindowSpec | WindowRef | null = null;
  if (p.eatWord('OVER')) {
    if (p.isOp('(')) {
      over = parseWindowSpec(p);
    } else {
      const nameStart = p.pos;
      const windowName = p.expectName("a window name or '(' after OVER");
      over = { kind: 'window_ref', name: windowName, span: p.spanFrom(nameStart) };
    }
  }
  return { kind: 'function_call', name, args, distinct, filter, over, span: p.spanFrom(start) };
}

/** `( [base] [PARTITION BY ...] [ORDER BY ...] [ROWS|RANGE ...] )`, with the cursor on `(`. */
export function parseWindowSpec(p: Cursor): WindowSpec {
  const start = p.pos;
  p.expectOp('(');
  let base: Identifier | null = null;
  const t = p.peek();
  const isClauseWord = t.type === 'word' && ['PARTITION', 'ORDER', 'ROWS', 'RANGE'].includes(t.upper);
  if ((t.type === 'word' || t.type === 'quoted_ident') && !isClauseWord) base = p.expectName('a window name');
  const partitionBy: Expr[] = [];
  if (p.eatWord('PARTITION')) {
    p.expectWord('BY');
    do partitionBy.push(parseExpr(p));
    while (p.eatOp(','));
  }
  let orderBy: OrderItem[] = [];
  if (p.eatWord('ORDER')) {
    p.expectWord('BY');
    orderBy = parseOrderItems(p);
  }
  const frame = p.isWord('ROWS') || p.isWord('RANGE') ? parseFrame(p) : null;
  if (!p.isOp(')')) {
    const expected = [];
    if (partitionBy.length === 0 && orderBy.length === 0 && !frame) expected.push('PARTITION BY');
    if (orderBy.length === 0 && !frame) expected.push('ORDER BY');
    if (!frame) expected.push('ROWS', 'RANGE');
    expected.push("')'");
    p.unexpected(expected);
  }
  p.next();
  return { kind: 'window_spec', base, partitionBy, orderBy, frame, span: p.spanFrom(start) };
}

/** A comma-separated list of `expr [ASC|DESC] [NULLS FIRST|LAST]`, after `ORDER BY`. */
export function parseOrderItems(p: Cursor): OrderItem[] {
  const items: OrderItem[] = [];
  do {
    const start = p.pos;
    const expr = parseExpr(p);
    let direction: OrderItem['direction'] = null;
    if (p.eatWord('ASC')) direction = 'ASC';
    else if (p.eatWord('DESC')) direction = 'DESC';
    let nulls: OrderItem['nulls'] = null;
    if (p.eatWord('NULLS')) {
      if (p.eatWord('FIRST')) nulls = 'FIRST';
      else if (p.eatWord('LAST')) nulls = 'LAST';
      else p.unexpected(['FIRST', 'LAST']);
    }
    items.push({ kind: 'order_item', expr, direction, nulls, span: p.spanFrom(start) });
  } while (p.eatOp(','));
  return items;
}

function parseFrame(p: Cursor): WindowFrame {
  const start = p.pos;
  const unit = p.next().upper === 'ROWS' ? 'ROWS' : 'RANGE';
  if (p.eatWord('BETWEEN')) {
    const from = parseFrameBound(p);
    p.expectWord('AND');
    const to = parseFrameBound(p);
    return { kind: 'window_frame', unit, start: from, end: to, span: p.spanFrom(start) };
  }
  const only = parseFrameBound(p);
  return { kind: 'window_frame', unit, start: only, end: null, span: p.spanFrom(start) };
}

/** `UNBOUNDED PRECEDING|FOLLOWING`, `CURRENT ROW`, `n PRECEDING|FOLLOWING`. */
function parseFrameBound(p: Cursor): FrameBound {
  const start = p.pos;
  if (p.eatWord('UNBOUNDED')) {
    if (p.eatWord('PRECEDING')) return { kind: 'unbounded_preceding', span: p.spanFrom(start) };
    if (p.eatWord('FOLLOWING')) return { kind: 'unbounded_following', span: p.spanFrom(start) };
    return p.unexpected(['PRECEDING', 'FOLLOWING']);
  }
  if (p.isWord('CURRENT') && p.isWord('ROW', 1)) {
    p.next();
    p.next();
    return { kind: 'current_row', span: p.spanFrom(start) };
  }
  if (p.isEof() || p.isOp(')')) return p.unexpected(['UNBOUNDED', 'CURRENT ROW', 'an offset']);
  // Stop before AND: `BETWEEN 1 PRECEDING AND ...` must not read `1 AND ...` as a conjunction.
  const offset = parseExpr(p, Prec.And);
  if (p.eatWord('PRECEDING')) return { kind: 'preceding', offset, span: p.spanFrom(start) };
  if (p.eatWord('FOLLOWING')) return { kind: 'following', offset, span: p.spanFrom(start) };
  return p.unexpected(['PRECEDING', 'FOLLOWING']);
}
