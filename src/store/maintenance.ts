import type { Queryable } from './db/types.js';
import { retryAtSql, type RetryPolicy } from './retry-policy.js';

const MAINTENANCE_ACTOR = JSON.stringify({ type: 'process', name: 'maintenance' });

/**
 * Running jobs whose lease ran out become `failed` with a failure "lease expired" naming the lost executor and
 * attempt; they are retried like any retryable failure while attempts are left (every expiry counts as an attempt,
 * so a job that kills its executor every time cannot loop for ever). One statement, events included.
 */
export async function jobsExpireLeases(db: Queryable, retry: RetryPolicy, batch = 500): Promise<number> {
  const values: unknown[] = [];
  const p = (v: unknown) => { values.push(v); return `$${values.length}`; };
  const sql = `WITH cur AS (
       SELECT job_id, state AS from_state FROM jobs
        WHERE state = 'running' AND lease_expires_at < now()
        ORDER BY lease_expires_at LIMIT ${p(batch)} FOR UPDATE SKIP LOCKED
     ), upd AS (
       UPDATE jobs j SET state = 'failed', ended_at = now(), lease_expires_at = NULL, updated_at = now(),
              failures = j.failures || jsonb_build_array(jsonb_build_object(
                'message', 'lease expired',
                'timestamp', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                'value', jsonb_build_object('executor', j.executor, 'attempt', j.attempt))),
              retry_at = CASE WHEN j.attempt < j.max_attempts THEN ${retryAtSql(p, retry, 'j.attempt')} END
         FROM cur WHERE j.job_id = cur.job_id
       RETURNING j.job_id, j.state, j.attempt, j.executor, cur.from_state
     ), ev AS (
       INSERT INTO job_events (job_id, action, from_state, to_state, attempt, executor, actor)
       SELECT job_id, 'expire_lease', from_state, state, attempt, executor, ${p(MAINTENANCE_ACTOR)}::jsonb FROM upd
     )
     SELECT count(*)::int AS n FROM upd`;
  const rows = await db.query<{ n: number }>(sql, values);
  return rows[0]?.n ?? 0;
}

/**
 * Finalizes cancellations nobody will acknowledge: `pending_cancellation` jobs with no executor (never started),
 * or whose executor's lease ran out (it died or ignored the request).
 */
export async function jobsExpireCancellations(db: Queryable, batch = 500): Promise<number> {
  const rows = await db.query<{ n: number }>(
    `WITH cur AS (
       SELECT job_id, state AS from_state FROM jobs
        WHERE state = 'pending_cancellation' AND (executor IS NULL OR lease_expires_at IS NULL OR lease_expires_at < now())
        LIMIT $1 FOR UPDATE SKIP LOCKED
     ), upd AS (
       UPDATE jobs j SET state = 'cancelled', ended_at = now(), lease_expires_at = NULL, updated_at = now()
         FROM cur WHERE j.job_id = cur.job_id
       RETURNING j.job_id, j.state, j.attempt, j.executor, cur.from_state
     ), ev AS (
       INSERT INTO job_events (job_id, action, from_state, to_state, attempt, executor, actor)
       SELECT job_id, 'expire_cancellation', from_state, state, attempt, executor, $2::jsonb FROM upd
     )
     SELECT count(*)::int AS n FROM upd`,
    [batch, MAINTENANCE_ACTOR],
  );
  return rows[0]?.n ?? 0;
}

/** Data planes that have a job becoming claimable by a retry that fell due since `sinceMs` ago (for wake-ups). */
export async function planesWithDueRetries(db: Queryable, sinceMs: number): Promise<string[]> {
  const rows = await db.query<{ id: string }>(
    `SELECT DISTINCT data_plane_id::text AS id FROM jobs
      WHERE state = 'failed' AND retry_at IS NOT NULL AND retry_at <= now()
        AND retry_at > now() - $1 * interval '1 millisecond'`,
    [sinceMs],
  );
  return rows.map((r) => r.id);
}
