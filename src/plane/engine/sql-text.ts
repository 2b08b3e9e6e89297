/**
 * The one place where strings become SQL text.
 *
 * The data plane builds SQL around compiled NQL (COPY ... TO, read_parquet([...]), views named ds_<id>). Every
 * file path and name that goes into such text passes through these helpers, even paths we generated ourselves:
 * a storage root chosen by an operator may contain a quote, and the habit is cheaper than the audit.
 */

/** A DuckDB string literal: `'...'` with embedded quotes doubled. DuckDB does not treat backslash as an escape. */
export function sqlString(value: string): string {
  if (value.includes('\u0000')) throw new Error('a SQL string literal cannot contain a NUL character');
  return `'${value.replaceAll("'", "''")}'`;
}

/** A DuckDB quoted identifier: `"..."` with embedded double quotes doubled. */
export function sqlIdent(name: string): string {
  if (name.length === 0) throw new Error('a SQL identifier cannot be empty');
  if (name.includes('\u0000')) throw new Error('a SQL identifier cannot contain a NUL character');
  return `"${name.replaceAll('"', '""')}"`;
}

/** A DuckDB list literal of strings, e.g. for `read_parquet(['a.parquet', 'b.parquet'])`. */
export function sqlStringList(values: readonly string[]): string {
  return `[${values.map(sqlString).join(', ')}]`;
}

/** The relation name a dataset is bound to; the NQL compiler emits exactly this name. */
export function datasetRelationName(datasetId: number): string {
  if (!Number.isSafeInteger(datasetId) || datasetId <= 0) throw new Error(`invalid dataset id ${datasetId}`);
  return `ds_${datasetId}`;
}

/**
 * Compiled SQL may end with `;` and whitespace; we embed it as a subquery (`COPY (<sql>) TO ...`), where a
 * trailing semicolon would be a syntax error.
 */
export function withoutTrailingSemicolons(sql: string): string {
  return sql.replace(/[\s;]+$/u, '');
}
