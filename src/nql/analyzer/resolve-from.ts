// FROM items become relations of the select's scope: datasets (`company_data."6402"`, by id or
// unique name), CTEs, subqueries and joins. Anything else - engine catalogs, files, table
// functions, other companies' schemas - is refused here, so the compiled SQL can only ever read
// the `ds_<id>` relations of datasets the API resolved for the caller.
import type { DeltaRef, FromItem, Identifier, TableRef } from '../ast.js';
import { forbiddenFunctionReason, isForbiddenCatalog } from '../functions.js';
import type { DatasetSchema } from '../schema.js';
import { fromAttribute } from '../types.js';
import type { AnalysisContext, OutputColumn } from './context.js';
import { datasetRefOf, describeRef, refKey } from './dataset-refs.js';
import { detailAt } from './errors.js';
import { checkIntroducedName } from './identifiers.js';
import type { CteEnv, ExprEnv } from './expr-env.js';
import { resolveCondition } from './resolve-expr.js';
import { relationNamesOf } from './relation-names.js';
import { resolveQuery } from './resolve-query.js';
import type { Relation, Scope } from './scope.js';
import { findColumn, pickByName, sameName } from './scope.js';

export interface FromEnv {
  ctx: AnalysisContext;
  /** The scope being filled; joins' ON conditions resolve in it. */
  scope: Scope;
  /** The scope enclosing the select (subqueries in FROM see it, not their siblings). */
  outer: Scope | null;
  ctes: CteEnv | null;
}

/** Calcite's naming for derived tables: `t`, `t0`, `t1`, ... skipping names the user took. */
export function generateAlias(ctx: AnalysisContext): string {
  for (;;) {
    const n = ctx.generatedAliasCount++;
    const name = n === 0 ? 't' : `t${n - 1}`;
    ctx.usedRelationNames ??= relationNamesOf(ctx.statement);
    if (!ctx.usedRelationNames.has(name)) return name;
  }
}

function addRelation(env: FromEnv, relation: Relation, at: Identifier | FromItem): void {
  if (at.kind === 'identifier') checkIntroducedName(env.ctx, at);
  if (env.scope.relations.some((r) => sameName(r.alias, relation.alias))) {
    env.ctx.errors.push(
      detailAt(at.span, 'duplicate_name', `relation name "${relation.alias}" is used twice in FROM; give each an alias`),
    );
  }
  env.scope.relations.push(relation);
}

function findCte(ctes: CteEnv | null, name: string) {
  for (let env = ctes; env; env = env.parent) {
    const hit = pickByName(env.entries, name, (e) => e.name);
    if (hit) return hit;
  }
  return undefined;
}

function pathText(path: readonly Identifier[]): string {
  return path.map((p) => (p.quoted ? `"${p.value}"` : p.value)).join('.');
}

function addOpaque(env: FromEnv, path: readonly Identifier[], alias: Identifier | null): void {
  const last = path[path.length - 1];
  const name = alias?.value ?? last?.value ?? generateAlias(env.ctx);
  const names = alias ? [[alias.value]] : [[name], path.map((p) => p.value)];
  env.scope.relations.push({ alias: name, names, display: pathText(path), columns: [], isDataset: true, opaque: true });
}

// A dataset's columns as NQL types, converted once per schema object (the API may cache schemas).
const COLUMNS = new WeakMap<DatasetSchema, OutputColumn[]>();
function columnsOf(schema: DatasetSchema): OutputColumn[] {
  let columns = COLUMNS.get(schema);
  if (!columns) {
    columns = Object.entries(schema.properties).map(([name, attribute]) => ({ name, type: fromAttribute(attribute) }));
    COLUMNS.set(schema, columns);
  }
  return columns;
}

