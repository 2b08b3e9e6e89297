import { randomUUID } from 'node:crypto';
import type { Actor } from '../core/job.js';
import { TRANSITIONS } from '../core/job-states.js';
import type { Queryable } from './db/types.js';
import { ts } from './job-columns.js';

export interface Executor {
  id: string;
  data_plane_id: string;
  compute_pool_id: string | null;
  name: string | null;
  types: string[];
  slots: number;
  status: 'active' | 'draining';
  running_jobs: number;
  last_heartbeat_at: string;
  created_at: string;
}

const EXECUTOR_COLUMNS = `e.id, e.data_plane_id::text AS data_plane_id, e.compute_pool_id::text AS compute_pool_id, e.name,
  e.types, e.slots, e.status,
  (SELECT count(*)::int FROM jobs j WHERE j.executor = e.id AND j.state IN ('running', 'pending_cancellation')) AS running_jobs,
  ${ts('e.last_heartbeat_at')} AS last_heartbeat_at, ${ts('e.created_at')} AS created_at`;

export interface NewExecutor {
  dataPlaneId: string;
  computePoolId: string | null;
  types: string[];
  slots: number;
  name: string | null;
}

export async function executorCreate(db: Queryable, e: NewExecutor): Promise<Executor> {
  const rows = await db.query<Executor>(
    `WITH ins AS (
       INSERT INTO executors (id, data_plane_id, compute_pool_id, name, types, slots) VALUES ($1, $2, $3, $4, $5, $6)
       RETURNING *
     ) SELECT ${EXECUTOR_COLUMNS} FROM ins e`,
    [`job-executor-${randomUUID()}`, e.dataPlaneId, e.computePoolId, e.name, e.types, e.slots],
  );
  return rows[0]!;
}

/** Executors on the planes the caller may see: `planeIds` (an operator token's one plane, or its company's). */
export async function executorList(db: Queryable, planeIds: string[]): Promise<Executor[]> {
  return db.query<Executor>(
    `SELECT ${EXECUTOR_COLUMNS} FROM executors e WHERE e.data_plane_id = ANY($1::uuid[]) ORDER BY e.created_at, e.id`,
    [planeIds],
  );
}

export async function executorGet(db: Queryable, id: string): Promise<Executor | undefined> {
  const rows = await db.query<Executor>(`SELECT ${EXECUTOR_COLUMNS} FROM executors e WHERE e.id = $1`, [id]);
  return rows[0];
}

export async function executorHeartbeat(db: Queryable, id: string): Promise<Executor | undefined> {
  const rows = await db.query<Executor>(
    `WITH upd AS (UPDATE executors SET last_heartbeat_at = now() WHERE id = $1 RETURNING *)
     SELECT ${EXECUTOR_COLUMNS} FROM upd e`,
    [id],
  );
  return rows[0];
}

export async function executorDrain(db: Queryable, id: string): Promise<Executor | undefined> {
  const rows = await db.query<Executor>(
    `WITH upd AS (UPDATE executors SET status = 'draining' WHERE id = $1 RETURNING *)
     SELECT ${EXECUTOR_COLUMNS} FROM upd e`,
    [id],
  );
  return rows[0];
}

/**
 * Deregisters an executor and gives its running jobs back at once (`running` -> `pending`, attempt kept so its
 * lease is stale), instead of letting them wait for lease expiry. Jobs whose cancellation was requested are
 * finalized as cancelled, since nobody will run them. One statement: release, events, delete.
 */
export async function executorDelete(db: Queryable, id: string, actor: Actor): Promise<{ released: number } | undefined> {
  const rows = await db.query<{ deleted: number; released: number }>(
    `WITH released AS (
       UPDATE jobs j SET state = CASE WHEN j.state = 'pending_cancellation' THEN 'cancelled' ELSE 'pending' END,
              executor = CASE WHEN j.state = 'pending_cancellation' THEN j.executor END,
              ended_at = CASE WHEN j.state = 'pending_cancellation' THEN now() END,
              lease_expires_at = NULL, dequeued_at = CASE WHEN j.state = 'pending_cancellation' THEN j.dequeued_at END,
              updated_at = now()
         FROM (SELECT job_id, state AS from_state FROM jobs WHERE executor = $1 AND state = ANY($2::text[]) FOR UPDATE) cur
        WHERE j.job_id = cur.job_id
       RETURNING j.job_id, j.state, j.attempt, cur.from_state
     ), ev AS (
       INSERT INTO job_events (job_id, action, from_state, to_state, attempt, executor, actor)
       SELECT job_id, CASE WHEN state = 'cancelled' THEN 'expire_cancellation' ELSE 'release' END, from_state, state,
              attempt, $1, $3::jsonb FROM released
     ), del AS (
       DELETE FROM executors WHERE id = $1 RETURNING id
     )
     SELECT (SELECT count(*)::int FROM del) AS deleted, (SELECT count(*)::int FROM released) AS released`,
    [id, [...TRANSITIONS.release.from, ...TRANSITIONS.expire_cancellation.from], JSON.stringify(actor)],
  );
  const row = rows[0]!;
  return row.deleted === 0 ? undefined : { released: row.released };
}

/** Removes registrations silent for longer than `silentMs` (their jobs' leases expire on their own). */
export async function executorsPruneSilent(db: Queryable, silentMs: number): Promise<number> {
  const rows = await db.query<{ n: number }>(
    `WITH del AS (DELETE FROM executors WHERE last_heartbeat_at < now() - $1 * interval '1 millisecond' RETURNING 1)
     SELECT count(*)::int AS n FROM del`,
    [silentMs],
  );
  return rows[0]?.n ?? 0;
}

/** The leases of `executor` whose job was asked to cancel (`pending_cancellation`): what its watch reports. */
export async function executorCancellations(db: Queryable, executor: string): Promise<Array<{ job_id: string; attempt: number }>> {
  return db.query<{ job_id: string; attempt: number }>(
    `SELECT job_id::text AS job_id, attempt FROM jobs
      WHERE executor = $1 AND state = 'pending_cancellation' ORDER BY cancel_requested_at, job_id`,
    [executor],
  );
}
