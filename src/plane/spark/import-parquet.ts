/**
 * Loading a directory of Parquet files into a dataset's Iceberg table as a STAGED snapshot (write-audit-publish):
 * what file imports onto a Spark plane and the sample dataset 6402 share. The files are the ones the import path
 * wrote with DuckDB from the client's upload (checked against the dataset's schema, or with the schema inferred
 * from them); Spark reads them by path, so the cluster must see that directory (true of `jobplane spark up`).
 *
 * The caller commits the returned manifest in the control plane, then calls `publish` (the table's current snapshot
 * becomes this one), or `discard` when the commit was refused. A crash in between leaves a staged snapshot that the
 * reconcile of the table publishes (committed) or expires (unknown to the control plane), as for jobs.
 */
import { randomUUID } from 'node:crypto';
import type { DatasetSchema } from '../../core/dataset-schema.js';
import type { WriteMode } from '../../core/snapshot-manifest.js';
import { IcebergTable } from './iceberg/iceberg-table.js';
import { reconcileTable, WAP_PREFIX } from './iceberg/reconcile.js';
import { jobplaneSnapshotId } from './iceberg/snapshot-ids.js';
import { manifestPath } from './materialize.js';
import type { SparkConnect, SparkSession } from './spark-connect.js';

export interface StagedParquet {
  /** jobplane id of the staged snapshot (the Iceberg id's low 53 bits). */
  snapshotId: number;
  icebergSnapshotId: string;
  /** The data files this write added (an append's manifest adds them to the parent's; an overwrite's are all). */
  files: Array<{ path: string; rows: number; bytes: number }>;
  /** Rows and bytes of the added files. */
  rowCount: number;
  bytes: number;
  /** Makes the staged snapshot the table's current one (after the control plane committed it). */
  publish(): Promise<void>;
  /** Expires the staged snapshot (the control plane did not take it). */
  discard(): Promise<void>;
}

export interface StageParquetOptions {
  datasetId: number;
  schema: DatasetSchema;
  /** Absolute path of a directory holding only the Parquet files to load. */
  dir: string;
  mode: WriteMode;
  /** The control plane's latest snapshot of the dataset (jobplane id), or null: the table is reconciled to it first. */
  latestSnapshotId: number | null;
  /** Set in the snapshot summary as `snapshot-property.jobplane.<key>`. */
  properties?: Record<string, string>;
  /** Distinguishes the WAP id (`jobplane-<what>-<uuid>`). */
  what?: string;
  signal?: AbortSignal | undefined;
}

export async function stageParquetOnSpark(connect: SparkConnect, opts: StageParquetOptions): Promise<StagedParquet> {
  const { signal, datasetId } = opts;
  const wapId = `${WAP_PREFIX}${opts.what ?? 'import'}-${randomUUID()}`;
  const session = await connect.openSession(signal, { 'spark.wap.id': wapId });
  try {
    const table = new IcebergTable(session, datasetId);
    await table.ensure(opts.schema, signal);
    const { current } = await reconcileTable(table, { latestSnapshotId: opts.latestSnapshotId, signal });
    const source = `file://${opts.dir}`;
    const properties = Object.fromEntries(Object.entries(opts.properties ?? {}).map(([k, v]) => [`jobplane.${k}`, v]));
    let staged;
    try {
      staged = await table.stageWrite(`SELECT * FROM parquet.\`${source.replace(/`/g, '``')}\``, opts.mode, wapId, properties, { signal });
    } catch (err) {
      await expireByWapId(connect, datasetId, wapId);
      throw err;
    }
    const location = await table.location(signal);
    const all = await table.dataFiles(staged.snapshotId, signal);
    const before = opts.mode === 'append' && current !== null ? new Set((await table.dataFiles(current, signal)).map((f) => f.path)) : new Set<string>();
    const added = all.filter((f) => !before.has(f.path))
      .map((f) => ({ path: manifestPath(datasetId, location, f.path), rows: f.rows, bytes: f.bytes }));
    const snapshotId = jobplaneSnapshotId(staged.snapshotId);
    const icebergId = staged.snapshotId;
    return {
      snapshotId, icebergSnapshotId: icebergId, files: added,
      rowCount: added.reduce((n, f) => n + f.rows, 0), bytes: added.reduce((n, f) => n + f.bytes, 0),
      publish: async () => { await withTable(connect, datasetId, (t) => reconcileTable(t, { latestSnapshotId: snapshotId })); },
      discard: () => withTable(connect, datasetId, (t) => t.expire([icebergId])),
    };
  } finally {
    await session.release();
  }
}

async function withTable<T>(connect: SparkConnect, datasetId: number, work: (t: IcebergTable) => Promise<T>): Promise<T> {
  const s: SparkSession = await connect.openSession();
  try {
    return await work(new IcebergTable(s, datasetId));
  } finally {
    await s.release();
  }
}

/** A write Spark interrupted may still have committed its staged snapshot: remove it (best effort). */
async function expireByWapId(connect: SparkConnect, datasetId: number, wapId: string): Promise<void> {
  await withTable(connect, datasetId, async (t) => {
    const ids = (await t.snapshots()).filter((s) => s.summary['wap.id'] === wapId).map((s) => s.snapshotId);
    await t.expire(ids);
  }).catch(() => undefined);
}
