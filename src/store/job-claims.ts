import type { Actor, Job } from '../core/job.js';
import { LEASED_STATES } from '../core/job-states.js';
import type { Db, Queryable } from './db/types.js';
import { jobColumns, toJob, type JobRow } from './job-columns.js';

export interface ClaimRequest {
  executor: string;
  dataPlaneId: string;
  /** Job types this executor runs; empty = any. Defaults to the executor's registration. */
  types?: string[] | undefined;
  /** Defaults to the executor's registration. */
  computePoolId?: string | null | undefined;
  limit: number;
  leaseMs: number;
}

interface Candidate {
  job_id: string;
  execution_cluster: 'dedicated' | 'shared';
  compute_pool_id: string | null;
}

/**
 * Claims up to `limit` claimable jobs of a data plane for one executor, in one transaction:
 * 1. lock the executor's registration (if any) and measure its load, so two claims by one executor serialize;
 *    a draining executor, or one running a dedicated job, takes nothing;
 * 2. lock its compute pool's row and count the pool's running jobs, so the pool's limit holds across executors
 *    (the count is a fresh statement after the lock, hence sees every claim committed before ours);
 * 3. pick candidates oldest-first within priority with FOR UPDATE SKIP LOCKED (concurrent claimers skip each
 *    other's rows instead of queueing), apply the routing rules, and move the chosen ones to `running` in ONE
 *    UPDATE that also writes their job_events.
 * Claimable = `pending`, or `failed` with a retry scheduled (`retry_at` passed, attempts left).
 *
 * The claimed rows are stamped with statement_timestamp(), not now(): now() is when the transaction began, which
 * may be before it waited on the pool lock for another executor's claim or completion to commit. A job stamped
 * with that earlier time would appear to have started before the job whose end freed its pool slot, and its
 * lease would be shorter than asked.
 */
export async function jobClaim(db: Db, req: ClaimRequest, actor: Actor): Promise<Job[]> {
  return db.transaction(async (tx) => {
    const [registration] = await tx.query<{ slots: number; status: string; types: string[]; compute_pool_id: string | null }>(
      `SELECT slots, status, types, compute_pool_id::text AS compute_pool_id FROM executors WHERE id = $1 FOR UPDATE`,
      [req.executor],
    );
    if (registration?.status === 'draining') return [];
    const [load] = await tx.query<{ running: number; dedicated: boolean }>(
      `SELECT count(*)::int AS running, coalesce(bool_or(execution_cluster = 'dedicated'), false) AS dedicated
         FROM jobs WHERE executor = $1 AND state = ANY($2::text[])`,
      [req.executor, LEASED_STATES],
    );
    if (!load || load.dedicated) return [];
    const slots = registration?.slots ?? Number.POSITIVE_INFINITY;
    let capacity = Math.min(req.limit, slots - load.running);
    if (capacity <= 0) return [];

    const types = req.types ?? registration?.types ?? [];
    const poolId = req.computePoolId !== undefined ? req.computePoolId : (registration?.compute_pool_id ?? null);
    let poolRemaining = 0;
    if (poolId) poolRemaining = await lockPoolAndMeasure(tx, poolId);

    const candidates = await tx.query<Candidate>(
      `SELECT j.job_id::text AS job_id, j.execution_cluster, j.compute_pool_id::text AS compute_pool_id
         FROM jobs j
        WHERE j.data_plane_id = $1
          AND (j.state = 'pending' OR (j.state = 'failed' AND j.retry_at IS NOT NULL AND j.retry_at <= now()
                                       AND j.attempt < j.max_attempts))
          AND (cardinality($2::text[]) = 0 OR j.type = ANY($2::text[]))
          AND (j.compute_pool_id IS NULL OR j.compute_pool_id = $3::uuid)
          AND ($4::boolean OR j.execution_cluster = 'shared')
        ORDER BY j.priority DESC, j.created_at, j.job_id
        LIMIT $5
        FOR UPDATE SKIP LOCKED`,
      [req.dataPlaneId, types, poolId, load.running === 0, capacity],
    );

    const chosen: string[] = [];
    for (const c of candidates) {
      if (capacity <= 0) break;
      if (c.compute_pool_id !== null) {
        if (poolRemaining <= 0) continue;
        poolRemaining--;
      }
      if (c.execution_cluster === 'dedicated') {
        // A dedicated job runs alone: only as the executor's first and only job.
        if (chosen.length > 0) continue;
        chosen.push(c.job_id);
        break;
      }
      chosen.push(c.job_id);
      capacity--;
    }
    if (chosen.length === 0) return [];

    const rows = await tx.query<JobRow>(
      `WITH upd AS (
         UPDATE jobs j SET state = 'running', executor = $2, attempt = j.attempt + 1,
                dequeued_at = statement_timestamp(),
                lease_expires_at = statement_timestamp() + $3 * interval '1 millisecond', ended_at = NULL,
                retry_at = NULL, cancel_requested_at = NULL, updated_at = statement_timestamp()
           FROM (SELECT job_id, state AS from_state FROM jobs WHERE job_id = ANY($1::uuid[])) cur
          WHERE j.job_id = cur.job_id
         RETURNING j.*, cur.from_state
       ), ev AS (
         INSERT INTO job_events (job_id, action, from_state, to_state, attempt, executor, actor)
         SELECT job_id, 'claim', from_state, state, attempt, executor, $4::jsonb FROM upd
       )
       SELECT ${jobColumns('upd')} FROM upd ORDER BY upd.priority DESC, upd.created_at, upd.job_id`,
      [chosen, req.executor, req.leaseMs, JSON.stringify(actor)],
    );
    return rows.map(toJob);
  });
}

/** Locks the pool's row for this transaction and returns how many more of its jobs may run now. */
async function lockPoolAndMeasure(tx: Queryable, poolId: string): Promise<number> {
  const [pool] = await tx.query<{ max_concurrency: number }>(
    'SELECT max_concurrency FROM compute_pools WHERE id = $1 FOR UPDATE',
    [poolId],
  );
  if (!pool) return 0;
  const [count] = await tx.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM jobs WHERE compute_pool_id = $1 AND state = ANY($2::text[])`,
    [poolId, LEASED_STATES],
  );
  return pool.max_concurrency - (count?.n ?? 0);
}
