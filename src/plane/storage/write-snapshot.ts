/**
 * Writes the result of a SELECT as the Parquet files of one snapshot attempt.
 *
 * DuckDB streams the result straight into zstd Parquet (`COPY (<sql>) TO '<dir>' ...`), rotating to a new
 * `part-<n>.parquet` after about `maxFileBytes`, so the operator never holds the result in JavaScript and
 * DuckDB spills to its temp directory when an operator inside the query outgrows memory_limit.
 *
 * The attempt directory is all-or-nothing: on any error, including cancellation, it is deleted before the
 * error is rethrown. What makes the files visible is the control plane's commit of the manifest, not this.
 */
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import type { QueryOptions, SqlRunner } from '../engine/duck-session.js';
import { sqlString, sqlStringList, withoutTrailingSemicolons } from '../engine/sql-text.js';
import { castProjection } from '../engine/duckdb-types.js';
import { type DatasetSchema } from '../../core/dataset-schema.js';

export interface SnapshotFile {
  /** Absolute path of the Parquet file. */
  path: string;
  rows: number;
  bytes: number;
}

export interface WrittenSnapshot {
  files: SnapshotFile[];
  rowCount: number;
  bytes: number;
}

export interface WriteSnapshotOptions extends QueryOptions {
  /** One SELECT over bound `ds_<id>` relations (the job's compiled SQL). */
  sql: string;
  /** The attempt's snapshot directory; created if missing, must be empty. */
  outDir: string;
  /**
   * The target dataset's schema. When given, columns are cast to it, so every file of the dataset has the
   * same Parquet types whichever query or import wrote it (an MV's `1` literal is INTEGER, the schema says long).
   */
  schema?: DatasetSchema;
  /** Rotate to a new part file after roughly this many bytes; default 256 MiB. */
  maxFileBytes?: number;
}

const DEFAULT_MAX_FILE_BYTES = 256 * 1024 * 1024;

export async function writeSnapshot(engine: SqlRunner, options: WriteSnapshotOptions): Promise<WrittenSnapshot> {
  const { outDir, signal } = options;
  const sql = withoutTrailingSemicolons(options.sql);
  await prepareSnapshotDir(outDir);
  try {
    await engine.describe(sql, { signal }); // exactly one SELECT, or a deterministic error before any write
    const select = options.schema ? `SELECT ${castProjection(options.schema)} FROM (${sql}) AS q` : sql;
    const maxFileBytes = Math.max(1, Math.floor(options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES));
    const rows = await engine.run(
      `COPY (${select}) TO ${sqlString(outDir)} (FORMAT parquet, COMPRESSION zstd, ` +
        `FILENAME_PATTERN 'part-{i}', FILE_SIZE_BYTES ${maxFileBytes}, RETURN_FILES true)`,
      { signal },
    );
    const files = asStringList(rows[0]?.['Files']).sort(byPartNumber);
    return await describeFiles(engine, files, { signal });
  } catch (error) {
    await deleteSnapshotDir(outDir);
    throw error;
  }
}

/** Row count (from the Parquet footers) and size of each file, in the given order. */
export async function describeFiles(
  engine: SqlRunner,
  paths: readonly string[],
  options: QueryOptions = {},
): Promise<WrittenSnapshot> {
  if (paths.length === 0) return { files: [], rowCount: 0, bytes: 0 };
  const metadata = await engine.run(
    `SELECT file_name, num_rows FROM parquet_file_metadata(${sqlStringList(paths)})`,
    options,
  );
  const rowsByPath = new Map(metadata.map((row) => [String(row['file_name']), Number(row['num_rows'])]));
  const files: SnapshotFile[] = [];
  for (const path of paths) {
    const rows = rowsByPath.get(path);
    if (rows === undefined) throw new Error(`no Parquet metadata for ${path}`);
    files.push({ path, rows, bytes: (await stat(path)).size });
  }
  return {
    files,
    rowCount: files.reduce((sum, f) => sum + f.rows, 0),
    bytes: files.reduce((sum, f) => sum + f.bytes, 0),
  };
}

/** Deletes an attempt's snapshot directory (failed, cancelled or fenced-out attempts). Missing is fine. */
export async function deleteSnapshotDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** Creates a snapshot directory, or accepts an existing empty one; anything else is refused. */
export async function prepareSnapshotDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const entries = await readdir(dir);
  // A snapshot directory belongs to one attempt; finding files means an id collision or a reused directory.
  if (entries.length > 0) throw new Error(`snapshot directory ${dir} is not empty`);
}

function byPartNumber(a: string, b: string): number {
  return partNumber(a) - partNumber(b) || a.localeCompare(b);
}

function partNumber(file: string): number {
  const match = /part-(\d+)\.parquet$/u.exec(file);
  return match?.[1] === undefined ? Number.MAX_SAFE_INTEGER : Number(match[1]);
}

function asStringList(value: unknown): string[] {
  if (!Array.isArray(value)) throw new Error('COPY did not return its file list');
  return value.map(String);
}
