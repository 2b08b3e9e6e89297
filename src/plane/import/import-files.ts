/**
 * Imports CSV, JSON-lines or Parquet files into one new snapshot directory.
 *
 * Each input file becomes `part-<n>.parquet` (zstd), read with the dataset's types (inferred on create,
 * checked on append), so every file of a dataset has the same Parquet schema. All or nothing: on any error,
 * cancellation included, the snapshot directory is deleted and an ImportError / SchemaMismatchError says
 * which file, line and column. Progress is reported per file, in bytes of input.
 *
 * The engine must be allowed to read the input files (DuckEngine's allowedDirectories) and write `outDir`.
 */
import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { QueryOptions, SqlRunner } from '../engine/duck-session.js';
import { sqlIdent, sqlString } from '../engine/sql-text.js';
import { castProjection } from '../engine/duckdb-types.js';
import { type DatasetSchema } from '../../core/dataset-schema.js';
import { partFileName } from '../storage/snapshot-layout.js';
import { deleteSnapshotDir, describeFiles, prepareSnapshotDir, type WrittenSnapshot } from '../storage/write-snapshot.js';
import { ImportError, locateImportError } from './import-errors.js';
import { resolveFormat, typedReaderSql, type ImportFormat } from './import-format.js';
import { checkSchema, fileColumns, inferSchema } from './infer-schema.js';

export interface ImportOptions extends QueryOptions {
  files: readonly string[];
  /** csv | jsonl | parquet; default from the files' extensions. */
  format?: ImportFormat;
  /** The dataset's schema when appending; omit on create to infer it from the files. */
  schema?: DatasetSchema;
  /** The new snapshot's directory (empty or missing). */
  outDir: string;
  onProgress?: (bytesDone: number, bytesTotal: number) => void;
}

export interface ImportResult extends WrittenSnapshot {
  format: ImportFormat;
  /** The schema the files were stored with: the given one, or the inferred one. */
  schema: DatasetSchema;
}

export async function importFiles(engine: SqlRunner, options: ImportOptions): Promise<ImportResult> {
  const { files, outDir, signal } = options;
  const format = resolveFormat(files, options.format);
  const sizes = await Promise.all(files.map(fileSize));
  const total = sizes.reduce((a, b) => a + b, 0);

  const schema = options.schema ?? (await inferSchema(engine, files, format, { signal }));
  if (options.schema) await checkSchema(engine, files, format, options.schema, { signal });

  await prepareSnapshotDir(outDir);
  try {
    options.onProgress?.(0, total);
    let done = 0;
    const written: string[] = [];
    for (const [i, file] of files.entries()) {
      const target = path.join(outDir, partFileName(i));
      await importOne(engine, file, format, schema, target, { signal });
      written.push(target);
      done += sizes[i] ?? 0;
      options.onProgress?.(done, total);
    }
    return { ...(await describeFiles(engine, written, { signal })), format, schema };
  } catch (error) {
    await deleteSnapshotDir(outDir);
    throw error;
  }
}

async function importOne(
  engine: SqlRunner,
  file: string,
  format: ImportFormat,
  schema: DatasetSchema,
  target: string,
  options: QueryOptions,
): Promise<void> {
  const rejects = format === 'csv' ? { table: `jp_rejects_${token()}`, scan: `jp_rejects_scan_${token()}` } : null;
  const csvHeader = format === 'csv' ? (await fileColumns(engine, file, format, options)).map((c) => c.name) : undefined;
  const reader = typedReaderSql(file, format, schema, {
    csvHeader,
    rejectsTable: rejects?.table,
    rejectsScan: rejects?.scan,
  });
  try {
    await engine.run(
      `COPY (SELECT ${castProjection(schema)} FROM ${reader}) TO ${sqlString(target)} (FORMAT parquet, COMPRESSION zstd)`,
      options,
    );
    if (rejects) await failOnCsvRejects(engine, file, rejects.table);
  } catch (error) {
    throw await locateImportError(error, file, format, schema);
  } finally {
    if (rejects) {
      // Best effort: the rejects tables are TEMP and die with the session; a failure here must not hide the
      // error that brought us here.
      await engine
        .run(`DROP TABLE IF EXISTS ${sqlIdent(rejects.table)}; DROP TABLE IF EXISTS ${sqlIdent(rejects.scan)}`)
        .catch(() => undefined);
    }
  }
}

/** store_rejects let DuckDB skip bad CSV lines; for an import any bad line fails the whole file. */
async function failOnCsvRejects(engine: SqlRunner, file: string, table: string): Promise<void> {
  const rows = await engine.run(
    `SELECT line, column_name, error_message, count(*) OVER () AS total FROM ${sqlIdent(table)} ORDER BY line LIMIT 1`,
  );
  const first = rows[0];
  if (!first) return;
  const total = Number(first['total']);
  const more = total > 1 ? ` (and ${total - 1} more bad line${total > 2 ? 's' : ''})` : '';
  const column = typeof first['column_name'] === 'string' ? first['column_name'] : null;
  throw new ImportError(file, `${String(first['error_message'])}${more}`, Number(first['line']), column);
}

async function fileSize(file: string): Promise<number> {
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new ImportError(file, 'not a regular file');
    return info.size;
  } catch (error) {
    if (error instanceof ImportError) throw error;
    throw new ImportError(file, 'cannot read the file (missing or not permitted)', null, null, { cause: error });
  }
}

function token(): string {
  return randomUUID().replaceAll('-', '');
}
