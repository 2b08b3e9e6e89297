import path from 'node:path';
import type { DuckEngine } from '../engine/duckdb-engine.js';
import type { NarrativeSchema } from '../storage/narrative-schema.js';

/** What the data-plane handlers need to know of a dataset (from `GET /datasets/{id}`). */
export interface DatasetInfo {
  id: number;
  schema: NarrativeSchema;
  write_mode: 'append' | 'overwrite';
  latest_snapshot_id: number | null;
  price_cpm_usd: number;
  company_id: number;
}

export interface SnapshotInfo {
  snapshot_id: number;
  files: Array<{ path: string; rows: number; bytes: number }>;
  row_count: number;
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

/**
 * The datasets a compiled query reads. The compiler names each dataset relation `"ds_<id>"`, always quoted, and
 * nothing else of the user's lands in identifiers; a match inside a string literal can only add a binding the
 * query never reads.
 */
export function datasetIdsOf(compiledSql: string): number[] {
  const ids = new Set<number>();
  for (const m of compiledSql.matchAll(/["`]ds_(\d+)["`]|narrative\.datasets\.ds_(\d+)/g)) ids.add(Number(m[1] ?? m[2]));
  return [...ids].sort((a, b) => a - b);
}
