import path from 'node:path';
import type { Logger } from 'pino';
import type { Db } from '../store/db/types.js';
import { datasetCreate, datasetGet } from '../store/datasets.js';
import { snapshotInsert } from '../store/snapshots.js';
import { DuckEngine } from '../plane/engine/duckdb-engine.js';
import { generateSampleDataset, SAMPLE_DATASET_ID, SAMPLE_DATASET_NAME, SAMPLE_DATASET_SCHEMA } from '../plane/sample-data/dataset-6402.js';
import { newSnapshotId, snapshotDir } from '../plane/storage/snapshot-layout.js';
import { deleteSnapshotDir } from '../plane/storage/write-snapshot.js';
import { toRelative } from '../plane/handlers/data-plane.js';

/**
 * On an empty install: dataset 6402 in company 1 with the seed's schema and deterministic synthetic rows (devices
 * that stay at places over hours), so that the seed's CREATE MATERIALIZED VIEW runs verbatim and returns rows.
 * Idempotent: does nothing when the dataset exists. The files are written first and committed with the snapshot
 * row, so a crash in between leaves only an orphan directory for the sweep.
 */
export async function ensureSampleDataset(
  db: Db, opts: { companyId: number; dataPlaneId: string; storageRoot: string; rows: number; logger: Logger },
): Promise<void> {
  if (await datasetGet(db, opts.companyId, SAMPLE_DATASET_ID)) return;
  const started = Date.now();
  const engine = await DuckEngine.open({ allowedDirectories: [opts.storageRoot], memoryLimit: '512MB' });
  const snapshotId = newSnapshotId();
  const dir = snapshotDir(opts.storageRoot, SAMPLE_DATASET_ID, snapshotId);
  try {
    const written = await generateSampleDataset(engine, dir, { rows: opts.rows });
    const committed = await db.transaction(async (tx) => {
      const dataset = await datasetCreate(tx, {
        id: SAMPLE_DATASET_ID, companyId: opts.companyId, dataPlaneId: opts.dataPlaneId, name: SAMPLE_DATASET_NAME,
        displayName: 'Sample mobile location pings', description: 'Synthetic, deterministic sample data (jobplane bootstrap).',
        schema: SAMPLE_DATASET_SCHEMA, status: 'active', writeMode: 'append',
        tags: ['sample'], retentionPolicy: { type: 'retain_everything' }, materializedViewConfig: null,
      });
      if (!dataset) return false; // another server bootstrapped it meanwhile
      await snapshotInsert(tx, {
        snapshotId, datasetId: SAMPLE_DATASET_ID, parentSnapshotId: null, operation: 'append',
        files: written.files.map((f) => ({ path: toRelative(opts.storageRoot, f.path), rows: f.rows, bytes: f.bytes })),
        rowCount: written.rowCount, bytes: written.bytes, jobId: null, inputs: [],
      });
      return true;
    });
    if (!committed) await deleteSnapshotDir(dir);
    else opts.logger.info({ dataset_id: SAMPLE_DATASET_ID, rows: written.rowCount, ms: Date.now() - started }, 'sample dataset created');
  } catch (err) {
    await deleteSnapshotDir(dir);
    throw err;
  } finally {
    await engine.close();
  }
}

/**
 * The same on a Spark plane: the same rows (DuckDB generates them), loaded into the Iceberg table
 * `narrative.datasets.ds_6402` as a staged snapshot, committed here, then published (src/plane/spark/sample-data.ts).
 */
export async function ensureSparkSampleDataset(
  db: Db, opts: { companyId: number; dataPlaneId: string; storageRoot: string; rows: number; logger: Logger; remote: string; conf: Record<string, string> },
): Promise<void> {
  if (await datasetGet(db, opts.companyId, SAMPLE_DATASET_ID)) return;
  const started = Date.now();
  const { SparkConnect } = await import('../plane/spark/spark-connect.js');
  const { stageSampleOnSpark } = await import('../plane/spark/sample-data.js');
  const { NQL_SPARK_SESSION_CONF } = await import('../plane/spark/spark-conf.js');
  const connect = await SparkConnect.open(opts.remote, { sessionConf: { ...NQL_SPARK_SESSION_CONF, ...opts.conf } });
  try {
    const staged = await stageSampleOnSpark(connect, {
      stagingDir: path.join(opts.storageRoot, 'spark-staging'), rows: opts.rows, log: (msg) => opts.logger.warn(msg),
    });
    const committed = await db.transaction(async (tx) => {
      const dataset = await datasetCreate(tx, {
        id: SAMPLE_DATASET_ID, companyId: opts.companyId, dataPlaneId: opts.dataPlaneId, name: SAMPLE_DATASET_NAME,
        displayName: 'Sample mobile location pings', description: 'Synthetic, deterministic sample data (jobplane bootstrap).',
        schema: SAMPLE_DATASET_SCHEMA, status: 'active', writeMode: 'append',
        tags: ['sample'], retentionPolicy: { type: 'retain_everything' }, materializedViewConfig: null,
      });
      if (!dataset) return false;
      await snapshotInsert(tx, {
        snapshotId: staged.snapshotId, datasetId: SAMPLE_DATASET_ID, parentSnapshotId: null, operation: 'append',
        files: staged.files, rowCount: staged.rowCount, bytes: staged.bytes, jobId: null, inputs: [],
      });
      return true;
    });
    if (!committed) {
      await staged.discard();
      return;
    }
    await staged.publish();
    opts.logger.info({ dataset_id: SAMPLE_DATASET_ID, rows: staged.rowCount, iceberg_snapshot_id: staged.icebergSnapshotId, ms: Date.now() - started }, 'sample dataset created on Spark');
  } finally {
    connect.close();
  }
}
