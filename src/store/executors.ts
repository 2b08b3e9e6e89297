import { randomUUID } from 'node:crypto';
import type { Actor } from '../core/job.js';
import { LEASED_STATES, TRANSITIONS } from '../core/job-states.js';
import type { Queryable } from './db/types.js';
import { ts } from './job-columns.js';
import { transitionSql } from './job-transition-sql.js';
import { SqlParams } from './sql-params.js';
import { stateIn } from './state-sql.js';

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
  (SELECT count(*)::int FROM jobs j WHERE j.executor = e.id AND ${stateIn('j.state', LEASED_STATES)}) AS running_jobs,
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
 * Deregisters an executor and gives its running jobs back at once (`release`: running -> pending, attempt kept so
 * its lease is stale), instead of letting them wait for lease expiry. Jobs whose cancellation was requested are
 * finalized as cancelled (`expire_cancellation`), since nobody will run them. One statement: release, events, delete.
 */
export async function executorDelete(db: Queryable, id: string, actor: Actor): Promise<{ released: number } | undefined> {
  const q = new SqlParams();
  const executor = q.p(id);
  const from = [...TRANSITIONS.release.from, ...TRANSITIONS.expire_cancellation.from];
  const text = transitionSql({
    actions: ['release', 'expire_cancellation'], args: {},
    with: [
      `cur AS (SELECT job_id FROM jobs WHERE executor = ${executor} AND ${stateIn('state', from)} FOR UPDATE)`,
      `del AS (DELETE FROM executors WHERE id = ${executor} RETURNING id)`,
    ],
    from: 'cur', where: ['j.job_id = cur.job_id'], actor: () => `${q.p(JSON.stringify(actor))}::jsonb`,
    // A released job has no executor any more; its event still names the one that gave it back.
    eventExecutor: executor,
    select: '(SELECT count(*)::int FROM del) AS deleted, count(*)::int AS released',
  });
  const rows = await db.query<{ deleted: number; released: number }>(text, q.values);
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

/** Whether an executor registered on the plane takes jobs of `type` now (active, and `type` among its types). */
export async function executorServes(db: Queryable, dataPlaneId: string, type: string): Promise<boolean> {
  const rows = await db.query(
    `SELECT 1 FROM executors WHERE data_plane_id = $1::uuid AND status = 'active' AND (cardinality(types) = 0 OR $2 = ANY(types)) LIMIT 1`,
    [dataPlaneId, type],
  );
  return rows.length > 0;
}
