// Expressions to SQL text. Every identifier goes through the dialect's quoting and every string
// through its literal escaping; no text of the user's query is copied through unchecked. Parentheses
// follow the *emitted* shape (a BETWEEN spelled out as AND needs them where BETWEEN did not) and
// err on the side of more: engines disagree on the precedence of IS, || and NOT.
import type { ColumnRef, Expr, FrameBound, FunctionCall, OrderItem, Query, WindowSpec } from '../ast.js';
import type { RenderCall } from '../functions.js';
import { call as defaultCall } from '../functions/define.js';
import { T } from '../types.js';
import { numericLiteralValue } from '../analyzer/literal-value.js';
import type { EmitContext } from './emit-context.js';
import { emitOperator } from './emit-operators.js';
import { emitQuery } from './emitter.js';
import { renderingFor } from './unsupported.js';
import { atDepth } from './format.js';

/** The outermost operator of emitted SQL, which decides whether an enclosing operator needs parens. */
type Cls = 'atom' | 'unary' | 'compare' | 'not' | 'and' | 'or' | { prec: 6 | 7; op: string };
interface Emitted {
  sql: string;
  cls: Cls;
}
type Slot = 'top' | 'and' | 'or' | 'not' | 'compare' | 'unary' | 'postfix' | { prec: 6 | 7; op: string; right: boolean };

function needsParens(cls: Cls, slot: Slot): boolean {
  if (slot === 'top' || cls === 'atom') return false;
  if (slot === 'or') return false;
  if (slot === 'and') return cls === 'or';
  if (slot === 'compare') return cls === 'compare' || cls === 'not' || cls === 'and' || cls === 'or';
  if (slot === 'not' || slot === 'unary' || slot === 'postfix') return true;
  if (typeof cls === 'string') return cls !== 'unary';
  const family = (op: string) => (op === '||' ? 'concat' : 'arith');
  return cls.prec < slot.prec || (cls.prec === slot.prec && (slot.right || family(cls.op) !== family(slot.op)));
}

function put(e: Emitted, slot: Slot): string {
  return needsParens(e.cls, slot) ? `(${e.sql})` : e.sql;
}

export function emitExpr(expr: Expr, ctx: EmitContext, slot: Slot = 'top'): string {
  return put(emit(expr, ctx), slot);
}

function subquery(query: Query, ctx: EmitContext): string {
  return `(${atDepth(ctx, ctx.depth + 1, () => emitQuery(query, ctx))})`;
}

function fieldStep(name: string, ctx: EmitContext, style: 'dot' | 'bracket'): string {
  return style === 'dot' ? `.${ctx.dialect.quoteIdentifier(name)}` : `[${ctx.dialect.stringLiteral(name)}]`;
}

/** NQL indexes arrays from 0 and yields NULL for a negative index; an engine counting from 1
 * (and from the end for negatives, like DuckDB) gets the index shifted and negatives guarded. */
function arrayIndex(index: Expr, ctx: EmitContext): string {
  const offset = ctx.dialect.arrayIndexBase;
  if (index.kind === 'integer_literal') return String(BigInt(index.value) + BigInt(offset));
  const constant = numericLiteralValue(index);
  if (constant !== undefined && constant < 0) return 'NULL';
  const sql = emitExpr(index, ctx, 'compare');
  if (offset === 0) return emitExpr(index, ctx);
  return `CASE WHEN ${sql} >= 0 THEN ${emitExpr(index, ctx, { prec: 6, op: '+', right: false })} + ${offset} END`;
}

function emitColumn(ref: ColumnRef, ctx: EmitContext): Emitted {
  const binding = ctx.bindings.columns.get(ref);
  const q = ctx.dialect.quoteIdentifier;
  if (!binding) throw new Error(`internal: unresolved column at ${ref.span.start.line}:${ref.span.start.column}`);
  switch (binding.kind) {
    case 'column': {
      const style = ctx.dialect.columnFieldAccess;
      const path = binding.path.map((f) => fieldStep(f, ctx, style)).join('');
      return { sql: `${q(binding.qualifier)}.${q(binding.column)}${path}`, cls: 'atom' };
    }
    case 'using': {
      const sides = binding.qualifiers.map((qualifier) => `${q(qualifier)}.${q(binding.column)}`).join(', ');
      const path = binding.path.map((f) => fieldStep(f, ctx, 'bracket')).join('');
      return { sql: `COALESCE(${sides})${path}`, cls: 'atom' };
    }
    case 'alias':
      return emit(binding.item.expr, ctx);
    case 'output':
      return { sql: q(binding.name), cls: 'atom' };
    case 'ordinality': {
      const column = `${q(binding.qualifier)}.${q(binding.column)}`;
      const base = ctx.dialect.ordinalityBase;
      return base === 1 ? { sql: column, cls: 'atom' } : { sql: `(${column} + ${1 - base})`, cls: 'atom' };
    }
    case 'price':
      throw new Error('internal: _price_cpm_usd outside a price filter');
  }
}

