// The shared printer: queries, select cores, FROM items. It is driven by the analysis (bindings
// say what each name resolved to) and by the dialect's capability fields; it never compares
// dialect names. Expressions are printed by emit-expr.ts.
import type { FromItem, Query, QueryBody, SelectCore, SelectItem } from '../ast.js';
import type { EmitContext } from './emit-context.js';
import { emitExpr, emitOrderItems, emitWindowSpec } from './emit-expr.js';
import { atDepth, clause, nl } from './format.js';
import { emitQualifyAsSubquery } from './qualify-rewrite.js';

/** Whether a select item needs `AS name` for the engine to name its column `name`. */
function needsAlias(item: SelectItem, name: string, ctx: EmitContext): boolean {
  if (item.expr.kind !== 'column_ref') return true;
  const binding = ctx.bindings.columns.get(item.expr);
  return !(binding?.kind === 'column' && binding.path.length === 0 && binding.column === name);
}

export interface SelectShape {
  /** Print every item with its output name (the QUALIFY rewrite reads them by name). */
  forceAliases?: boolean;
  /** Extra `expr AS name` items appended to the select list. */
  extraItems?: string[];
  omitDistinct?: boolean;
  omitQualify?: boolean;
}

export function emitSelectCore(core: SelectCore, ctx: EmitContext, shape: SelectShape = {}): string {
  const d = ctx.dialect;
  const names = ctx.bindings.projections.get(core) ?? [];
  const distinct = core.distinct && !shape.omitDistinct ? 'SELECT DISTINCT' : 'SELECT';
  const parts = [
    clause(ctx, distinct, () => [
      ...core.projections.map((item, i) => {
        const name = names[i]?.name ?? `_c${i}`;
        const sql = emitExpr(item.expr, ctx);
        return shape.forceAliases || needsAlias(item, name, ctx) ? `${sql}${d.aliasSeparator}${d.quoteIdentifier(name)}` : sql;
      }),
      ...(shape.extraItems ?? []),
    ]),
  ];
  if (core.from) parts.push(clause(ctx, 'FROM', () => [emitFrom(core.from as FromItem, ctx)]));
  if (core.where) parts.push(clause(ctx, 'WHERE', () => [emitExpr(core.where as NonNullable<SelectCore['where']>, ctx)]));
  if (core.groupBy.length > 0) parts.push(clause(ctx, 'GROUP BY', () => core.groupBy.map((e) => emitExpr(e, ctx))));
  if (core.having) parts.push(clause(ctx, 'HAVING', () => [emitExpr(core.having as NonNullable<SelectCore['having']>, ctx)]));
  if (core.windows.length > 0) {
    parts.push(clause(ctx, 'WINDOW', () => core.windows.map((w) => `${d.quoteIdentifier(w.name.value)} AS ${emitWindowSpec(w.spec, ctx)}`)));
  }
  if (core.qualify && !shape.omitQualify) parts.push(clause(ctx, 'QUALIFY', () => [emitExpr(core.qualify as NonNullable<SelectCore['qualify']>, ctx)]));
  return parts.join(nl(ctx));
}

function emitRelation(item: FromItem & { kind: 'table_ref' | 'delta_ref' }, ctx: EmitContext): string {
  const d = ctx.dialect;
  const binding = ctx.bindings.relations.get(item);
  if (!binding) throw new Error('internal: unresolved relation');
  const source = binding.source;
  if (source.kind === 'cte') {
    return binding.aliasWritten ? `${d.quoteIdentifier(source.name)}${d.aliasSeparator}${d.quoteIdentifier(binding.alias)}` : d.quoteIdentifier(source.name);
  }
  const relation = d.datasetRelation(source.datasetId, source.delta);
  const ownName = source.delta ? `ds_${source.datasetId}_delta` : `ds_${source.datasetId}`;
  return d.alwaysAliasDatasets || binding.alias !== ownName ? `${relation}${d.aliasSeparator}${d.quoteIdentifier(binding.alias)}` : relation;
}

