import type { Actor, Job, JobInput } from '../core/job.js';
import type { Db, Queryable } from './db/types.js';
import { ts, type JobScope } from './job-columns.js';
import { jobComplete, type Fence, type TransitionResult } from './job-transitions.js';

export interface SnapshotFile {
  /** Relative to the data plane's storage root. */
  path: string;
  rows: number;
  bytes: number;
}

export interface Snapshot {
  snapshot_id: number;
  dataset_id: number;
  parent_snapshot_id: number | null;
  operation: 'append' | 'overwrite';
  files: SnapshotFile[];
  row_count: number;
  bytes: number;
  job_id: string | null;
  inputs: Array<{ dataset_id: number; snapshot_id: number | null }>;
  created_at: string;
}

const SNAPSHOT_COLUMNS = `s.snapshot_id, s.dataset_id, s.parent_snapshot_id, s.operation, s.files, s.row_count, s.bytes,
  s.job_id::text AS job_id, s.inputs, ${ts('s.created_at')} AS created_at`;

export interface NewSnapshot {
  snapshotId: number;
  datasetId: number;
  parentSnapshotId: number | null;
  operation: 'append' | 'overwrite';
  files: SnapshotFile[];
  rowCount: number;
  bytes: number;
  jobId: string | null;
  inputs: Array<{ dataset_id: number; snapshot_id: number | null }>;
}

export interface NewColumnStats {
  recalculationId: string;
  stats: Record<string, unknown>;
}

/**
 * Records a snapshot and makes it the dataset's latest, activating a pending (materialized-view) dataset. The
 * parent must still be the dataset's latest snapshot: two writers racing on one dataset cannot both win.
 * Returns undefined when that check fails.
 */
export async function snapshotInsert(tx: Queryable, s: NewSnapshot, stats?: NewColumnStats): Promise<Snapshot | undefined> {
  const rows = await tx.query<Snapshot>(
    `WITH ds AS (
       UPDATE datasets SET latest_snapshot_id = $1, status = 'active', last_snapshot_created_at = now(), updated_at = now()
        WHERE id = $2 AND latest_snapshot_id IS NOT DISTINCT FROM $3
       RETURNING id
     ), ins AS (
       INSERT INTO dataset_snapshots (snapshot_id, dataset_id, parent_snapshot_id, operation, files, row_count, bytes, job_id, inputs)
       SELECT $1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9::jsonb FROM ds
       RETURNING *
     )
     SELECT ${SNAPSHOT_COLUMNS} FROM ins s`,
    [s.snapshotId, s.datasetId, s.parentSnapshotId, s.operation, JSON.stringify(s.files), s.rowCount, s.bytes, s.jobId,
      JSON.stringify(s.inputs)],
  );
  const snapshot = rows[0];
  if (snapshot && stats) {
    await tx.query(
      'INSERT INTO column_stats (recalculation_id, dataset_id, snapshot_id, stats) VALUES ($1, $2, $3, $4::jsonb)',
      [stats.recalculationId, s.datasetId, s.snapshotId, JSON.stringify(stats.stats)],
    );
  }
  return snapshot;
}

export type CommitResult =
  | { outcome: 'committed'; job: Job; snapshot: Snapshot }
  | { outcome: 'job'; result: TransitionResult }
  | { outcome: 'parent_moved' };

/**
 * The atomic commit of a materialize-view run: completes the job (fenced) and records its snapshot in ONE
 * transaction, so a snapshot exists if and only if its job completed. A stale lease commits nothing.
 */
export async function snapshotCommitWithJob(
  db: Db, jobId: string, scope: JobScope, fence: Fence, result: Record<string, unknown>, snapshot: NewSnapshot,
  stats: NewColumnStats | undefined, actor: Actor, inputs?: JobInput[],
): Promise<CommitResult> {
  return db.transaction<CommitResult, CommitResult>(async (tx) => {
    const completed = await jobComplete(tx, jobId, scope, fence, result, actor, inputs);
    if (completed.outcome !== 'applied') return tx.rollback({ outcome: 'job', result: completed });
    const written = await snapshotInsert(tx, snapshot, stats);
    if (!written) return tx.rollback({ outcome: 'parent_moved' });
    return { outcome: 'committed', job: completed.job, snapshot: written };
  });
}

export type StatsCommitResult = { outcome: 'committed'; job: Job } | { outcome: 'job'; result: TransitionResult } | { outcome: 'snapshot_gone' };

/**
 * Completes a column-statistics recalculation with the statistics it computed, in one transaction: they are
 * readable (`GET .../column-stats`) if and only if the job completed.
 */
export async function columnStatsCommitWithJob(
  db: Db, jobId: string, scope: JobScope, fence: Fence, result: Record<string, unknown>,
  stats: NewColumnStats & { datasetId: number; snapshotId: number }, actor: Actor,
): Promise<StatsCommitResult> {
  return db.transaction<StatsCommitResult, StatsCommitResult>(async (tx) => {
    const completed = await jobComplete(tx, jobId, scope, fence, result, actor);
    if (completed.outcome !== 'applied') return tx.rollback({ outcome: 'job', result: completed });
    const rows = await tx.query(
      `INSERT INTO column_stats (recalculation_id, dataset_id, snapshot_id, stats)
       SELECT $1, $2, $3, $4::jsonb WHERE EXISTS (SELECT 1 FROM dataset_snapshots WHERE snapshot_id = $3 AND dataset_id = $2)
       RETURNING 1`,
      [stats.recalculationId, stats.datasetId, stats.snapshotId, JSON.stringify(stats.stats)],
    );
    if (rows.length === 0) return tx.rollback({ outcome: 'snapshot_gone' });
    return { outcome: 'committed', job: completed.job };
  });
}

export async function snapshotList(db: Queryable, datasetId: number, limit: number, offset: number) {
  const [records, count] = await Promise.all([
    db.query<Snapshot>(
      `SELECT ${SNAPSHOT_COLUMNS} FROM dataset_snapshots s WHERE s.dataset_id = $1 ORDER BY s.created_at DESC, s.snapshot_id DESC LIMIT $2 OFFSET $3`,
      [datasetId, limit, offset],
    ),
    db.query<{ n: number }>('SELECT count(*)::int AS n FROM dataset_snapshots WHERE dataset_id = $1', [datasetId]),
  ]);
  return { records, total: count[0]?.n ?? 0 };
}

export async function snapshotGet(db: Queryable, datasetId: number, snapshotId: number): Promise<Snapshot | undefined> {
  const rows = await db.query<Snapshot>(
    `SELECT ${SNAPSHOT_COLUMNS} FROM dataset_snapshots s WHERE s.dataset_id = $1 AND s.snapshot_id = $2`,
    [datasetId, snapshotId],
  );
  return rows[0];
}

export async function columnStatsGet(db: Queryable, datasetId: number, snapshotId: number) {
  const rows = await db.query<{ recalculation_id: string; stats: Record<string, unknown>; created_at: string }>(
    `SELECT recalculation_id::text AS recalculation_id, stats, ${ts('created_at')} AS created_at
       FROM column_stats WHERE dataset_id = $1 AND snapshot_id = $2 ORDER BY created_at DESC LIMIT 1`,
    [datasetId, snapshotId],
  );
  return rows[0];
}

/** Snapshot ids of a dataset that are committed (the orphan sweep keeps these). */
export async function snapshotIdsOf(db: Queryable, datasetId: number): Promise<number[]> {
  const rows = await db.query<{ snapshot_id: number }>('SELECT snapshot_id FROM dataset_snapshots WHERE dataset_id = $1', [datasetId]);
  return rows.map((r) => r.snapshot_id);
}
