// Step one of analysis, run before the database is consulted: which datasets does a statement
// name? The API resolves these refs (id or unique name) against the caller's company, then hands
// the result to `analyze`. CTE names are not datasets and are left out.
import type { Identifier, Statement, TableRef } from '../ast.js';
import { walk } from './walk.js';

/** `company_data."6402"` is `{id: 6402}`; `company_data.my_name` is `{name: "my_name"}`. */
export type DatasetRef = { id: number } | { name: string };

/** The schema that holds the caller's own datasets. */
export const COMPANY_DATA_SCHEMA = 'company_data';

/** Stable map key for a ref: the API builds `Map<refKey, ResolvedDataset>` with it. */
export function refKey(ref: DatasetRef): string {
  return 'id' in ref ? `id:${ref.id}` : `name:${ref.name}`;
}

/** How a ref reads in messages, as the user would write it: `company_data."6402"`. */
export function describeRef(ref: DatasetRef): string {
  return 'id' in ref ? `${COMPANY_DATA_SCHEMA}."${ref.id}"` : `${COMPANY_DATA_SCHEMA}.${ref.name}`;
}

// Dataset ids are positive integers that fit a JSON number exactly.
const DATASET_ID = /^[1-9][0-9]{0,15}$/;

/**
 * The dataset a two-part path names, or undefined when the path is not `company_data.<id|name>`.
 * The schema matches case-insensitively (an unquoted keyword-like name); a quoted all-digit name
 * is an id, anything else a unique name.
 */
export function datasetRefOf(path: readonly Identifier[]): DatasetRef | undefined {
  const [schema, table] = path;
  if (path.length !== 2 || !schema || !table) return undefined;
  if (schema.value.toLowerCase() !== COMPANY_DATA_SCHEMA) return undefined;
  if (DATASET_ID.test(table.value)) {
    const id = Number(table.value);
    return Number.isSafeInteger(id) ? { id } : undefined;
  }
  return { name: table.value };
}

/** Every dataset the statement references, deduplicated, in order of first appearance. */
export function collectDatasetRefs(statement: Statement): DatasetRef[] {
  const cteNames = new Set<string>();
  const tables: TableRef[] = [];
  walk(statement, (node) => {
    if (node.kind === 'cte') cteNames.add(node.name.value.toLowerCase());
    if (node.kind === 'table_ref') tables.push(node);
  });
  const seen = new Map<string, DatasetRef>();
  for (const table of tables) {
    const only = table.path.length === 1 ? table.path[0] : undefined;
    if (only && cteNames.has(only.value.toLowerCase())) continue;
    const ref = datasetRefOf(table.path);
    if (ref && !seen.has(refKey(ref))) seen.set(refKey(ref), ref);
  }
  return [...seen.values()];
}
