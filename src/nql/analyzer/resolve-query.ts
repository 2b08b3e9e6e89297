// Queries: WITH (CTEs, each visible to the later ones and the body), select cores, set
// operations, ORDER BY and LIMIT. Returns the query's output columns (name and type).
import type { Query, QueryBody, SelectCore, SelectItem, WithClause } from '../ast.js';
import { T, commonType, typeName } from '../types.js';
import type { AnalysisContext, OutputColumn } from './context.js';
import { detailAt } from './errors.js';
import { checkIntroducedName } from './identifiers.js';
import type { CteEnv, ExprEnv } from './expr-env.js';
import { withClause } from './expr-env.js';
import { resolveOrderItems, resolveWindowSpec } from './resolve-call.js';
import { checkGrouping } from './grouping.js';
import { resolveFrom } from './resolve-from.js';
import { resolveCondition, resolveExpr } from './resolve-expr.js';
import type { Scope } from './scope.js';
import { pickByName, sameName } from './scope.js';

/** The name an unaliased select item gets: the last part of a (nested) column path, else `_c<i>`. */
function outputName(item: SelectItem, index: number, ctx: AnalysisContext): string {
  if (item.alias) return item.alias.value;
  const expr = item.expr;
  if (expr.kind === 'column_ref') {
    const binding = ctx.bindings.columns.get(expr);
    if (binding?.kind === 'column') return binding.path[binding.path.length - 1] ?? binding.column;
    return expr.parts[expr.parts.length - 1]?.value ?? `_c${index}`;
  }
  if (expr.kind === 'field_access') return ctx.bindings.fields.get(expr) ?? expr.field.value;
  if (expr.kind === 'subscript') {
    const sub = ctx.bindings.subscripts.get(expr);
    if (sub?.kind === 'field') return sub.name;
  }
  return `_c${index}`;
}

function resolveSelectCore(core: SelectCore, ctx: AnalysisContext, outer: Scope | null, ctes: CteEnv | null): { columns: OutputColumn[]; env: ExprEnv } {
  const scope: Scope = { relations: [], using: [], parent: outer, hidden: null };
  if (core.from) resolveFrom(core.from, { ctx, scope, outer, ctes });
  const env: ExprEnv = { ctx, scope, ctes, clause: 'SELECT', allowAggregate: true, allowWindow: true, aliases: null, windows: core.windows };
  core.windows.forEach((w, i) => {
    checkIntroducedName(ctx, w.name);
    if (core.windows.findIndex((other) => sameName(other.name.value, w.name.value)) !== i) {
      ctx.errors.push(detailAt(w.name.span, 'duplicate_name', `window "${w.name.value}" is defined twice`));
    }
    resolveWindowSpec(w.spec, withClause(env, 'WINDOW', { allowAggregate: false, allowWindow: false }));
  });
  if (core.where) resolveCondition(core.where, withClause(env, 'WHERE', { allowAggregate: false, allowWindow: false }));
  const columns = core.projections.map((item, i) => {
    checkIntroducedName(ctx, item.alias);
    const type = resolveExpr(item.expr, env);
    return { name: outputName(item, i, ctx), type };
  });
  ctx.bindings.projections.set(core, columns);
  const aliases = { items: core.projections, mode: 'fallback' as const };
  const groupEnv = withClause(env, 'GROUP BY', { allowAggregate: false, allowWindow: false, aliases });
  for (const key of core.groupBy) {
    if (key.kind === 'integer_literal') {
      const n = Number(key.value);
      if (n < 1 || n > columns.length) ctx.errors.push(detailAt(key.span, 'unknown_column', `GROUP BY position ${key.value} is not in the select list (1..${columns.length})`));
      ctx.bindings.types.set(key, T.long);
      continue;
    }
    resolveExpr(key, groupEnv);
  }
  if (core.having) resolveCondition(core.having, withClause(env, 'HAVING', { allowWindow: false, aliases }));
  if (core.qualify) resolveCondition(core.qualify, withClause(env, 'QUALIFY', { aliases }));
  return { columns, env };
}

function resolveSetOperation(left: OutputColumn[], right: OutputColumn[], op: string, ctx: AnalysisContext, at: QueryBody): OutputColumn[] {
  if (left.length !== right.length) {
    ctx.errors.push(detailAt(at.span, 'type_mismatch', `both sides of ${op} must select the same number of columns (${left.length} and ${right.length})`));
    return left;
  }
  return left.map((column, i) => {
    const other = right[i] as OutputColumn;
    const type = commonType(column.type, other.type);
    if (!type) {
      ctx.errors.push(detailAt(at.span, 'type_mismatch', `column ${i + 1} of ${op} is ${typeName(column.type)} on one side and ${typeName(other.type)} on the other`));
    }
    return { name: column.name, type: type ?? T.unknown };
  });
}

