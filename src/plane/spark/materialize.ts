/**
 * materialize-view on Spark: the job's compiled SQL, exactly as compiled, written into the dataset's Iceberg table
 * `narrative.datasets.ds_<id>` as a STAGED snapshot (write-audit-publish), returned to the operator as the manifest
 * to commit with the job. The snapshot becomes the table's current one only after the control plane accepted the
 * completion (the `release` hook reconciles the table; see iceberg/reconcile.ts and docs/spark.md).
 */
import { randomUUID } from 'node:crypto';
import type { Job, JsonObject, SnapshotManifest } from '../../client/types.js';
import { completeWith, type JobCompletion } from '../operator/job-completion.js';
import type { JobContext } from '../operator/types.js';
import type { DatasetSchema } from '../../core/dataset-schema.js';
import { computeSparkColumnStats } from './iceberg/column-stats.js';
import { IcebergTable, relativeToLocation, type IcebergSnapshot } from './iceberg/iceberg-table.js';
import { reconcileTable, wapIdFor } from './iceberg/reconcile.js';
import { jobplaneSnapshotId } from './iceberg/snapshot-ids.js';
import type { SparkSession } from './spark-connect.js';
import { bindSparkInputs, declaredInputs } from './spark-inputs.js';
import type { SparkPlane } from './spark-plane.js';

export interface MaterializeInput {
  nql: string;
  dataset_id: number;
  stats_enabled: boolean;
  compiled_sql: string;
}

/** Tag of every Spark operation a job runs (Interrupt by tag stops them all). */
export const jobTag = (jobId: string) => `jobplane-job-${jobId}`;

export async function materializeOnSpark(job: Job, plane: SparkPlane, ctx: JobContext): Promise<JobCompletion> {
  const input = job.input as unknown as MaterializeInput;
  const { signal } = ctx;
  const wapId = wapIdFor(job.job_id, ctx.attempt);
  await plane.ready(signal);
  const session = await plane.connect.openSession(signal, { 'spark.wap.id': wapId });
  let staged: IcebergSnapshot | undefined;
  const table = new IcebergTable(session, input.dataset_id);
  try {
    const target = await plane.catalog.dataset(input.dataset_id, signal);
    await table.ensure(target.schema as DatasetSchema, signal, plane.checkedTables);
    await reconcileTable(table, {
      latestSnapshotId: target.latest_snapshot_id, signal, log: ctx.log, orphanAgeMs: plane.orphanAgeMs,
      isCommitted: (id) => plane.isCommitted(target.id, id),
    });
    const inputs = await bindSparkInputs(session, plane, declaredInputs(job), signal);
    const lineage = inputs.map((i) => ({ dataset_id: i.datasetId, snapshot_id: i.snapshotId }));
    ctx.progress({ phase: 'query', inputs: lineage });
    try {
      staged = await table.stageWrite(input.compiled_sql, target.write_mode, wapId, {
        'jobplane.job-id': job.job_id, 'jobplane.attempt': String(ctx.attempt),
      }, { signal, tags: [jobTag(job.job_id)], onProgress: (p) => ctx.progress({ phase: 'query', inputs: lineage, ...p } as unknown as JsonObject) });
    } catch (err) {
      await expireOwnStaged(plane, target.id, wapId, ctx);
      throw err;
    }
    const snapshotId = jobplaneSnapshotId(staged.snapshotId);
    const location = plane.locations.get(target.id) ?? await table.location(signal);
    plane.locations.set(target.id, location);
    const files = (await table.dataFiles(staged.snapshotId, signal)).map((f) => ({
      path: manifestPath(target.id, location, f.path), rows: f.rows, bytes: f.bytes,
    }));
    let columnStats: SnapshotManifest['column_stats'];
    if (input.stats_enabled) {
      ctx.progress({ phase: 'stats', rows: Number(staged.summary['total-records'] ?? 0) });
      const stats = await computeSparkColumnStats(session, table.name, staged.snapshotId, target.schema as DatasetSchema, signal);
      columnStats = { recalculation_id: randomUUID(), stats: stats as unknown as JsonObject };
    }
    signal.throwIfAborted();
    const icebergId = staged.snapshotId;
    const snapshot: SnapshotManifest = {
      snapshot_id: snapshotId, dataset_id: target.id, parent_snapshot_id: target.latest_snapshot_id,
      operation: target.write_mode, files,
      row_count: Number(staged.summary['total-records'] ?? files.reduce((n, f) => n + f.rows, 0)),
      bytes: Number(staged.summary['total-files-size'] ?? files.reduce((n, f) => n + f.bytes, 0)),
      inputs: lineage,
      ...(columnStats ? { column_stats: columnStats } : {}),
    };
    ctx.log.info({ dataset_id: target.id, snapshot_id: snapshotId, iceberg_snapshot_id: icebergId, rows: snapshot.row_count }, 'snapshot staged');
    return completeWith({
      dataset_id: target.id, snapshot_id: snapshotId, recalculation_id: columnStats?.recalculation_id ?? null,
      iceberg_snapshot_id: icebergId,
    }, {
      snapshot,
      // The control plane refused the completion: this snapshot can never be published.
      discard: () => withSession(plane, (s) => new IcebergTable(s, target.id).expire([icebergId])),
      // Settled either way: publish whatever the control plane committed (ours, if it was accepted).
      release: () => plane.background(`publishing snapshot ${snapshotId} of dataset ${target.id}`, () => publishCommitted(plane, target.id)),
    });
  } catch (err) {
    if (staged) await expireOwnStaged(plane, input.dataset_id, wapId, ctx);
    throw err;
  } finally {
    await session.release();
  }
}

