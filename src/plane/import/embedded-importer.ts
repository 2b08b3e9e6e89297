/**
 * Imports uploaded files into new snapshot directories of the data plane whose storage this process holds (the
 * embedded plane of `jobplane serve`). The API receives the upload into a staging directory; this turns the
 * staged files into `datasets/<id>/snapshots/<new id>/part-<n>.parquet` with `importFiles`; the caller commits the
 * manifest (or calls `discard`).
 *
 * Staging lives under `<storage root>/imports/<uuid>/` so that DuckDB, restricted to the storage root, may read
 * it. Whatever a crash leaves there is deleted at the next start (`sweepStaging`).
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { configuredMemoryLimit, DuckEngine } from '../engine/duckdb-engine.js';
import type { DatasetSchema } from '../../core/dataset-schema.js';
import { newSnapshotId, snapshotDir } from '../storage/snapshot-layout.js';
import { deleteSnapshotDir } from '../storage/write-snapshot.js';
import { lastChangeMs } from '../storage/sweep-orphans.js';
import { ImportError, SchemaMismatchError } from './import-errors.js';
import { importFiles, type ImportResult } from './import-files.js';
import { ImportFormatError, type ImportFormat } from './import-format.js';

/** A file received from a client: where it was staged, and the name the client gave it (for messages). */
export interface StagedFile {
  path: string;
  name: string;
}

export interface ImportedSnapshot extends ImportResult {
  snapshotId: number;
  /** Deletes the snapshot directory: the commit was refused or failed. */
  discard(): Promise<void>;
}

export interface EmbeddedImporterOptions {
  dataPlaneId: string;
  storageRoot: string;
  /** DuckDB memory_limit of the import engine (default: configuredMemoryLimit()). */
  memoryLimit?: string;
}

export class EmbeddedImporter {
  readonly dataPlaneId: string;
  readonly storageRoot: string;
  readonly #memoryLimit: string;
  #engine: Promise<DuckEngine> | undefined;

  constructor(options: EmbeddedImporterOptions) {
    this.dataPlaneId = options.dataPlaneId;
    this.storageRoot = path.resolve(options.storageRoot);
    this.#memoryLimit = options.memoryLimit ?? configuredMemoryLimit();
  }

  get stagingRoot(): string {
    return path.join(this.storageRoot, 'imports');
  }

  /** A fresh staging directory for one upload; the caller deletes it (`rm`) when done, whatever happened. */
  async stagingDir(): Promise<string> {
    const dir = path.join(this.stagingRoot, randomUUID());
    await mkdir(dir, { recursive: true });
    return dir;
  }

  /** Deletes staging directories untouched for `olderThanMs` (uploads of a process that died). */
  async sweepStaging(olderThanMs: number, now = Date.now()): Promise<number> {
    let deleted = 0;
    const entries = await readdir(this.stagingRoot).catch(() => [] as string[]);
    for (const name of entries) {
      const dir = path.join(this.stagingRoot, name);
      // A file still being received keeps its upload young; a directory already gone needs nothing.
      const changed = await lastChangeMs(dir).catch(() => null);
      if (changed === null || now - changed < olderThanMs) continue;
      await rm(dir, { recursive: true, force: true });
      deleted++;
    }
    return deleted;
  }

  /**
   * Converts the staged files into a new, uncommitted snapshot of `datasetId`: checked against `schema` when
   * given, else with a schema inferred from the files (returned in the result). Errors name the client's file
   * names, never the staging paths.
   */
  async importSnapshot(
    datasetId: number, files: readonly StagedFile[],
    options: { format?: ImportFormat | undefined; schema?: DatasetSchema | undefined; signal?: AbortSignal | undefined },
  ): Promise<ImportedSnapshot> {
    const engine = await this.#openEngine();
    const session = await engine.session();
    const snapshotId = newSnapshotId();
    const outDir = snapshotDir(this.storageRoot, datasetId, snapshotId);
    try {
      const result = await importFiles(session, {
        files: files.map((f) => f.path), outDir,
        ...(options.format ? { format: options.format } : {}),
        ...(options.schema ? { schema: options.schema } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
      return { ...result, snapshotId, discard: () => deleteSnapshotDir(outDir) };
    } catch (error) {
      throw withClientNames(error, files);
    } finally {
      await session.close();
    }
  }

  async close(): Promise<void> {
    const engine = await this.#engine?.catch(() => undefined);
    this.#engine = undefined;
    await engine?.close();
  }

  #openEngine(): Promise<DuckEngine> {
    this.#engine ??= DuckEngine.open({ allowedDirectories: [this.storageRoot], memoryLimit: this.#memoryLimit });
    this.#engine.catch(() => {
      this.#engine = undefined; // a failed open is retried by the next import
    });
    return this.#engine;
  }
}

/** The same error, naming the client's file instead of the staging path. */
function withClientNames(error: unknown, files: readonly StagedFile[]): unknown {
  const nameOf = (p: string) => files.find((f) => f.path === p)?.name ?? path.basename(p);
  if (error instanceof ImportError) return new ImportError(nameOf(error.file), error.reason, error.line, error.column, { cause: error });
  if (error instanceof SchemaMismatchError) return new SchemaMismatchError(nameOf(error.file), error.problems);
  if (error instanceof ImportFormatError) {
    let message = error.message;
    for (const f of files) message = message.split(f.path).join(f.name);
    return new ImportFormatError(message, { cause: error });
  }
  return error;
}