function resolveDataset(item: TableRef | DeltaRef, path: readonly Identifier[], alias: Identifier | null, delta: boolean, env: FromEnv): void {
  const { ctx } = env;
  const first = path[0];
  if (first && (isForbiddenCatalog(first.value) || (path.length === 1 && forbiddenFunctionReason(first.value)))) {
    ctx.errors.push(detailAt(item.span, 'not_allowed', `${pathText(path)} is not allowed: system catalogs and files are not available in NQL`));
    addOpaque(env, path, alias);
    return;
  }
  const ref = datasetRefOf(path);
  const dataset = ref ? ctx.datasets.get(refKey(ref)) : undefined;
  if (!ref || !dataset) {
    ctx.errors.push(detailAt(item.span, 'unknown_dataset', `unknown dataset ${ref ? describeRef(ref) : pathText(path)}`));
    addOpaque(env, path, alias);
    return;
  }
  ctx.datasetIds.add(dataset.id);
  const columns = columnsOf(dataset.schema);
  const relationAlias = alias?.value ?? `ds_${dataset.id}`;
  ctx.bindings.relations.set(item, { source: { kind: 'dataset', datasetId: dataset.id, delta }, alias: relationAlias, aliasWritten: true });
  const last = path[path.length - 1] as Identifier;
  const names = alias ? [[alias.value]] : [[last.value], path.map((p) => p.value)];
  addRelation(env, { alias: relationAlias, names, display: describeRef(ref), columns, isDataset: true }, alias ?? item);
}

function resolveTable(item: TableRef, env: FromEnv): void {
  const only = item.path.length === 1 ? item.path[0] : undefined;
  const cte = only ? findCte(env.ctes, only.value) : undefined;
  if (!cte) {
    resolveDataset(item, item.path, item.alias, false, env);
    return;
  }
  const alias = item.alias?.value ?? cte.name;
  env.ctx.bindings.relations.set(item, { source: { kind: 'cte', name: cte.name }, alias, aliasWritten: item.alias !== null });
  addRelation(env, { alias, names: [[alias]], display: alias, columns: cte.columns, isDataset: false }, item.alias ?? item);
}

function resolveUsing(columns: readonly Identifier[], left: Relation[], right: Relation[], full: boolean, env: FromEnv): void {
  for (const column of columns) {
    const l = left.filter((r) => findColumn(r, column.value));
    const r = right.filter((rel) => findColumn(rel, column.value));
    if (l.length !== 1 || r.length !== 1) {
      env.ctx.errors.push(detailAt(column.span, 'unknown_column', `USING column "${column.value}" must exist exactly once on each side of the join`));
      continue;
    }
    env.scope.using.push({ name: column.value, relations: [l[0] as Relation, r[0] as Relation], full });
  }
}

export function resolveFrom(item: FromItem, env: FromEnv): void {
  switch (item.kind) {
    case 'table_ref':
      return resolveTable(item, env);
    case 'delta_ref':
      if (item.source.kind !== 'table_ref') {
        env.ctx.errors.push(detailAt(item.span, 'unsupported', 'DELTA over a subquery is not supported; use DELTA(TABLE company_data."<id>")'));
        addOpaque(env, [], item.alias);
        return;
      }
      return resolveDataset(item, item.source.path, item.alias, true, env);
    case 'subquery_ref': {
      const columns = resolveQuery(item.query, env.ctx, env.outer, env.ctes);
      const alias = item.alias?.value ?? generateAlias(env.ctx);
      env.ctx.bindings.subqueryAliases.set(item, alias);
      addRelation(env, { alias, names: [[alias]], display: alias, columns, isDataset: false }, item.alias ?? item);
      return;
    }
    case 'join': {
      const before = env.scope.relations.length;
      resolveFrom(item.left, env);
      const middle = env.scope.relations.length;
      resolveFrom(item.right, env);
      const condition = item.condition;
      if (condition?.kind === 'join_on') {
        const onEnv: ExprEnv = {
          ctx: env.ctx,
          scope: env.scope,
          ctes: env.ctes,
          clause: 'JOIN ... ON',
          allowAggregate: false,
          allowWindow: false,
          aliases: null,
          windows: [],
        };
        resolveCondition(condition.expr, onEnv);
      } else if (condition?.kind === 'join_using') {
        const left = env.scope.relations.slice(before, middle);
        const right = env.scope.relations.slice(middle);
        resolveUsing(condition.columns, left, right, item.type === 'FULL', env);
      }
      return;
    }
  }
}
