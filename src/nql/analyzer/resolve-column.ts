// Resolves dotted name paths (`a`, `alias.a.b`, `company_data."6402".a`, `"a"."b"."c"`) to a
// relation column plus nested attribute path. Rules, in order:
//   1. the longest prefix naming a relation in scope qualifies the rest (`alias.col.field`);
//   2. otherwise the first part is a column of exactly one relation in scope;
//   3. otherwise the enclosing query's scope is tried (correlated subqueries);
//   4. otherwise a select-list alias, where the clause allows one.
// `_price_cpm_usd` is a virtual column of every dataset relation (see analyzer/price-filter.ts).
import type { ColumnRef, Identifier, SelectItem } from '../ast.js';
import type { NqlType } from '../types.js';
import { T, objectField, typeName } from '../types.js';
import type { ColumnBinding } from './context.js';
import { detailAt } from './errors.js';
import type { ExprEnv } from './expr-env.js';
import type { Relation, Scope } from './scope.js';
import { describeRelations, findColumn, matchRelationPrefix, pickByName, quotePath, sameName } from './scope.js';

export const PRICE_COLUMN = '_price_cpm_usd';

type Lookup =
  | { kind: 'found'; binding: ColumnBinding; type: NqlType }
  | { kind: 'error'; message: string; code: 'unknown_column' | 'ambiguous_column' | 'not_allowed' }
  | { kind: 'none' };

/** Follows `.field` steps through object types, collecting canonical field names. */
export function descendFields(
  type: NqlType,
  steps: readonly Identifier[],
  describe: (upTo: number) => string,
): { type: NqlType; names: string[] } | { error: string } {
  let current = type;
  const names: string[] = [];
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i] as Identifier;
    if (current.type === 'unknown') return { type: T.unknown, names: [...names, step.value] };
    if (current.type !== 'object') {
      const hint = current.type === 'array' ? ' (index it first, e.g. x[0].field)' : '';
      return { error: `${describe(i)} is ${typeName(current)}, not an object: no attribute "${step.value}"${hint}` };
    }
    const field = objectField(current, step.value);
    if (!field) return { error: `unknown column ${describe(i + 1)}` };
    names.push(field.name);
    current = field.type;
  }
  return { type: current, names };
}

/** Any name read from a relation that failed to resolve: typed unknown, no further error. */
function opaqueColumn(relation: Relation, parts: readonly Identifier[], start: number): Lookup {
  const names = parts.slice(start).map((p) => p.value);
  const binding: ColumnBinding = { kind: 'column', qualifier: relation.alias, column: names[0] ?? '', path: names.slice(1) };
  return { kind: 'found', binding, type: T.unknown };
}

function bindIn(relation: Relation, parts: readonly Identifier[], start: number, allowPrice: boolean): Lookup {
  const columnPart = parts[start] as Identifier;
  if (relation.opaque) return opaqueColumn(relation, parts, start);
  const written = parts.map((p) => p.value);
  const column = findColumn(relation, columnPart.value);
  if (!column) {
    if (relation.isDataset && sameName(columnPart.value, PRICE_COLUMN) && parts.length === start + 1) {
      return allowPrice ? { kind: 'found', binding: { kind: 'price' }, type: T.double } : priceMisuse();
    }
    return { kind: 'error', code: 'unknown_column', message: `unknown column ${quotePath(written.slice(start))} in ${relation.display}` };
  }
  const steps = parts.slice(start + 1);
  if (relation.ordinality === column.name && steps.length === 0) {
    return { kind: 'found', binding: { kind: 'ordinality', qualifier: relation.alias, column: column.name }, type: column.type };
  }
  const result = descendFields(column.type, steps, (upTo) => quotePath([column.name, ...written.slice(start + 1, start + 1 + upTo)]));
  if ('error' in result) {
    return { kind: 'error', code: 'unknown_column', message: `${result.error} in ${relation.display}` };
  }
  return {
    kind: 'found',
    binding: { kind: 'column', qualifier: relation.alias, column: column.name, path: result.names },
    type: result.type,
  };
}

function priceMisuse(): Lookup {
  return {
    kind: 'error',
    code: 'not_allowed',
    message: `${PRICE_COLUMN} may only be used in a filter of the form ${PRICE_COLUMN} <= <number>`,
  };
}