// A comma join is a cross join; spelling it CROSS JOIN leaves no room for engines' differing comma
// precedence (Spark applies a comma before the joins that follow it, DuckDB and Calcite after).
const JOIN_KEYWORDS = {
  INNER: 'INNER JOIN',
  LEFT: 'LEFT JOIN',
  RIGHT: 'RIGHT JOIN',
  FULL: 'FULL JOIN',
  CROSS: 'CROSS JOIN',
  COMMA: 'CROSS JOIN',
} as const;

export function emitFrom(item: FromItem, ctx: EmitContext): string {
  const d = ctx.dialect;
  switch (item.kind) {
    case 'table_ref':
    case 'delta_ref':
      return emitRelation(item, ctx);
    case 'unnest_ref': {
      const names = ctx.bindings.unnests.get(item);
      if (!names) throw new Error('internal: unresolved UNNEST');
      return d.unnest(emitExpr(item.expr, ctx), names);
    }
    case 'subquery_ref': {
      const alias = ctx.bindings.subqueryAliases.get(item) ?? 't';
      return `(${atDepth(ctx, ctx.depth + 1, () => emitQuery(item.query, ctx))})${d.aliasSeparator}${d.quoteIdentifier(alias)}`;
    }
    case 'join': {
      const right = item.right.kind === 'join' ? `(${emitFrom(item.right, ctx)})` : emitFrom(item.right, ctx);
      const head = `${emitFrom(item.left, ctx)}${nl(ctx)}${JOIN_KEYWORDS[item.type]} ${right}`;
      const condition = item.condition;
      if (!condition) return head;
      if (condition.kind === 'join_on') return `${head} ON ${emitExpr(condition.expr, ctx)}`;
      return `${head} USING (${condition.columns.map((c) => d.quoteIdentifier(c.value)).join(', ')})`;
    }
  }
}

function emitBody(body: QueryBody, ctx: EmitContext): string {
  switch (body.kind) {
    case 'select_core':
      return emitSelectCore(body, ctx);
    case 'query':
      return `(${atDepth(ctx, ctx.depth + 1, () => emitQuery(body, ctx))})`;
    case 'set_operation': {
      const side = (child: QueryBody, right: boolean) =>
        child.kind === 'set_operation' && (right || child.op !== body.op || child.all !== body.all)
          ? `(${atDepth(ctx, ctx.depth + 1, () => emitBody(child, ctx))})`
          : emitBody(child, ctx);
      return `${side(body.left, false)}${nl(ctx)}${body.op}${body.all ? ' ALL' : ''}${nl(ctx)}${side(body.right, true)}`;
    }
  }
}

/** ORDER BY and LIMIT of a query, each on its own line; '' when it has neither. */
export function emitQueryTail(query: Query, ctx: EmitContext, orderKey?: Parameters<typeof emitOrderItems>[2]): string {
  let tail = '';
  if (query.orderBy.length > 0) tail += nl(ctx) + clause(ctx, 'ORDER BY', () => emitOrderItems(query.orderBy, ctx, orderKey));
  if (query.limit) {
    tail += `${nl(ctx)}LIMIT ${query.limit.count.value}`;
    if (query.limit.offset) tail += ` OFFSET ${query.limit.offset.value}`;
  }
  return tail;
}

export function emitQuery(query: Query, ctx: EmitContext): string {
  const d = ctx.dialect;
  let head = '';
  if (query.with) {
    const ctes = query.with.ctes.map((cte) => {
      const columns = cte.columns.length > 0 ? ` (${cte.columns.map((c) => d.quoteIdentifier(c.value)).join(', ')})` : '';
      const body = atDepth(ctx, ctx.depth + 2, () => emitQuery(cte.query, ctx));
      return `${d.quoteIdentifier(cte.name.value)}${columns} AS (${nl(ctx, 2)}${body}${nl(ctx, 1)})`;
    });
    head = `WITH${nl(ctx, 1)}${ctes.join(`,${nl(ctx, 1)}`)}${nl(ctx)}`;
  }
  const body = query.body;
  if (body.kind === 'select_core' && body.qualify && !d.supportsQualify) {
    return head + emitQualifyAsSubquery(query, body, ctx);
  }
  return head + emitBody(body, ctx) + emitQueryTail(query, ctx);
}
