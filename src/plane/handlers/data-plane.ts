import path from 'node:path';
import type { DuckEngine } from '../engine/duckdb-engine.js';
import type { DatasetSchema } from '../../core/dataset-schema.js';

/** What the data-plane handlers need to know of a dataset (from `GET /datasets/{id}`). */
export interface DatasetInfo {
  id: number;
  schema: DatasetSchema;
  write_mode: 'append' | 'overwrite';
  latest_snapshot_id: number | null;
  price_cpm_usd: number;
  company_id: number;
}

export interface SnapshotInfo {
  snapshot_id: number;
  files: Array<{ path: string; rows: number; bytes: number }>;
  row_count: number;
  /** Its lineage: the snapshot of each input it was computed from (a view's snapshot; empty for imports). */
  inputs?: Array<{ dataset_id: number; snapshot_id: number | null }>;
}

/** The control-plane reads the handlers need; the operator implements it with the typed client. */
export interface DatasetCatalog {
  dataset(id: number, signal?: AbortSignal): Promise<DatasetInfo>;
  snapshot(datasetId: number, snapshotId: number, signal?: AbortSignal): Promise<SnapshotInfo>;
}

/** One data plane's local resources: the DuckDB engine and the storage root its Parquet files live under. */
export interface DataPlaneResources {
  engine: DuckEngine;
  storageRoot: string;
  /** How often a running attempt touches its directory for the orphan sweep (HandlerEnv.attemptKeepAliveMs). */
  attemptKeepAliveMs: number;
  catalog: DatasetCatalog;
}

/** Manifest paths are stored relative to the storage root, so a plane's storage can move without a migration. */
export const toRelative = (root: string, file: string) => path.relative(root, file).split(path.sep).join('/');
export const toAbsolute = (root: string, file: string) => path.join(root, ...file.split('/'));
