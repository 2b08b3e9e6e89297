// For engines without QUALIFY (open-source Spark): compute the select, the QUALIFY condition and
// any ORDER BY key that is not an output column in a derived table, then filter and order outside:
//
//   SELECT [DISTINCT] q.a, q.b FROM (SELECT ..., <qualify> AS __nql_qualify, <key> AS __nql_order_1
//                                    FROM ... WHERE ... GROUP BY ... HAVING ...) q
//   WHERE q.__nql_qualify ORDER BY ... LIMIT ...
//
// DISTINCT moves outside because QUALIFY filters before DISTINCT applies.
import type { Expr, Query, SelectCore } from '../ast.js';
import type { EmitContext } from './emit-context.js';
import { emitExpr } from './emit-expr.js';
import { emitQueryTail, emitSelectCore } from './emitter.js';
import { atDepth, clause, nl } from './format.js';

const QUALIFY_COLUMN = '__nql_qualify';

function isOutputReference(expr: Expr, ctx: EmitContext): boolean {
  if (expr.kind === 'integer_literal') return true;
  return expr.kind === 'column_ref' && ctx.bindings.columns.get(expr)?.kind === 'output';
}

export function emitQualifyAsSubquery(query: Query, core: SelectCore, ctx: EmitContext): string {
  const d = ctx.dialect;
  const alias = `__nql_q${ctx.generated++}`;
  const qualified = (name: string) => `${d.quoteIdentifier(alias)}.${d.quoteIdentifier(name)}`;
  const orderKeys = new Map<Expr, string>();
  const extra: string[] = [];
  const inner = atDepth(ctx, ctx.depth + 2, () => {
    extra.push(`${atDepth(ctx, ctx.depth + 1, () => emitExpr(core.qualify as Expr, ctx))}${d.aliasSeparator}${d.quoteIdentifier(QUALIFY_COLUMN)}`);
    query.orderBy.forEach((item, i) => {
      if (isOutputReference(item.expr, ctx)) return;
      const name = `__nql_order_${i + 1}`;
      orderKeys.set(item.expr, name);
      extra.push(`${atDepth(ctx, ctx.depth + 1, () => emitExpr(item.expr, ctx))}${d.aliasSeparator}${d.quoteIdentifier(name)}`);
    });
    return emitSelectCore(core, ctx, { forceAliases: true, extraItems: extra, omitDistinct: true, omitQualify: true });
  });
  const names = ctx.bindings.projections.get(core) ?? [];
  const select = clause(ctx, core.distinct ? 'SELECT DISTINCT' : 'SELECT', () => names.map((c) => qualified(c.name)));
  const from = clause(ctx, 'FROM', () => [`(${inner})${d.aliasSeparator}${d.quoteIdentifier(alias)}`]);
  const where = clause(ctx, 'WHERE', () => [qualified(QUALIFY_COLUMN)]);
  const tail = emitQueryTail(query, ctx, (e) => {
    const key = orderKeys.get(e);
    return key ? qualified(key) : emitExpr(e, ctx);
  });
  return [select, from, where].join(nl(ctx)) + tail;
}
