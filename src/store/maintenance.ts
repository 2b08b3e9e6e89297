import { TRANSITIONS, type JobState } from '../core/job-states.js';
import type { Queryable } from './db/types.js';
import { retryArgs, NOW } from './job-effects.js';
import { transitionSql } from './job-transition-sql.js';
import { stateIn } from './state-sql.js';
import type { RetryPolicy } from './retry-policy.js';
import { SqlParams } from './sql-params.js';

const MAINTENANCE_ACTOR = JSON.stringify({ type: 'process', name: 'maintenance' });

/** Rows to change, oldest first, skipping rows another transaction holds (it is changing them anyway). */
const candidates = (q: SqlParams, where: string, order: string, batch: number) =>
  `cur AS (SELECT job_id FROM jobs WHERE ${where} ORDER BY ${order} LIMIT ${q.p(batch)} FOR UPDATE SKIP LOCKED)`;

/** A job a maintenance statement moved: what the caller needs for the transition's effects (metrics, wake-ups). */
export interface MovedJob {
  job_id: string;
  type: string;
  data_plane_id: string;
  executor: string | null;
  from_state: JobState;
  to_state: JobState;
}

const MOVED = 'upd.job_id::text AS job_id, upd.type, upd.data_plane_id::text AS data_plane_id, upd.executor, upd.previous_state AS from_state, upd.state AS to_state';

function moved(db: Queryable, q: SqlParams, text: string): Promise<MovedJob[]> {
  return db.query<MovedJob>(text, q.values);
}

/**
 * Running jobs whose lease ran out become `failed` with a failure "lease expired" naming the lost executor and
 * attempt; they are retried like any retryable failure while attempts are left (every expiry counts as an attempt,
 * so a job that kills its executor every time cannot loop for ever). One statement, events included.
 */
export function jobsExpireLeases(db: Queryable, retry: RetryPolicy, batch = 500): Promise<MovedJob[]> {
  const q = new SqlParams();
  const text = transitionSql({
    actions: ['expire_lease'], args: { retry: retryArgs(q.p, retry) },
    with: [candidates(q, `${stateIn('state', TRANSITIONS.expire_lease.from)} AND lease_expires_at < ${NOW}`, 'lease_expires_at', batch)],
    from: 'cur', where: ['j.job_id = cur.job_id'], actor: () => `${q.p(MAINTENANCE_ACTOR)}::jsonb`,
    select: MOVED,
  });
  return moved(db, q, text);
}

/**
 * Finalizes cancellations nobody will acknowledge: `pending_cancellation` jobs with no executor (never started),
 * or whose executor's lease ran out (it died or ignored the request).
 */
export function jobsExpireCancellations(db: Queryable, batch = 500): Promise<MovedJob[]> {
  const q = new SqlParams();
  const text = transitionSql({
    actions: ['expire_cancellation'], args: {},
    with: [candidates(q, `${stateIn('state', TRANSITIONS.expire_cancellation.from)}
        AND (executor IS NULL OR lease_expires_at IS NULL OR lease_expires_at < ${NOW})`, 'job_id', batch)],
    from: 'cur', where: ['j.job_id = cur.job_id'], actor: () => `${q.p(MAINTENANCE_ACTOR)}::jsonb`,
    select: MOVED,
  });
  return moved(db, q, text);
}

/** Data planes that have a job becoming claimable by a retry that fell due since `sinceMs` ago (for wake-ups). */
export async function planesWithDueRetries(db: Queryable, sinceMs: number): Promise<string[]> {
  const rows = await db.query<{ id: string }>(
    `SELECT DISTINCT data_plane_id::text AS id FROM jobs
      WHERE state = ANY($2::text[]) AND retry_at IS NOT NULL AND retry_at <= now()
        AND retry_at > now() - $1 * interval '1 millisecond'`,
    [sinceMs, TRANSITIONS.claim.from],
  );
  return rows.map((r) => r.id);
}