function lookupInScope(parts: readonly Identifier[], scope: Scope, allowPrice: boolean): Lookup {
  // 1. qualified by a relation name (single-part names cannot be)
  let best = 0;
  let qualified: Relation[] = [];
  if (parts.length > 1) {
    for (const relation of scope.relations) {
      const k = matchRelationPrefix(relation, parts);
      if (k > best) [best, qualified] = [k, [relation]];
      else if (k === best && k > 0) qualified.push(relation);
    }
  }
  const first = parts[0] as Identifier;
  const asColumn: Relation[] = [];
  for (const relation of scope.relations) if (findColumn(relation, first.value)) asColumn.push(relation);
  if (qualified.length === 1 && (asColumn.length === 0 || findColumn(qualified[0] as Relation, parts[best]?.value ?? ''))) {
    return bindIn(qualified[0] as Relation, parts, best, allowPrice);
  }
  // 2. unqualified column
  const using = scope.using.length > 0 ? pickByName(scope.using, first.value, (u) => u.name) : undefined;
  if (using && asColumn.length > 1) {
    const steps = parts.slice(1);
    const base = findColumn(using.relations[0] as Relation, first.value) as { name: string; type: NqlType };
    const result = descendFields(base.type, steps, (upTo) => quotePath(parts.slice(0, upTo + 1).map((p) => p.value)));
    if ('error' in result) return { kind: 'error', code: 'unknown_column', message: result.error };
    const binding: ColumnBinding = using.full
      ? { kind: 'using', qualifiers: using.relations.map((r) => r.alias), column: base.name, path: result.names }
      : { kind: 'column', qualifier: (using.relations[0] as Relation).alias, column: base.name, path: result.names };
    return { kind: 'found', binding, type: result.type };
  }
  if (asColumn.length > 1) {
    return {
      kind: 'error',
      code: 'ambiguous_column',
      message: `column "${first.value}" is ambiguous: it exists in ${describeRelations(asColumn)}; qualify it`,
    };
  }
  if (asColumn.length === 1) return bindIn(asColumn[0] as Relation, parts, 0, allowPrice);
  if (parts.length === 1 && sameName(first.value, PRICE_COLUMN) && scope.relations.some((r) => r.isDataset)) {
    return allowPrice ? { kind: 'found', binding: { kind: 'price' }, type: T.double } : priceMisuse();
  }
  if (qualified.length === 1) return bindIn(qualified[0] as Relation, parts, best, allowPrice);
  const opaque = scope.relations.find((r) => r.opaque);
  if (opaque) return opaqueColumn(opaque, parts, 0);
  return { kind: 'none' };
}

function aliasLookup(ref: ColumnRef, env: ExprEnv): Lookup {
  const aliases = env.aliases;
  const only = ref.parts.length === 1 ? ref.parts[0] : undefined;
  if (!aliases || !only) return { kind: 'none' };
  const item = pickByName(aliases.items.filter((i) => i.alias), only.value, (i: SelectItem) => i.alias?.value ?? '');
  if (!item) return { kind: 'none' };
  const type = env.ctx.bindings.types.get(item.expr) ?? T.unknown;
  // ORDER BY names the output column itself; other clauses re-evaluate the aliased expression.
  const binding: ColumnBinding = env.clause === 'ORDER BY' ? { kind: 'output', name: item.alias?.value ?? only.value } : { kind: 'alias', item };
  return { kind: 'found', binding, type };
}

/** Explains a name that only a relation left of a comma provides (`a, b JOIN c ON a.x = c.x`). */
function hiddenByComma(ref: ColumnRef, scope: Scope): string | undefined {
  if (!scope.hidden) return undefined;
  const hidden: Scope = { relations: [...scope.hidden], using: [], parent: null, hidden: null };
  if (lookupInScope(ref.parts, hidden, false).kind !== 'found') return undefined;
  const name = quotePath(ref.parts.map((p) => p.value));
  return `${name} belongs to a relation left of a comma, which this part of FROM cannot see (a comma binds looser than JOIN): write CROSS JOIN instead of the comma`;
}

/** Resolves `ref`, records its binding and type, and reports problems into the context. */
const NONE: Lookup = { kind: 'none' };

export function resolveColumnRef(ref: ColumnRef, env: ExprEnv, allowPrice = false): NqlType {
  let result: Lookup = env.aliases?.mode === 'prefer' ? aliasLookup(ref, env) : NONE;
  if (result.kind === 'none') result = lookupInScope(ref.parts, env.scope, allowPrice);
  for (let scope = env.scope.parent; result.kind === 'none' && scope; scope = scope.parent) {
    result = lookupInScope(ref.parts, scope, allowPrice);
    // A correlation: the GROUP BY check needs to know whose column it is.
    if (result.kind === 'found') (env.ctx.correlated ??= new Map()).set(ref, scope);
  }
  if (result.kind === 'none' && env.aliases?.mode === 'fallback') result = aliasLookup(ref, env);
  if (result.kind === 'found') {
    env.ctx.bindings.columns.set(ref, result.binding);
    env.ctx.bindings.types.set(ref, result.type);
    return result.type;
  }
  const message =
    result.kind === 'error'
      ? result.message
      : (hiddenByComma(ref, env.scope) ??
        `unknown column ${quotePath(ref.parts.map((p) => p.value))}${
          env.scope.relations.length === 1 ? ` in ${describeRelations(env.scope.relations)}` : ''
        }`);
  env.ctx.errors.push(detailAt(ref.span, result.kind === 'error' ? result.code : 'unknown_column', message));
  env.ctx.bindings.types.set(ref, T.unknown);
  return T.unknown;
}
