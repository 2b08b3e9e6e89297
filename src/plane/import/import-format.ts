/**
 * Import formats and the DuckDB reader expression for each.
 *
 * CSV is RFC 4180: a header row, comma-separated (tab for `.tsv`), `"` quotes doubled inside quoted fields.
 * We fix the dialect instead of letting DuckDB's sniffer guess it: on small or partly broken files the sniffer
 * fails outright or decides to skip leading rows, and then no bad line can be reported. The sniffer still
 * detects column types. JSON lines are one object per line. `.gz` / `.zst` variants are read directly.
 */
import path from 'node:path';
import { sqlString } from '../engine/sql-text.js';
import { duckSqlType } from '../engine/duckdb-types.js';
import { type DatasetSchema } from '../../core/dataset-schema.js';

export { formatFromPath, IMPORT_FORMATS, type ImportFormat } from '../../core/import-formats.js';
import { formatFromPath, IMPORT_FORMATS, type ImportFormat } from '../../core/import-formats.js';

/** The files' format cannot be told or is not one we read: the caller's input, not a bad file. */
export class ImportFormatError extends Error {
  override readonly name = 'ImportFormatError';
}

/** One format for all files: the given one, else the extensions', which must agree. */
export function resolveFormat(files: readonly string[], given?: ImportFormat): ImportFormat {
  if (given !== undefined) {
    if (!IMPORT_FORMATS.includes(given)) throw new ImportFormatError(`unknown import format "${given}" (csv, jsonl or parquet)`);
    return given;
  }
  let format: ImportFormat | null = null;
  for (const file of files) {
    const own = formatFromPath(file);
    if (own === null) {
      throw new ImportFormatError(`cannot tell the format of "${file}" from its extension; pass the format (csv, jsonl or parquet)`);
    }
    if (format !== null && own !== format) {
      throw new ImportFormatError(`files mix formats (${format} and ${own}); import them separately or pass the format`);
    }
    format = own;
  }
  if (format === null) throw new ImportFormatError('no files to import');
  return format;
}

/** Fixed CSV dialect options (see the header comment). */
function csvDialect(file: string): string {
  const base = path.basename(file).toLowerCase().replace(/\.(gz|zst)$/u, '');
  const delimiter = base.endsWith('.tsv') ? '\t' : ',';
  return `header = true, skip = 0, delim = ${sqlString(delimiter)}, quote = '"', escape = '"'`;
}

/**
 * Reader for inference: DuckDB detects the types. CSV lines that do not parse are ignored here (the sniffer
 * would otherwise give up on the whole file); the typed read reports them with their line numbers.
 */
export function inferringReaderSql(file: string, format: ImportFormat): string {
  switch (format) {
    case 'csv':
      return `read_csv(${sqlString(file)}, ${csvDialect(file)}, ignore_errors = true)`;
    case 'jsonl':
      return `read_json(${sqlString(file)}, format = 'newline_delimited')`;
    case 'parquet':
      return `read_parquet(${sqlString(file)})`;
  }
}

export interface TypedReaderOptions {
  /** CSV only: the file's header names in file order (columns are positional in read_csv). */
  csvHeader?: readonly string[];
  /** CSV only: temp table names for store_rejects. */
  rejectsTable?: string;
  rejectsScan?: string;
}

/** Reader that parses values straight into the schema's types, so bad values fail with a line number. */
export function typedReaderSql(
  file: string,
  format: ImportFormat,
  schema: DatasetSchema,
  options: TypedReaderOptions = {},
): string {
  switch (format) {
    case 'csv': {
      const header = options.csvHeader ?? Object.keys(schema.properties);
      const columns = header.map((name) => {
        const t = schema.properties[name];
        if (t === undefined) throw new Error(`column "${name}" is not in the dataset schema`);
        return `${sqlString(name)}: ${sqlString(duckSqlType(t))}`;
      });
      const rejects =
        options.rejectsTable && options.rejectsScan
          ? `, store_rejects = true, rejects_table = ${sqlString(options.rejectsTable)}, ` +
            `rejects_scan = ${sqlString(options.rejectsScan)}`
          : '';
      return `read_csv(${sqlString(file)}, ${csvDialect(file)}, columns = {${columns.join(', ')}}${rejects})`;
    }
    case 'jsonl': {
      const columns = Object.entries(schema.properties).map(
        ([name, t]) => `${sqlString(name)}: ${sqlString(duckSqlType(t))}`,
      );
      return `read_json(${sqlString(file)}, format = 'newline_delimited', columns = {${columns.join(', ')}})`;
    }
    case 'parquet':
      return `read_parquet(${sqlString(file)})`;
  }
}
