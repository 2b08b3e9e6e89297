// Operators, CASE, CAST and EXTRACT. Dialect flags decide the bridges: BETWEEN spelled out,
// NULL for division by zero, a default LIKE escape, TRY_CAST for NQL's NULL-on-failure casts.
import type { BinaryExpr, CastExpr, Expr, ExtractExpr } from '../ast.js';
import { BINARY_PRECEDENCE } from '../precedence.js';
import { T } from '../types.js';
import type { EmitContext } from './emit-context.js';
import type { Emitted } from './emit-expr.js';
import { emitExpr } from './emit-expr.js';

function emitBinary(expr: BinaryExpr, ctx: EmitContext): Emitted {
  if (ctx.bindings.priceFilters.has(expr)) {
    // The caller's own datasets cost nothing: the cap holds exactly when it is not negative.
    return { sql: `0 <= ${emitExpr(expr.right, ctx, 'compare')}`, cls: 'compare' };
  }
  const op = expr.op;
  if (op === 'AND' || op === 'OR') {
    const slot = op === 'AND' ? 'and' : 'or';
    return { sql: `${emitExpr(expr.left, ctx, slot)} ${op} ${emitExpr(expr.right, ctx, slot)}`, cls: slot };
  }
  const prec = BINARY_PRECEDENCE[op];
  if (prec === 6 || prec === 7) {
    const left = emitExpr(expr.left, ctx, { prec, op, right: false });
    let right = emitExpr(expr.right, ctx, { prec, op, right: true });
    if (op === '/' && ctx.dialect.nullIfDivisorZero) right = `NULLIF(${emitExpr(expr.right, ctx)}, 0)`;
    return { sql: `${left} ${op} ${right}`, cls: { prec, op } };
  }
  return { sql: `${emitExpr(expr.left, ctx, 'compare')} ${op} ${emitExpr(expr.right, ctx, 'compare')}`, cls: 'compare' };
}

function emitCast(expr: CastExpr, ctx: EmitContext): Emitted {
  const keyword = ctx.dialect.castKeyword;
  const source = emitExpr(expr.expr, ctx);
  const spec = expr.type;
  if (spec.kind === 'named_type' && (spec.name === 'DECIMAL' || spec.name === 'NUMERIC')) {
    // Round to the declared scale, then continue as a double (NQL has no decimal column type).
    const params = spec.params.length > 0 ? `(${spec.params.join(', ')})` : '(38, 18)';
    return { sql: `CAST(${keyword}(${source} AS DECIMAL${params}) AS DOUBLE)`, cls: 'atom' };
  }
  const target = ctx.bindings.types.get(expr) ?? T.unknown;
  return { sql: `${keyword}(${source} AS ${ctx.dialect.typeName(target)})`, cls: 'atom' };
}

function emitExtract(expr: ExtractExpr, ctx: EmitContext): Emitted {
  const source = emitExpr(expr.expr, ctx);
  const special = ctx.dialect.extract[expr.field];
  return { sql: special ? special(source) : `EXTRACT(${expr.field} FROM ${source})`, cls: 'atom' };
}

function emitCase(expr: Extract<Expr, { kind: 'case' }>, ctx: EmitContext): Emitted {
  const parts = ['CASE'];
  if (expr.operand) parts.push(emitExpr(expr.operand, ctx));
  for (const when of expr.whens) parts.push(`WHEN ${emitExpr(when.condition, ctx)} THEN ${emitExpr(when.result, ctx)}`);
  if (expr.else) parts.push(`ELSE ${emitExpr(expr.else, ctx)}`);
  parts.push('END');
  return { sql: parts.join(' '), cls: 'atom' };
}

export function emitOperator(expr: Expr, ctx: EmitContext): Emitted {
  const d = ctx.dialect;
  switch (expr.kind) {
    case 'unary':
      if (expr.op === 'NOT') return { sql: `NOT ${emitExpr(expr.operand, ctx, 'not')}`, cls: 'not' };
      return { sql: `${expr.op}${emitExpr(expr.operand, ctx, 'unary')}`, cls: 'unary' };
    case 'binary':
      return emitBinary(expr, ctx);
    case 'between': {
      const value = emitExpr(expr.expr, ctx, 'compare');
      const low = emitExpr(expr.low, ctx, 'compare');
      const high = emitExpr(expr.high, ctx, 'compare');
      if (!d.expandBetween) return { sql: `${value} ${expr.negated ? 'NOT BETWEEN' : 'BETWEEN'} ${low} AND ${high}`, cls: 'compare' };
      const range = `${value} >= ${low} AND ${value} <= ${high}`;
      return expr.negated ? { sql: `NOT (${range})`, cls: 'not' } : { sql: range, cls: 'and' };
    }
    case 'in_list': {
      const items = expr.list.map((e) => emitExpr(e, ctx)).join(', ');
      return { sql: `${emitExpr(expr.expr, ctx, 'compare')} ${expr.negated ? 'NOT IN' : 'IN'} (${items})`, cls: 'compare' };
    }
    case 'like': {
      const escape = expr.escape ? emitExpr(expr.escape, ctx) : d.likeDefaultEscape === null ? null : d.stringLiteral(d.likeDefaultEscape);
      const sql = `${emitExpr(expr.expr, ctx, 'compare')} ${expr.negated ? 'NOT ' : ''}${expr.op} ${emitExpr(expr.pattern, ctx, 'compare')}`;
      return { sql: escape === null ? sql : `${sql} ESCAPE ${escape}`, cls: 'compare' };
    }
    case 'is_null':
      return { sql: `${emitExpr(expr.expr, ctx, 'compare')} IS ${expr.negated ? 'NOT ' : ''}NULL`, cls: 'compare' };
    case 'is_bool':
      return { sql: `${emitExpr(expr.expr, ctx, 'compare')} IS ${expr.negated ? 'NOT ' : ''}${expr.value ? 'TRUE' : 'FALSE'}`, cls: 'compare' };
    case 'is_distinct_from':
      return {
        sql: `${emitExpr(expr.left, ctx, 'compare')} IS ${expr.negated ? 'NOT ' : ''}DISTINCT FROM ${emitExpr(expr.right, ctx, 'compare')}`,
        cls: 'compare',
      };
    case 'case':
      return emitCase(expr, ctx);
    case 'cast':
      return emitCast(expr, ctx);
    case 'extract':
      return emitExtract(expr, ctx);
    default:
      throw new Error(`internal: no emitter for ${expr.kind}`);
  }
}
