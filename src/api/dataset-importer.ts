import type { DatasetSchema } from '../core/dataset-schema.js';
import type { ImportFormat } from '../core/import-formats.js';
import type { ManifestFile } from '../core/snapshot-manifest.js';

/**
 * What the import endpoints need of a data plane that can take files: a staging area for uploads, and a converter
 * from staged files to a new, uncommitted snapshot. The server wires an implementation for the plane whose storage
 * it holds (src/server/plane-importer.ts over the DuckDB plane's importer); the API never touches plane storage or
 * engines itself. A bad file is reported as a DomainError (400 naming the file, line and column, never a server path).
 */
export interface DatasetImporter {
  /** The data plane whose datasets this importer writes. */
  readonly dataPlaneId: string;
  /** A fresh staging directory for one upload; the caller deletes it when done, whatever happened. */
  stagingDir(): Promise<string>;
  /**
   * Converts the staged files into a new snapshot of `datasetId`, written but not visible until the caller commits
   * its manifest: checked against `schema` when given, else with a schema inferred from the files.
   */
  importSnapshot(datasetId: number, files: readonly StagedFile[], options: ImportOptions): Promise<ImportedSnapshot>;
}

/** A file received from a client: where it was staged, and the name the client gave it (for messages). */
export interface StagedFile {
  path: string;
  name: string;
}

export interface ImportOptions {
  format?: ImportFormat | undefined;
  schema?: DatasetSchema | undefined;
  signal?: AbortSignal | undefined;
}

export interface ImportedSnapshot {
  snapshotId: number;
  /** The files written, with paths relative to the plane's storage root (as snapshots record them). */
  files: ManifestFile[];
  rowCount: number;
  bytes: number;
  /** The schema the files were read with (inferred when none was given). */
  schema: DatasetSchema;
  /** Deletes what was written: the commit was refused or failed. */
  discard(): Promise<void>;
  /**
   * The parent this snapshot was written on, when the plane fixed it (a Spark plane's Iceberg snapshot has one): the
   * commit is then refused, not retried on a newer parent, if the dataset moved meanwhile.
   */
  parentSnapshotId?: number | null;
  /** Called once the control plane committed the snapshot (a Spark plane publishes it in Iceberg then). */
  committed?(): Promise<void>;
}
