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
import { currentOf, IcebergTable, relativeToLocation, type IcebergSnapshot } from './iceberg/iceberg-table.js';
import { expireOrphans, orphanCandidates, reconcileTable, wapIdFor } from './iceberg/reconcile.js';
import { jobplaneSnapshotId } from './iceberg/snapshot-ids.js';
import type { SparkSession } from './spark-connect.js';
import { bindSparkInputs, declaredInputs, type SparkInput } from './spark-inputs.js';
import type { SparkPlane } from './spark-plane.js';
import { settleAll } from './settle-all.js';

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
  const phases = new Phases();
  // Independent round trips at once: the session (the channel, then the session's settings) and the control
  // plane's record of the target.
  const [opened, looked] = await Promise.allSettled([
    plane.ready(signal).then(() => plane.connect.openSession(signal, { 'spark.wap.id': wapId })),
    plane.catalog.dataset(input.dataset_id, signal),
  ]);
  if (opened.status === 'rejected') throw opened.reason;
  const session = opened.value;
  let staged: IcebergSnapshot | undefined;
  const table = new IcebergTable(session, input.dataset_id);
  try {
    if (looked.status === 'rejected') throw looked.reason;
    const target = looked.value;
    const schema = target.schema as DatasetSchema;
    const declared = declaredInputs(job);
    // The target's table: created if new, its properties asserted and its current snapshot read by the same
    // statements (SHOW TBLPROPERTIES, no Spark job), then reconciled to the control plane's latest snapshot.
    const prepareTarget = async () => {
      const props = await table.ensure(schema, signal, plane.checkedTables);
      const { current } = await reconcileTable(table, {
        latestSnapshotId: target.latest_snapshot_id, current: currentOf(props), signal, log: ctx.log,
      });
      return current;
    };
    let parent: string | null;
    let inputs: SparkInput[];
    if (declared.some((i) => i.dataset_id === target.id)) {
      // The view reads its own table: bind that input once the table is reconciled.
      parent = await prepareTarget();
      inputs = await bindSparkInputs(session, plane, declared, signal);
    } else {
      // Different tables: reconciling the target and binding the inputs do not depend on each other.
      [parent, inputs] = await settleAll<[string | null, SparkInput[]]>([prepareTarget(), bindSparkInputs(session, plane, declared, signal)]);
    }
    const lineage = inputs.map((i) => ({ dataset_id: i.datasetId, snapshot_id: i.snapshotId }));
    // The table's location does not change (cached per dataset); a new dataset's is asked for while the write runs.
    const location = plane.locations.has(target.id) ? Promise.resolve(plane.locations.get(target.id)!) : table.location(signal);
    location.catch(() => undefined); // awaited below; a failure before then must not go unhandled
    phases.mark('prepare');
    ctx.progress({ phase: 'query', inputs: lineage });
    let snapshots: IcebergSnapshot[];
    try {
      ({ staged, snapshots } = await table.stageWriteListing(input.compiled_sql, target.write_mode, wapId, {
        'jobplane.job-id': job.job_id, 'jobplane.attempt': String(ctx.attempt),
      }, { signal, tags: [jobTag(job.job_id)], onProgress: (p) => ctx.progress({ phase: 'query', inputs: lineage, ...p } as unknown as JsonObject) }));
    } catch (err) {
      await expireOwnStaged(plane, target.id, wapId, ctx);
      throw err;
    }
    phases.mark('write');
    sweepOrphans(plane, target.id, snapshots, parent, wapId, ctx);
    const snapshotId = jobplaneSnapshotId(staged.snapshotId);
    const dataFiles = await table.dataFiles(staged.snapshotId, signal);
    const at = await location;
    plane.locations.set(target.id, at);
    const files = dataFiles.map((f) => ({ path: manifestPath(target.id, at, f.path), rows: f.rows, bytes: f.bytes }));
    phases.mark('manifest');
    let columnStats: SnapshotManifest['column_stats'];
    if (input.stats_enabled) {
      ctx.progress({ phase: 'stats', rows: Number(staged.summary['total-records'] ?? 0) });
      const stats = await computeSparkColumnStats(session, table.name, staged.snapshotId, schema, signal);
      columnStats = { recalculation_id: randomUUID(), stats: stats as unknown as JsonObject };
      phases.mark('stats');
    }
    signal.throwIfAborted();
    const icebergId = staged.snapshotId;
    const published = staged;
    const snapshot: SnapshotManifest = {
      snapshot_id: snapshotId, dataset_id: target.id, parent_snapshot_id: target.latest_snapshot_id,
      operation: target.write_mode, files,
      row_count: Number(staged.summary['total-records'] ?? files.reduce((n, f) => n + f.rows, 0)),
      bytes: Number(staged.summary['total-files-size'] ?? files.reduce((n, f) => n + f.bytes, 0)),
      inputs: lineage,
      ...(columnStats ? { column_stats: columnStats } : {}),
    };
    ctx.log.info({
      dataset_id: target.id, snapshot_id: snapshotId, iceberg_snapshot_id: icebergId, rows: snapshot.row_count, phases_ms: phases.done(),
    }, 'snapshot staged');
    return completeWith({
      dataset_id: target.id, snapshot_id: snapshotId, recalculation_id: columnStats?.recalculation_id ?? null,
      iceberg_snapshot_id: icebergId,
    }, {
      snapshot,
      // The control plane refused the completion: this snapshot can never be published.
      discard: () => withSession(plane, (s) => new IcebergTable(s, target.id).expire([icebergId])),
      // Settled either way: publish whatever the control plane committed (ours, if it was accepted).
      release: () => plane.background(`publishing snapshot ${snapshotId} of dataset ${target.id}`, () => publishCommitted(plane, target.id, [published])),
    });
  } catch (err) {
    if (staged) await expireOwnStaged(plane, input.dataset_id, wapId, ctx);
    throw err;
  } finally {
    await session.release();
  }
}

