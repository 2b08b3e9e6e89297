/**
 * Import errors that say where: file, line and column when the format allows it.
 *
 * Sources of positions:
 * - CSV: DuckDB's rejects table (store_rejects = true) gives the physical line, column name and reason.
 * - JSON lines: for malformed JSON we re-read the file ourselves and report the first line JSON.parse
 *   rejects (DuckDB's own line number can point past the record that was left open); for a value of the wrong
 *   type, DuckDB names the line and we find the attribute by checking that line against the schema.
 * - Parquet: a binary format without lines; the file and DuckDB's reason.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { EngineError } from '../engine/engine-errors.js';
import type { DatasetSchema, Attribute } from '../../core/dataset-schema.js';
import type { ImportFormat } from './import-format.js';

export class ImportError extends Error {
  override readonly name = 'ImportError';
  constructor(
    readonly file: string,
    readonly reason: string,
    readonly line: number | null = null,
    readonly column: string | null = null,
    options?: ErrorOptions,
  ) {
    super(
      `${JSON.stringify(file)}${line === null ? '' : `, line ${line}`}` +
        `${column === null ? '' : `, column ${JSON.stringify(column)}`}: ${reason}`,
      options,
    );
  }
}

export class SchemaMismatchError extends Error {
  override readonly name = 'SchemaMismatchError';
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    const shown = problems.slice(0, 10).join('; ');
    const more = problems.length > 10 ? `; and ${problems.length - 10} more` : '';
    super(`${JSON.stringify(file)} does not match the dataset schema: ${shown}${more}`);
  }
}

/**
 * Turns a DuckDB error about one input file into an ImportError with the best position we can find.
 * Cancellation and non-engine errors pass through unchanged. `schema` (when known) lets us name the JSON
 * attribute on the failing line.
 */
export async function locateImportError(
  error: unknown,
  file: string,
  format: ImportFormat,
  schema: DatasetSchema | null,
): Promise<unknown> {
  if (!(error instanceof EngineError) || error.kind === 'cancelled') return error;
  const reason = duckdbReason(error.message);
  if (format === 'jsonl') {
    const malformed = await findMalformedJsonLine(file);
    if (malformed) return new ImportError(file, malformed.reason, malformed.line, null, { cause: error });
    const line = /in line (\d+)/u.exec(error.message)?.[1];
    if (line !== undefined) {
      const text = schema === null ? null : await readLine(file, Number(line));
      const column = text === null || schema === null ? null : firstMistypedAttribute(safeParse(text), schema);
      return new ImportError(file, reason, Number(line), column, { cause: error });
    }
  }
  if (format === 'csv') {
    const line = /Line: (\d+)/u.exec(error.message)?.[1];
    const column = /column "([^"]+)"/u.exec(error.message)?.[1] ?? null;
    return new ImportError(file, reason, line === undefined ? null : Number(line), column, { cause: error });
  }
  return new ImportError(file, reason, null, null, { cause: error });
}

/** DuckDB's message without its "X Error:" prefix, first line only, without the "in file ..." part. */
function duckdbReason(message: string): string {
  const withoutType = message.replace(/^[A-Za-z ]+ Error: /u, '');
  const line = withoutType.split('\n')[0] ?? withoutType;
  return line.replace(/ in file "[^"]*",?/u, '').trim();
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** First line of a JSON-lines file that is not a JSON object, with JSON.parse's reason; null if none. */
export async function findMalformedJsonLine(file: string): Promise<{ line: number; reason: string } | null> {
  let found: { line: number; reason: string } | null = null;
  await scanLines(file, (text, line) => {
    if (text.trim() === '') return false;
    try {
      const value: unknown = JSON.parse(text);
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        found = { line, reason: 'expected a JSON object' };
      }
    } catch (error) {
      found = { line, reason: `malformed JSON (${(error as Error).message})` };
    }
    return found !== null;
  });
  return found;
}

/** The text of line `n` (1-based) of a file, or null when the file is shorter. */
export async function readLine(file: string, n: number): Promise<string | null> {
  let found: string | null = null;
  await scanLines(file, (text, line) => {
    if (line === n) found = text;
    return line >= n;
  });
  return found;
}

/** First top-level attribute of a JSON object whose value cannot have the schema's type. */
export function firstMistypedAttribute(record: unknown, schema: DatasetSchema): string | null {
  if (record === null || typeof record !== 'object') return null;
  for (const [name, value] of Object.entries(record as Record<string, unknown>)) {
    const t = schema.properties[name];
    if (t !== undefined && !jsonFits(value, t)) return name;
  }
  return null;
}

function jsonFits(value: unknown, t: Attribute): boolean {
  if (value === null) return true;
  switch (t.type) {
    case 'string':
      return typeof value === 'string';
    case 'long':
      return typeof value === 'number' ? Number.isInteger(value) : /^-?\d+$/u.test(String(value));
    case 'double':
      return typeof value === 'number' || (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value)));
    case 'boolean':
      return typeof value === 'boolean';
    case 'date':
    case 'timestamptz':
      return typeof value === 'string' && !Number.isNaN(Date.parse(value));
    case 'object':
      return typeof value === 'object' && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
  }
}

/** Calls visit for each line (1-based) until it returns true; always releases the file. */
async function scanLines(file: string, visit: (text: string, line: number) => boolean): Promise<void> {
  const raw = createReadStream(file);
  const input = file.toLowerCase().endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  const lines = createInterface({ input, crlfDelay: Infinity });
  try {
    let line = 0;
    for await (const text of lines) {
      if (visit(text, ++line)) break;
    }
  } finally {
    lines.close();
    raw.destroy();
  }
}
