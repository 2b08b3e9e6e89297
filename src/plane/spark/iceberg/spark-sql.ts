/**
 * Spark SQL text for the statements jobplane writes itself (never for user SQL, which runs exactly as compiled):
 * quoting, literals, and Narrative dataset types -> Spark/Iceberg column types.
 */
import type { Attribute, DatasetSchema } from '../../../core/dataset-schema.js';

/** A Spark identifier in backticks (a backtick inside is doubled). */
export const sparkIdent = (name: string) => `\`${name.replace(/`/g, '``')}\``;

/** A Spark string literal. Spark reads backslash escapes in '...' literals, so both quotes and backslashes are escaped. */
export const sparkString = (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** The Iceberg table of a dataset: `narrative.datasets.ds_<id>`, as the spark dialect of the NQL compiler names it. */
export const datasetTable = (datasetId: number) => `narrative.datasets.ds_${safeId(datasetId)}`;

/** The same table as the catalog's procedures want it (namespace.table, catalog given by the CALL). */
export const procedureTableArg = (datasetId: number) => `datasets.ds_${safeId(datasetId)}`;

function safeId(id: number): number {
  if (!Number.isSafeInteger(id) || id <= 0) throw new Error(`not a dataset id: ${id}`);
  return id;
}

const SCALARS: Record<string, string> = {
  string: 'STRING', long: 'BIGINT', double: 'DOUBLE', boolean: 'BOOLEAN',
  // Spark's TIMESTAMP is the session-zone-aware instant: Iceberg's timestamptz.
  timestamptz: 'TIMESTAMP', date: 'DATE',
};

export function sparkType(t: Attribute): string {
  switch (t.type) {
    case 'object': {
      const fields = Object.entries(t.properties);
      if (fields.length === 0) throw new Error('an object attribute needs at least one property');
      return `STRUCT<${fields.map(([name, child]) => `${sparkIdent(name)}: ${sparkType(child)}`).join(', ')}>`;
    }
    case 'array':
      return `ARRAY<${sparkType(t.items)}>`;
    default: {
      const sql = SCALARS[t.type];
      if (sql === undefined) throw new Error(`unsupported attribute type ${JSON.stringify((t as { type: unknown }).type)}`);
      return sql;
    }
  }
}

/** `(col TYPE, ...)` of a CREATE TABLE. */
export function sparkColumns(schema: DatasetSchema): string {
  const columns = Object.entries(schema.properties);
  if (columns.length === 0) throw new Error('a dataset schema needs at least one attribute');
  return `(${columns.map(([name, t]) => `${sparkIdent(name)} ${sparkType(t)}`).join(', ')})`;
}