/**
 * Rolls the table forward to the control plane's latest snapshot (after a completion, or by any later job).
 * `known`: the snapshot the job staged, so that publishing it (its parent is current) lists no metadata.
 */
export async function publishCommitted(plane: SparkPlane, datasetId: number, known?: readonly IcebergSnapshot[]): Promise<void> {
  await withSession(plane, async (session) => {
    const info = await plane.catalog.dataset(datasetId);
    await reconcileTable(new IcebergTable(session, datasetId), { latestSnapshotId: info.latest_snapshot_id, known, log: plane.log });
  });
}

/**
 * The orphan sweep of the target table (reconcile.ts): staged jobplane snapshots that are no ancestor of current,
 * older than the orphan age and unknown to the control plane are expired. It runs on the listing the write's
 * snapshot lookup returned anyway (no extra Spark job), and in the background: garbage that no reader sees
 * need not hold up the job, and expire_snapshots takes seconds. This attempt's own staged snapshot is never a
 * candidate, however old the orphan age lets it look.
 */
function sweepOrphans(plane: SparkPlane, datasetId: number, snapshots: IcebergSnapshot[], current: string | null, wapId: string, ctx: JobContext): void {
  const candidates = orphanCandidates(snapshots, current, plane.orphanAgeMs).filter((s) => s.summary['wap.id'] !== wapId);
  if (candidates.length === 0) return;
  plane.background(`expiring orphaned staged snapshots of dataset ${datasetId}`, () => withSession(plane, (s) =>
    expireOrphans(new IcebergTable(s, datasetId), candidates, { isCommitted: (id) => plane.isCommitted(datasetId, id), log: ctx.log })));
}

/** Milliseconds of the handler's phases, for the 'snapshot staged' log line (bench/spark.ts reads them). */
class Phases {
  private last = performance.now();
  private readonly ms: Record<string, number> = {};
  mark(phase: string): void {
    const now = performance.now();
    this.ms[phase] = Math.round(now - this.last);
    this.last = now;
  }
  done(): Record<string, number> {
    return { ...this.ms };
  }
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
