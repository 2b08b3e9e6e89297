// FROM items become relations of the select's scope: datasets (`company_data."6402"`, by id or
// unique name), CTEs, subqueries and joins. Anything else - engine catalogs, files, table
// functions, other companies' schemas - is refused here, so the compiled SQL can only ever read
// the `ds_<id>` relations of datasets the API resolved for the caller.
import type { DeltaRef, FromItem, Identifier, Join, TableRef, UnnestRef } from '../ast.js';
import { forbiddenFunctionReason, isForbiddenCatalog } from '../functions.js';
import type { DatasetSchema } from '../schema.js';
import type { NqlType } from '../types.js';
import { T, fromAttribute, typeName } from '../types.js';
import type { AnalysisContext, OutputColumn } from './context.js';
import { datasetRefOf, describeRef, refKey } from './dataset-refs.js';
import { detailAt } from './errors.js';
import { checkIntroducedName } from './identifiers.js';
import type { CteEnv, ExprEnv } from './expr-env.js';
import { resolveCondition, resolveExpr } from './resolve-expr.js';
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

/** The ON/WHERE-like environment of an expression inside FROM: no aggregates, no windows. */
function fromExprEnv(env: FromEnv, clause: string): ExprEnv {
  return { ctx: env.ctx, scope: env.scope, ctes: env.ctes, clause, allowAggregate: false, allowWindow: false, aliases: null, windows: [] };
}

/**
 * `UNNEST(array) [WITH ORDINALITY] AS u(element, ordinality)`: a relation with the element column
 * (named by the column list, else after the alias, as in PostgreSQL) and, with ORDINALITY, the
 * 1-based position (default name `ordinality`). `lateral` is false where SQL gives UNNEST no row to
 * its left (first in FROM, right of an ON/USING join): refused, but still resolved so the rest of the
 * query is checked.
 */
function resolveUnnest(item: UnnestRef, env: FromEnv, lateral: boolean): void {
  const { ctx } = env;
  if (!lateral) {
    ctx.errors.push(
      detailAt(item.span, 'not_allowed', 'UNNEST must follow a comma or CROSS JOIN (it reads the row to its left), e.g. FROM t, UNNEST(t.tags) AS u(tag)'),
    );
  }
  const arrayType = resolveExpr(item.expr, fromExprEnv(env, 'UNNEST(...)'));
  let element: NqlType = T.unknown;
  if (arrayType.type === 'array') element = arrayType.items;
  else if (arrayType.type !== 'unknown') {
    ctx.errors.push(detailAt(item.expr.span, 'type_mismatch', `UNNEST needs an array, got ${typeName(arrayType)}`));
  }
  checkIntroducedName(ctx, item.alias);
  for (const column of item.columns) checkIntroducedName(ctx, column);
  if (!item.alias) {
    ctx.errors.push(detailAt(item.span, 'invalid_call', 'UNNEST needs an alias naming its rows and column, e.g. UNNEST(t.tags) AS u(tag)'));
  }
  const expected = item.ordinality ? 2 : 1;
  if (item.columns.length > expected) {
    const what = item.ordinality ? 'two columns (the element and its position)' : 'one column (the element)';
    ctx.errors.push(detailAt((item.columns[expected] as Identifier).span, 'invalid_call', `UNNEST${item.ordinality ? ' WITH ORDINALITY' : ''} has ${what}, not ${item.columns.length}`));
  }
  const alias = item.alias?.value ?? generateAlias(ctx);
  const elementName = item.columns[0]?.value ?? alias;
  const ordinality = item.ordinality ? (item.columns[1]?.value ?? 'ordinality') : null;
  if (ordinality !== null && sameName(ordinality, elementName)) {
    ctx.errors.push(detailAt((item.columns[1] ?? item).span, 'duplicate_name', `UNNEST names two columns "${elementName}"`));
  }
  const columns: OutputColumn[] = [{ name: elementName, type: element }];
  if (ordinality !== null) columns.push({ name: ordinality, type: T.long });
  ctx.bindings.unnests.set(item, { alias, element: elementName, ordinality });
  const relation: Relation = { alias, names: [[alias]], display: alias, columns, isDataset: false };
  if (ordinality !== null) relation.ordinality = ordinality;
  addRelation(env, relation, item.alias ?? item);
}

/**
 * The join chain right of a comma sees only its own relations in its ON conditions (and in its
 * UNNEST arrays), as in Calcite: `a, b JOIN c ON a.x = c.x` is refused. It is resolved in a scope
 * of its own, then its relations join the select's scope.
 */
function resolveCommaRight(item: Join, env: FromEnv): void {
  const main = env.scope;
  const sub: Scope = { relations: [], using: [], parent: main.parent, hidden: main.hidden ? [...main.hidden, ...main.relations] : [...main.relations] };
  resolveFrom(item.right, { ctx: env.ctx, scope: sub, outer: env.outer, ctes: env.ctes });
  for (const relation of sub.relations) {
    if (main.relations.some((r) => sameName(r.alias, relation.alias))) {
      env.ctx.errors.push(detailAt(item.right.span, 'duplicate_name', `relation name "${relation.alias}" is used twice in FROM; give each an alias`));
    }
    main.relations.push(relation);
  }
  main.using.push(...sub.using);
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
    case 'unnest_ref':
      return resolveUnnest(item, env, false);
    case 'join': {
      const before = env.scope.relations.length;
      resolveFrom(item.left, env);
      const middle = env.scope.relations.length;
      const lateral = item.type === 'CROSS' || item.type === 'COMMA';
      if (lateral && item.right.kind === 'unnest_ref') resolveUnnest(item.right, env, true);
      else if (item.type === 'COMMA' && item.right.kind === 'join') resolveCommaRight(item, env);
      else resolveFrom(item.right, env);
      const condition = item.condition;
      if (condition?.kind === 'join_on') {
        resolveCondition(condition.expr, fromExprEnv(env, 'JOIN ... ON'));
      } else if (condition?.kind === 'join_using') {
        const left = env.scope.relations.slice(before, middle);
        const right = env.scope.relations.slice(middle);
        resolveUsing(condition.columns, left, right, item.type === 'FULL', env);
      }
      return;
    }
  }
}
