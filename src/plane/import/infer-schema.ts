/**
 * Schemas of files to import: inferred on create, checked against the dataset on append.
 *
 * Inference asks DuckDB (the CSV sniffer, JSON sampling, Parquet metadata) for each file's column types and
 * maps them to Narrative types. Files of one import must agree on their columns; types may widen (long and
 * double give double; in CSV, where every value started as text, anything and string give string).
 *
 * Checks on append, per format:
 * - parquet: types are exact, so names and types must match (long may land in double).
 * - csv:     the header's names must be the schema's names (any order). Types are not compared here: the
 *            sniffer only guesses them from a sample; the typed read reports a bad value by line and column.
 * - jsonl:   no attribute outside the schema, at any depth (it would be dropped silently); absent keys are
 *            fine (JSON writers omit nulls). Values are type-checked by the typed read, by line.
 */
import { DuckDBTypeId, type DuckDBType } from '@duckdb/node-api';
import type { ColumnInfo, QueryOptions, SqlRunner } from '../engine/duck-session.js';
import { attributeOfDuckType, typeMismatches, UnsupportedColumnType } from '../engine/duckdb-types.js';
import { describeAttribute, type DatasetSchema, type Attribute } from '../../core/dataset-schema.js';
import { ImportError, locateImportError, SchemaMismatchError } from './import-errors.js';
import { ImportFormatError, inferringReaderSql, type ImportFormat } from './import-format.js';

/** The columns of one file as DuckDB reads it, in file order; read errors come back as ImportErrors. */
export async function fileColumns(
  engine: SqlRunner,
  file: string,
  format: ImportFormat,
  options: QueryOptions = {},
): Promise<ColumnInfo[]> {
  let columns: ColumnInfo[];
  try {
    columns = await engine.describe(`SELECT * FROM ${inferringReaderSql(file, format)}`, options);
  } catch (error) {
    throw await locateImportError(error, file, format, null);
  }
  // A header of NUL bytes (or a binary file read as CSV) gives columns without a usable name: the client's error,
  // said here, before a name that cannot be an identifier (nor be stored) reaches the SQL we write.
  const bad = columns.findIndex((c) => c.name.trim() === '' || /[\u0000\uD800-\uDFFF]/u.test(c.name));
  if (bad >= 0) {
    throw new ImportError(file, `column ${bad + 1} has no usable name (empty, or a NUL character); is the file ${format}, with a header?`, format === 'csv' ? 1 : null);
  }
  return columns;
}

/** One file's columns as a Narrative schema; a column without a Narrative type is an ImportError. */
export async function fileSchema(
  engine: SqlRunner,
  file: string,
  format: ImportFormat,
  options: QueryOptions = {},
): Promise<DatasetSchema> {
  const properties: Record<string, Attribute> = {};
  for (const column of await fileColumns(engine, file, format, options)) {
    try {
      properties[column.name] = attributeOfDuckType(column.type);
    } catch (error) {
      if (error instanceof UnsupportedColumnType) {
        throw new ImportError(file, `${error.message}; give the attribute one type in every record`, null, column.name);
      }
      throw error;
    }
  }
  return { type: 'object', properties };
}

export async function inferSchema(
  engine: SqlRunner,
  files: readonly string[],
  format: ImportFormat,
  options: QueryOptions = {},
): Promise<DatasetSchema> {
  let merged: DatasetSchema | null = null;
  let firstFile = '';
  for (const file of files) {
    const schema = await fileSchema(engine, file, format, options);
    if (merged === null) {
      merged = schema;
      firstFile = file;
      continue;
    }
    const problems: string[] = [];
    const result: Attribute = mergeTypes(merged, schema, '', format, problems);
    if (problems.length > 0 || result.type !== 'object') {
      throw new SchemaMismatchError(file, [`differs from ${JSON.stringify(firstFile)}`, ...problems]);
    }
    merged = { type: 'object', properties: result.properties };
  }
  if (merged === null) throw new ImportFormatError('no files to import');
  return merged;
}

export async function checkSchema(
  engine: SqlRunner,
  files: readonly string[],
  format: ImportFormat,
  schema: DatasetSchema,
  options: QueryOptions = {},
): Promise<void> {
  for (const file of files) {
    let problems: string[];
    if (format === 'parquet') {
      problems = typeMismatches(schema, await fileSchema(engine, file, format, options), '');
    } else {
      const columns = await fileColumns(engine, file, format, options);
      problems =
        format === 'csv'
          ? nameMismatches(schema, columns.map((c) => c.name))
          : columns.flatMap((c) => extraAttributes(schema.properties[c.name], c.name, c.type));
    }
    if (problems.length > 0) throw new SchemaMismatchError(file, problems);
  }
}

function nameMismatches(expected: DatasetSchema, names: readonly string[]): string[] {
  const missing = Object.entries(expected.properties).filter(([n]) => !names.includes(n));
  const extra = names.filter((n) => !(n in expected.properties));
  return [
    ...missing.map(([n, t]) => `${n}: missing (expected ${describeAttribute(t)})`),
    ...extra.map((n) => `${n}: not in the dataset schema`),
  ];
}

/** JSON attributes (at any depth) that the schema does not have; types are left to the typed read. */
function extraAttributes(expected: Attribute | undefined, path: string, actual: DuckDBType): string[] {
  if (expected === undefined) return [`${path}: not in the dataset schema`];
  if (expected.type === 'object' && actual.typeId === DuckDBTypeId.STRUCT) {
    return actual.entryNames.flatMap((name, i) => {
      const child = actual.entryTypes[i];
      return child === undefined ? [] : extraAttributes(expected.properties[name], `${path}.${name}`, child);
    });
  }
  if (expected.type === 'array' && (actual.typeId === DuckDBTypeId.LIST || actual.typeId === DuckDBTypeId.ARRAY)) {
    return extraAttributes(expected.items, `${path}[]`, actual.valueType);
  }
  return [];
}

/** The common type of two files' columns, collecting what cannot be reconciled. */
function mergeTypes(a: Attribute, b: Attribute, at: string, format: ImportFormat, problems: string[]): Attribute {
  if (a.type === 'object' && b.type === 'object') {
    const properties: Record<string, Attribute> = {};
    for (const [name, child] of Object.entries(a.properties)) {
      const other = b.properties[name];
      const path = at === '' ? name : `${at}.${name}`;
      if (other === undefined) problems.push(`${path}: missing`);
      else properties[name] = mergeTypes(child, other, path, format, problems);
    }
    for (const name of Object.keys(b.properties)) {
      if (!(name in a.properties)) problems.push(`${at === '' ? name : `${at}.${name}`}: not in the first file`);
    }
    return { type: 'object', properties };
  }
  if (a.type === 'array' && b.type === 'array') return { type: 'array', items: mergeTypes(a.items, b.items, `${at}[]`, format, problems) };
  if (a.type === b.type) return a;
  const pair = new Set([a.type, b.type]);
  if (pair.has('long') && pair.has('double')) return { type: 'double' };
  // In CSV every value started as text, so two different guesses for one column reconcile as text.
  if (format === 'csv' && a.type !== 'object' && a.type !== 'array' && b.type !== 'object' && b.type !== 'array') {
    return { type: 'string' };
  }
  problems.push(`${at}: ${describeAttribute(a)} in one file, ${describeAttribute(b)} in another`);
  return a;
}
