// Name scopes: the relations a SELECT reads (its FROM items) and, for correlated subqueries,
// the enclosing query's scope. Names match exactly first, then case-insensitively when that is
// unambiguous: DuckDB and Spark both resolve identifiers without regard to case.
import type { Identifier } from '../ast.js';
import type { NqlType } from '../types.js';
import type { OutputColumn } from './context.js';

export interface Relation {
  /** Name of the relation in the emitted SQL (the qualifier of its columns). */
  alias: string;
  /** Ways the query may name it: `[["e"]]`, or `[["6402"], ["company_data", "6402"]]` when unaliased. */
  names: string[][];
  /** How messages name it: `company_data."6402"`, a CTE or alias name. */
  display: string;
  columns: OutputColumn[];
  /** Datasets carry the virtual `_price_cpm_usd` column. */
  isDataset: boolean;
  /** Stands in for a FROM item that failed to resolve: it answers every name with type unknown,
   * so one unknown dataset is one error, not one per column read from it. */
  opaque?: boolean;
  /** The WITH ORDINALITY column of an UNNEST relation. */
  ordinality?: string;
}

interface ColumnIndex {
  exact: Map<string, OutputColumn>;
  /** Lower-cased name to its column, or null when several columns share it. */
  folded: Map<string, OutputColumn | null>;
}

function buildIndex(columns: readonly OutputColumn[]): ColumnIndex {
  const exact = new Map<string, OutputColumn>();
  const folded = new Map<string, OutputColumn | null>();
  for (const column of columns) {
    if (!exact.has(column.name)) exact.set(column.name, column);
    const lower = column.name.toLowerCase();
    folded.set(lower, folded.has(lower) ? null : column);
  }
  return { exact, folded };
}

/** A column named in JOIN ... USING: unqualified references to it are not ambiguous. */
export interface UsingColumn {
  name: string;
  relations: Relation[];
  full: boolean;
}

export interface Scope {
  relations: Relation[];
  using: UsingColumn[];
  parent: Scope | null;
  /** Relations of the same FROM that this scope cannot see: those left of a comma, seen from the
   * join chain right of it (`a, b JOIN c ON <here>`). Only consulted to explain an unknown name. */
  hidden: readonly Relation[] | null;
}

export function sameName(a: string, b: string): boolean {
  return a === b || a.toLowerCase() === b.toLowerCase();
}

/** Exact match first; otherwise the single case-insensitive match, if there is exactly one. */
export function pickByName<T>(items: readonly T[], name: string, nameOf: (item: T) => string): T | undefined {
  const exact = items.find((item) => nameOf(item) === name);
  if (exact !== undefined) return exact;
  const lower = name.toLowerCase();
  const loose = items.filter((item) => nameOf(item).toLowerCase() === lower);
  return loose.length === 1 ? loose[0] : undefined;
}

// Built on first lookup and shared by every relation over the same column list (a dataset's
// columns are cached per schema, a CTE's per analysis): each column reference searches by name.
const INDEXES = new WeakMap<readonly OutputColumn[], ColumnIndex>();

export function findColumn(relation: Relation, name: string): OutputColumn | undefined {
  let index = INDEXES.get(relation.columns);
  if (!index) INDEXES.set(relation.columns, (index = buildIndex(relation.columns)));
  return index.exact.get(name) ?? index.folded.get(name.toLowerCase()) ?? undefined;
}

/** How many leading parts of `parts` name a relation of this scope (0 when none does). */
export function matchRelationPrefix(relation: Relation, parts: readonly Identifier[]): number {
  let best = 0;
  for (const name of relation.names) {
    if (name.length >= parts.length || name.length <= best) continue; // a column part must remain
    let matches = true;
    for (let i = 0; i < name.length && matches; i++) matches = sameName(name[i] as string, (parts[i] as Identifier).value);
    if (matches) best = name.length;
  }
  return best;
}

export function columnType(relation: Relation, name: string): NqlType | undefined {
  return findColumn(relation, name)?.type;
}

export function describeRelations(relations: readonly Relation[]): string {
  return relations.map((r) => r.display).join(', ');
}

/** The quoted form used in messages: `"mobile_id"."value"`. */
export function quotePath(parts: readonly string[]): string {
  return parts.map((p) => `"${p.replace(/"/g, '""')}"`).join('.');
}
