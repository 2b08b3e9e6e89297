// The allow-list of NQL functions. A call is valid only if its name is here; everything else is
// refused by the analyzer, so no engine function (file readers, settings, catalogs) can slip
// through to DuckDB or Spark. The catalog is documented in docs/nql-functions.md (a test keeps
// the two in step).
import type { FunctionDef } from './functions/define.js';
import { AGGREGATE_FUNCTIONS } from './functions/aggregate.js';
import { DATETIME_FUNCTIONS } from './functions/datetime.js';
import { MATH_FUNCTIONS } from './functions/math.js';
import { MISC_FUNCTIONS } from './functions/misc.js';
import { STRING_FUNCTIONS } from './functions/string.js';
import { WINDOW_FUNCTIONS } from './functions/window.js';

export type { ArgInfo, DialectId, FunctionDef, FunctionKind, RenderCall, Rendering } from './functions/define.js';

export const FUNCTION_LIST: readonly FunctionDef[] = [
  ...AGGREGATE_FUNCTIONS,
  ...WINDOW_FUNCTIONS,
  ...STRING_FUNCTIONS,
  ...MATH_FUNCTIONS,
  ...DATETIME_FUNCTIONS,
  ...MISC_FUNCTIONS,
];

/** Accepted spellings that mean a catalog function (Spark and Presto users write both). */
const ALIASES: Record<string, string> = {
  SUBSTR: 'SUBSTRING',
  CEILING: 'CEIL',
  POW: 'POWER',
  DAYOFMONTH: 'DAY',
  CARDINALITY: 'SIZE',
  STD: 'STDDEV',
  NOW: 'CURRENT_TIMESTAMP',
  DATE: 'TO_DATE',
};

const BY_NAME: ReadonlyMap<string, FunctionDef> = (() => {
  const map = new Map<string, FunctionDef>();
  for (const def of FUNCTION_LIST) {
    if (map.has(def.name)) throw new Error(`internal: function ${def.name} is defined twice`);
    map.set(def.name, def);
  }
  for (const [alias, target] of Object.entries(ALIASES)) {
    const def = map.get(target);
    if (!def) throw new Error(`internal: alias ${alias} points at unknown ${target}`);
    map.set(alias, def);
  }
  return map;
})();

export function lookupFunction(name: string): FunctionDef | undefined {
  return BY_NAME.get(name.toUpperCase());
}

export function functionAliases(): Readonly<Record<string, string>> {
  return ALIASES;
}

/**
 * Engine functions that read files, URLs, settings or catalogs. They are refused like any unknown
 * function; naming them lets the error say why ("not allowed") instead of "unknown".
 */
const FORBIDDEN_EXACT = new Set([
  'read_csv', 'read_csv_auto', 'read_parquet', 'parquet_scan', 'read_json', 'read_json_auto',
  'read_json_objects', 'read_ndjson', 'read_ndjson_objects', 'read_text', 'read_blob', 'glob',
  'sniff_csv', 'parquet_metadata', 'parquet_schema', 'parquet_file_metadata', 'parquet_kv_metadata',
  'iceberg_scan', 'iceberg_metadata', 'delta_scan', 'sqlite_scan', 'postgres_scan', 'mysql_scan',
  'query', 'query_table', 'getenv', 'current_setting', 'which_secret', 'load_extension',
  'read_file', 'input_file_name', 'reflect', 'java_method', 'range', 'generate_series',
  'csv', 'json', 'parquet', 'text', 'orc', 'avro', 'binaryfile',
]);
const FORBIDDEN_PREFIXES = ['duckdb_', 'pg_', 'pragma_', 'sqlite_', 'information_schema'];

/** Why a name that is not in the catalog is dangerous, or undefined for an ordinary unknown. */
export function forbiddenFunctionReason(name: string): string | undefined {
  const lower = name.toLowerCase();
  if (FORBIDDEN_EXACT.has(lower)) return `function ${name} is not allowed: NQL reads datasets only`;
  if (FORBIDDEN_PREFIXES.some((p) => lower.startsWith(p))) return `function ${name} is not allowed: system catalogs are not available`;
  return undefined;
}

/** Schemas (first part of a qualified table name) that name engine catalogs or files. */
const FORBIDDEN_SCHEMA_PREFIXES = ['information_schema', 'pg_', 'duckdb_', 'sqlite_', 'system', 'temp', 'main'];
export function isForbiddenCatalog(name: string): boolean {
  const lower = name.toLowerCase();
  return FORBIDDEN_SCHEMA_PREFIXES.some((p) => lower === p || (p.endsWith('_') && lower.startsWith(p)));
}