function emitCall(node: FunctionCall, ctx: EmitContext): Emitted {
  const def = ctx.bindings.calls.get(node);
  if (!def) throw new Error(`internal: unresolved function ${node.name.value}`);
  const rc: RenderCall = {
    args: node.args.map((a) => emitExpr(a, ctx)),
    types: node.args.map((a) => ctx.bindings.types.get(a) ?? T.unknown),
    distinct: node.distinct,
    filter: node.filter ? emitExpr(node.filter, ctx) : '',
    over: node.over ? ` OVER ${node.over.kind === 'window_ref' ? ctx.dialect.quoteIdentifier(node.over.name.value) : emitWindowSpec(node.over, ctx)}` : '',
  };
  const rendering = renderingFor(def, ctx.dialect);
  // compile() refused unrenderable calls before printing (compile/unsupported.ts).
  if (!rendering) throw new Error(`internal: no ${ctx.dialect.id} rendering for ${def.name}`);
  const sql = typeof rendering === 'function' ? rendering(rc) : defaultCall(rendering.name, rc);
  return { sql, cls: 'atom' };
}

export function emitOrderItems(items: readonly OrderItem[], ctx: EmitContext, emitKey = (e: Expr) => emitExpr(e, ctx)): string[] {
  // NQL orders NULLs last unless told otherwise; spelled out so no engine default can differ.
  return items.map((item) => `${emitKey(item.expr)}${item.direction ? ` ${item.direction}` : ''} NULLS ${item.nulls ?? 'LAST'}`);
}

function emitBound(bound: FrameBound, ctx: EmitContext): string {
  switch (bound.kind) {
    case 'unbounded_preceding':
      return 'UNBOUNDED PRECEDING';
    case 'unbounded_following':
      return 'UNBOUNDED FOLLOWING';
    case 'current_row':
      return 'CURRENT ROW';
    case 'preceding':
      return `${emitExpr(bound.offset, ctx)} PRECEDING`;
    case 'following':
      return `${emitExpr(bound.offset, ctx)} FOLLOWING`;
  }
}

export function emitWindowSpec(spec: WindowSpec, ctx: EmitContext): string {
  const parts: string[] = [];
  if (spec.base) parts.push(ctx.dialect.quoteIdentifier(spec.base.value));
  if (spec.partitionBy.length > 0) parts.push(`PARTITION BY ${spec.partitionBy.map((e) => emitExpr(e, ctx)).join(', ')}`);
  if (spec.orderBy.length > 0) parts.push(`ORDER BY ${emitOrderItems(spec.orderBy, ctx).join(', ')}`);
  const frame = spec.frame;
  if (frame) {
    parts.push(
      frame.end
        ? `${frame.unit} BETWEEN ${emitBound(frame.start, ctx)} AND ${emitBound(frame.end, ctx)}`
        : `${frame.unit} ${emitBound(frame.start, ctx)}`,
    );
  }
  return `(${parts.join(' ')})`;
}

function emit(expr: Expr, ctx: EmitContext): Emitted {
  const d = ctx.dialect;
  switch (expr.kind) {
    case 'column_ref':
      return emitColumn(expr, ctx);
    case 'field_access': {
      const name = ctx.bindings.fields.get(expr) ?? expr.field.value;
      return { sql: `${emitExpr(expr.base, ctx, 'postfix')}${fieldStep(name, ctx, 'bracket')}`, cls: 'atom' };
    }
    case 'subscript': {
      const sub = ctx.bindings.subscripts.get(expr);
      const base = emitExpr(expr.base, ctx, 'postfix');
      if (sub?.kind === 'field') return { sql: `${base}${fieldStep(sub.name, ctx, 'bracket')}`, cls: 'atom' };
      const index = arrayIndex(expr.index, ctx);
      if (index !== 'NULL') return { sql: `${base}[${index}]`, cls: 'atom' };
      // A constant negative index is NULL; typed, so the column keeps the element type.
      return { sql: `CAST(NULL AS ${d.typeName(ctx.bindings.types.get(expr) ?? T.string)})`, cls: 'atom' };
    }
    case 'string_literal':
      return { sql: d.stringLiteral(expr.value), cls: 'atom' };
    case 'integer_literal':
      return { sql: expr.value, cls: 'atom' };
    case 'decimal_literal':
      // NQL's decimal literals are doubles (Narrative's validator prints CAST(-10.0 AS DOUBLE)).
      return { sql: `CAST(${expr.value} AS DOUBLE)`, cls: 'atom' };
    case 'float_literal':
      return { sql: expr.value, cls: 'atom' };
    case 'boolean_literal':
      return { sql: expr.value ? 'TRUE' : 'FALSE', cls: 'atom' };
    case 'null_literal':
      return { sql: 'NULL', cls: 'atom' };
    case 'typed_literal':
      return { sql: `${expr.type === 'TIMESTAMP' ? d.timestampLiteralKeyword : expr.type} ${d.stringLiteral(expr.value)}`, cls: 'atom' };
    case 'interval_literal':
      return { sql: `INTERVAL ${d.stringLiteral(expr.value.trim())} ${expr.unit ?? 'DAY'}`, cls: 'atom' };
    case 'exists':
      return { sql: `EXISTS ${subquery(expr.query, ctx)}`, cls: 'atom' };
    case 'subquery':
      return { sql: subquery(expr.query, ctx), cls: 'atom' };
    case 'in_subquery':
      return { sql: `${emitExpr(expr.expr, ctx, 'compare')} ${expr.negated ? 'NOT IN' : 'IN'} ${subquery(expr.query, ctx)}`, cls: 'compare' };
    case 'function_call':
      return emitCall(expr, ctx);
    case 'niladic_call':
      return { sql: expr.name, cls: 'atom' };
    default:
      return emitOperator(expr, ctx);
  }
}

export type { Emitted, Slot };
