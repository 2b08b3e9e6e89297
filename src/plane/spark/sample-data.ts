/**
 * The sample dataset 6402 on a Spark plane: the very rows the DuckDB plane generates (src/plane/sample-data,
 * DuckDB's hash-based generator), written by DuckDB as Parquet into a staging directory and loaded by Spark into
 * the Iceberg table `narrative.datasets.ds_6402` as a staged snapshot. The caller commits it in the control plane,
 * then publishes it (`publish`); a crash in between leaves a staged snapshot that reconcile expires, or, once
 * committed, publishes.
 *
 * Spark reads the Parquet files by path, so the cluster must see the staging directory: true of the local cluster
 * of `jobplane spark up` (same machine). A remote cluster needs the staging directory on storage it shares with the
 * server (e.g. the warehouse's object store) - see docs/spark.md.
 */
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { DuckEngine } from '../engine/duckdb-engine.js';
import { generateSampleDataset, SAMPLE_DATASET_ID, SAMPLE_DATASET_SCHEMA } from '../sample-data/dataset-6402.js';
import { IcebergTable } from './iceberg/iceberg-table.js';
import { reconcileTable, WAP_PREFIX } from './iceberg/reconcile.js';
import { jobplaneSnapshotId } from './iceberg/snapshot-ids.js';
import { manifestPath } from './materialize.js';
import type { SparkConnect } from './spark-connect.js';

export interface StagedSample {
  snapshotId: number;
  icebergSnapshotId: string;
  files: Array<{ path: string; rows: number; bytes: number }>;
  rowCount: number;
  bytes: number;
  /** Makes the staged snapshot the table's current one (after the control plane committed it). */
  publish(): Promise<void>;
  /** Expires the staged snapshot (the control plane did not take it). */
  discard(): Promise<void>;
}

export async function stageSampleOnSpark(connect: SparkConnect, opts: { stagingDir: string; rows: number; log?: (msg: string) => void }): Promise<StagedSample> {
  const dir = path.join(opts.stagingDir, `sample-${SAMPLE_DATASET_ID}-${process.pid}-${Date.now()}`);
  await mkdir(dir, { recursive: true });
  const engine = await DuckEngine.open({ allowedDirectories: [dir], memoryLimit: '512MB' });
  const session = await connect.openSession();
  try {
    await generateSampleDataset(engine, path.join(dir, 'parquet'), { rows: opts.rows });
    const table = new IcebergTable(session, SAMPLE_DATASET_ID);
    // The control plane has no dataset 6402 (the caller checked): a table by that name belongs to an earlier
    // install on the same warehouse and is replaced.
    if (await table.exists() && (await table.snapshots()).length > 0) {
      opts.log?.(`replacing ${table.name}, left by an earlier install on this warehouse`);
      await session.query(`DROP TABLE ${table.name} PURGE`);
    }
    await table.ensure(SAMPLE_DATASET_SCHEMA);
    const wapId = `${WAP_PREFIX}sample-${SAMPLE_DATASET_ID}-${Date.now()}`;
    await session.setConf({ 'spark.wap.id': wapId });
    const source = `file://${path.join(dir, 'parquet')}`;
    const staged = await table.stageWrite(`SELECT * FROM parquet.${'`'}${source.replace(/`/g, '``')}${'`'}`, 'append', wapId,
      { 'jobplane.sample-rows': String(opts.rows) }, {});
    const location = await table.location();
    const files = (await table.dataFiles(staged.snapshotId)).map((f) => ({ path: manifestPath(SAMPLE_DATASET_ID, location, f.path), rows: f.rows, bytes: f.bytes }));
    const snapshotId = jobplaneSnapshotId(staged.snapshotId);
    const withTable = async (work: (t: IcebergTable) => Promise<unknown>) => {
      const s = await connect.openSession();
      try {
        await work(new IcebergTable(s, SAMPLE_DATASET_ID));
      } finally {
        await s.release();
      }
    };
    return {
      snapshotId, icebergSnapshotId: staged.snapshotId, files,
      rowCount: Number(staged.summary['total-records'] ?? 0), bytes: Number(staged.summary['total-files-size'] ?? 0),
      publish: () => withTable((t) => reconcileTable(t, { latestSnapshotId: snapshotId })),
      discard: () => withTable((t) => t.expire([staged.snapshotId])),
    };
  } finally {
    await session.release();
    await engine.close();
    await rm(dir, { recursive: true, force: true });
  }
}