/** Rolls the table forward to the control plane's latest snapshot (after a completion, or by any later job). */
export async function publishCommitted(plane: SparkPlane, datasetId: number): Promise<void> {
  await withSession(plane, async (session) => {
    const info = await plane.catalog.dataset(datasetId);
    await reconcileTable(new IcebergTable(session, datasetId), { latestSnapshotId: info.latest_snapshot_id, log: plane.log });
  });
}

async function withSession<T>(plane: SparkPlane, work: (s: SparkSession) => Promise<T>): Promise<T> {
  const session = await plane.connect.openSession();
  try {
    return await work(session);
  } finally {
    await session.release();
  }
}

/**
 * A failed or cancelled attempt removes its staged snapshot at once (best effort, in a fresh session: the job's
 * may be the one that broke). What this misses, the reconcile's orphan expiry takes later.
 */
async function expireOwnStaged(plane: SparkPlane, datasetId: number, wapId: string, ctx: JobContext): Promise<void> {
  try {
    await withSession(plane, async (session) => {
      const table = new IcebergTable(session, datasetId);
      const ids = (await table.snapshots()).filter((s) => s.summary['wap.id'] === wapId).map((s) => s.snapshotId);
      await table.expire(ids);
      if (ids.length > 0) ctx.log.info({ expired: ids }, 'expired the staged snapshot of a failed attempt');
    });
  } catch (err) {
    ctx.log.warn({ err }, 'could not expire the staged snapshot of a failed attempt; the reconcile will');
  }
}

/**
 * A data file as the control plane lists it: `datasets/ds_<id>/<path inside the table's location>`, e.g.
 * `datasets/ds_6404/data/00000-3-....parquet`. Iceberg's own metadata stays the authority on where files are;
 * this is their stable, location-independent name (the DuckDB plane's paths are relative to its storage root
 * the same way).
 */
export function manifestPath(datasetId: number, location: string, file: string): string {
  const rel = relativeToLocation(location, file);
  return `datasets/ds_${datasetId}/${rel ?? `data/${file.slice(file.lastIndexOf('/') + 1)}`}`;
}