/** `ownOrder`: the caller resolves the query's ORDER BY and checks grouping after it; otherwise
 * (an operand of a set operation) the select core is checked here, without an ORDER BY. */
function resolveBody(body: QueryBody, ctx: AnalysisContext, outer: Scope | null, ctes: CteEnv | null, ownOrder = false): { columns: OutputColumn[]; env: ExprEnv | null } {
  switch (body.kind) {
    case 'select_core': {
      const aggregatesBefore = ctx.aggregateCalls;
      const resolved = resolveSelectCore(body, ctx, outer, ctes);
      if (!ownOrder) checkGrouping(body, [], resolved.env.scope, ctx, ctx.aggregateCalls !== aggregatesBefore);
      return resolved;
    }
    case 'query':
      return { columns: resolveQuery(body, ctx, outer, ctes), env: null };
    case 'set_operation': {
      const left = resolveBody(body.left, ctx, outer, ctes).columns;
      const right = resolveBody(body.right, ctx, outer, ctes).columns;
      return { columns: resolveSetOperation(left, right, body.op, ctx, body), env: null };
    }
  }
}

function resolveWith(clause: WithClause, ctx: AnalysisContext, ctes: CteEnv | null): CteEnv {
  const env: CteEnv = { entries: [], parent: ctes };
  for (const cte of clause.ctes) {
    checkIntroducedName(ctx, cte.name);
    for (const column of cte.columns) checkIntroducedName(ctx, column);
    if (env.entries.some((e) => sameName(e.name, cte.name.value))) {
      ctx.errors.push(detailAt(cte.name.span, 'duplicate_name', `WITH defines "${cte.name.value}" twice`));
    }
    let columns = resolveQuery(cte.query, ctx, null, env);
    if (cte.columns.length > 0) {
      if (cte.columns.length !== columns.length) {
        ctx.errors.push(detailAt(cte.name.span, 'type_mismatch', `"${cte.name.value}" names ${cte.columns.length} columns but its query selects ${columns.length}`));
      }
      columns = columns.map((c, i) => ({ name: cte.columns[i]?.value ?? c.name, type: c.type }));
    }
    env.entries.push({ name: cte.name.value, columns });
  }
  return env;
}

/** ORDER BY after a set operation (or a parenthesised query) can only name output columns. */
function resolveOutputOrder(query: Query, columns: OutputColumn[], ctx: AnalysisContext): void {
  for (const item of query.orderBy) {
    const e = item.expr;
    if (e.kind === 'integer_literal') {
      ctx.bindings.types.set(e, T.long);
      continue;
    }
    const only = e.kind === 'column_ref' && e.parts.length === 1 ? e.parts[0] : undefined;
    const column = only ? pickByName(columns, only.value, (c) => c.name) : undefined;
    if (e.kind === 'column_ref' && column) {
      ctx.bindings.columns.set(e, { kind: 'output', name: column.name });
      ctx.bindings.types.set(e, column.type);
    } else {
      ctx.errors.push(detailAt(e.span, 'unknown_column', 'ORDER BY after a set operation must name an output column or position'));
    }
  }
}

export function resolveQuery(query: Query, ctx: AnalysisContext, outer: Scope | null, ctes: CteEnv | null): OutputColumn[] {
  const env = query.with ? resolveWith(query.with, ctx, ctes) : ctes;
  const aggregatesBefore = ctx.aggregateCalls;
  const body = resolveBody(query.body, ctx, outer, env, true);
  if (query.orderBy.length > 0) {
    if (body.env) {
      const core = query.body as SelectCore;
      const orderEnv = withClause(body.env, 'ORDER BY', { aliases: { items: core.projections, mode: 'prefer' } });
      for (const item of query.orderBy) {
        if (item.expr.kind === 'integer_literal') {
          const n = Number(item.expr.value);
          if (n < 1 || n > body.columns.length) ctx.errors.push(detailAt(item.expr.span, 'unknown_column', `ORDER BY position ${n} is not in the select list (1..${body.columns.length})`));
        }
      }
      resolveOrderItems(query.orderBy, orderEnv);
    } else {
      resolveOutputOrder(query, body.columns, ctx);
    }
  }
  if (body.env) checkGrouping(query.body as SelectCore, query.orderBy, body.env.scope, ctx, ctx.aggregateCalls !== aggregatesBefore);
  ctx.bindings.queryOutputs.set(query, body.columns);
  return body.columns;
}
