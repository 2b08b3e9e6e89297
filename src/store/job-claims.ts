import type { Actor, Job } from '../core/job.js';
import { LEASED_STATES, TERMINAL_STATES, TRANSITIONS } from '../core/job-states.js';
import type { Queryable } from './db/types.js';
import { jobColumns, toJob, type JobRow } from './job-columns.js';
import { NOW } from './job-effects.js';
import { transitionSql } from './job-transition-sql.js';
import { SqlParams } from './sql-params.js';
import { stateIn } from './state-sql.js';

export interface ClaimRequest {
  executor: string;
  dataPlaneId: string;
  /** Job types this executor runs; empty = any. Defaults to the executor's registration. */
  types?: string[] | undefined;
  /** Defaults to the executor's registration. */
  computePoolId?: string | null | undefined;
  limit: number;
  leaseMs: number;
  /** The caller's company: the plane, the executor and the pool must be its own; nothing else is touched or named. */
  companyId: number;
  /** An operator token's plane: the executor must be registered on it (the route checks the asked plane is it). */
  boundPlaneId?: string | undefined;
}

export type ClaimResult =
  | { outcome: 'claimed'; jobs: Job[] }
  /** No registration with that id (the route answers 404: register with POST /executors first). */
  | { outcome: 'not_registered' }
  /** Registered on another plane than the one asked for. */
  | { outcome: 'wrong_plane'; registeredPlaneId: string }
  /** The plane is not one of the caller's company's planes. */
  | { outcome: 'plane_not_found' }
  /** The compute pool asked for is not a pool of the plane. */
  | { outcome: 'pool_not_found' };

/**
 * Claims up to `limit` claimable jobs of a data plane for one executor, in ONE statement (one round trip, no
 * interactive transaction), keeping every routing rule:
 * - registration: the executor's row is locked by bumping its claim_seq. Its slots, types, pool and status are read
 *   from the latest version of that row; a draining executor takes nothing. Claims of one executor queue on its own
 *   row, never on a row other executors share.
 * - load: the executor's leased jobs are counted in this statement's snapshot. If another claim of this executor
 *   committed after the snapshot was taken (its claim_seq moved on: the value written is not the snapshot's + 1), the
 *   count may miss that claim's jobs, so this claim takes nothing and the caller asks again. Completions that commit
 *   meanwhile only make the count high, which is safe.
 * - slots and dedicated jobs: at most `slots - running` jobs; a dedicated job only when the executor runs nothing,
 *   and then alone; an executor running a dedicated job takes nothing.
 * - compute pools: a pool job needs a free row of compute_pool_slots, locked with FOR UPDATE SKIP LOCKED, so
 *   concurrent claimers of one pool take different slots and the pool's limit holds exactly across executors.
 * - candidates: claimable = `pending`, or `failed` with a retry due (`retry_at` passed, attempts left), of the plane
 *   and types, highest priority then oldest first, with FOR UPDATE SKIP LOCKED (claimers skip each other's rows);
 *   pool jobs and others are read apart, so pool jobs waiting for a slot never hide the others.
 * The chosen rows move to running through the transition builder, with their events and pool slots.
 */
export async function jobClaim(db: Queryable, req: ClaimRequest, actor: Actor): Promise<ClaimResult> {
  const q = new SqlParams();
  const executor = q.p(req.executor);
  const poolGiven = req.computePoolId !== undefined;
  // The executor as the caller may see it: registered on a plane of its company (of its plane, for an operator
  // token). Another tenant's executor is "not registered": its row is neither bumped nor named.
  const company = q.p(req.companyId);
  const visible = `id = ${executor} AND data_plane_id IN (SELECT id FROM data_planes WHERE company_id = ${company})`
    + (req.boundPlaneId === undefined ? '' : ` AND data_plane_id = ${q.p(req.boundPlaneId)}::uuid`);
  // A pool named in the request must be a pool of the plane (else pool_not_found, and nothing is claimed).
  const poolVisible = poolGiven
    ? `EXISTS (SELECT 1 FROM compute_pools cp WHERE cp.id = ${q.p(req.computePoolId)}::uuid AND cp.data_plane_id = ${q.p(req.dataPlaneId)}::uuid)`
    : 'true';
  const ctes = [
    `snap AS (SELECT claim_seq FROM executors WHERE ${visible})`,
    `reg AS (
       UPDATE executors SET claim_seq = claim_seq + 1 WHERE ${visible}
       RETURNING claim_seq, slots, status, types, compute_pool_id, data_plane_id
     )`,
    `load AS (
       SELECT count(*)::int AS running, coalesce(bool_or(execution_cluster = 'dedicated'), false) AS dedicated
         FROM jobs WHERE executor = ${executor} AND ${stateIn('state', LEASED_STATES)}
     )`,
    `lim AS (
       SELECT r.data_plane_id::text AS registered_plane,
              (r.data_plane_id = ${q.p(req.dataPlaneId)}::uuid) AS right_plane,
              EXISTS (SELECT 1 FROM data_planes dp WHERE dp.id = ${q.p(req.dataPlaneId)}::uuid AND dp.company_id = ${company}) AS plane_visible,
              ${poolVisible} AS pool_visible,
              ${claimCapacitySql({
                registration: 'r', snapshotSeq: 's.claim_seq', running: 'l.running', runsDedicated: 'l.dedicated',
                askedPlane: `${q.p(req.dataPlaneId)}::uuid`, limit: `${q.p(req.limit)}::int`, refusedIf: [`NOT ${poolVisible}`],
              })} AS capacity,
              ${req.types === undefined ? 'r.types' : `${q.p(req.types)}::text[]`} AS types,
              ${poolGiven ? `${q.p(req.computePoolId)}::uuid` : 'r.compute_pool_id'} AS pool_id,
              l.running = 0 AS idle
         FROM reg r, snap s, load l
     )`,
    `free AS (
       SELECT slot FROM compute_pool_slots
        WHERE pool_id = (SELECT pool_id FROM lim) AND job_id IS NULL
        ORDER BY slot LIMIT (SELECT capacity FROM lim)
        FOR UPDATE SKIP LOCKED
     )`,
    // Candidates in two reads, each in the claim's order: jobs of the executor's pool, at most as many as free slots
    // were taken, and jobs of no pool. A pool job that has to wait for a slot so never hides a later job outside the
    // pool from this executor; rows other claimers hold are skipped, not waited for.
    `pool_cand AS (
       SELECT j.job_id, j.execution_cluster, j.compute_pool_id, j.priority, j.created_at
         FROM jobs j CROSS JOIN lim
        WHERE j.data_plane_id = ${q.p(req.dataPlaneId)}::uuid AND j.compute_pool_id = lim.pool_id
          AND ${claimableSql('j')}
          AND ${takesSql('j', 'lim.types', 'lim.idle')}
        ORDER BY j.priority DESC, j.created_at, j.job_id
        LIMIT (SELECT count(*) FROM free)
        FOR UPDATE OF j SKIP LOCKED
     )`,
    `open_cand AS (
       SELECT j.job_id, j.execution_cluster, j.compute_pool_id, j.priority, j.created_at
         FROM jobs j CROSS JOIN lim
        WHERE j.data_plane_id = ${q.p(req.dataPlaneId)}::uuid AND j.compute_pool_id IS NULL
          AND ${claimableSql('j')}
          AND ${takesSql('j', 'lim.types', 'lim.idle')}
        ORDER BY j.priority DESC, j.created_at, j.job_id
        LIMIT (SELECT capacity FROM lim)
        FOR UPDATE OF j SKIP LOCKED
     )`,
    // In the claim's order, the first `capacity` of both; a dedicated job is taken only first, and then alone.
    `eligible AS (
       SELECT job_id, execution_cluster, pos FROM (
         SELECT c.job_id, c.execution_cluster, row_number() OVER (ORDER BY c.priority DESC, c.created_at, c.job_id) AS pos
           FROM (SELECT * FROM pool_cand UNION ALL SELECT * FROM open_cand) c
       ) x WHERE pos <= (SELECT capacity FROM lim)
     )`,
    `chosen AS (
       SELECT job_id FROM eligible WHERE pos = 1 AND execution_cluster = 'dedicated'
       UNION ALL
       SELECT job_id FROM eligible
        WHERE execution_cluster = 'shared' AND NOT EXISTS (SELECT 1 FROM eligible WHERE pos = 1 AND execution_cluster = 'dedicated')
     )`,
  ];
  const text = transitionSql({
    actions: ['claim'], args: { executor, leaseMs: q.p(req.leaseMs) },
    with: ctes, from: 'chosen', where: ['j.job_id = chosen.job_id'], actor: () => `${q.p(JSON.stringify(actor))}::jsonb`,
    // One row per claimed job, or one row with no job: the registration's status either way (no row = not registered).
    select: `lim.registered_plane, lim.right_plane, lim.plane_visible, lim.pool_visible, ${jobColumns('upd')}`,
    tail: 'RIGHT JOIN lim ON true ORDER BY upd.priority DESC, upd.created_at, upd.job_id',
  });
  const rows = await db.query<JobRow & { registered_plane: string; right_plane: boolean; plane_visible: boolean; pool_visible: boolean }>(text, q.values);
  const status = rows[0];
  if (!status) return { outcome: 'not_registered' };
  if (!status.plane_visible) return { outcome: 'plane_not_found' };
  if (!status.right_plane) return { outcome: 'wrong_plane', registeredPlaneId: status.registered_plane };
  if (!status.pool_visible) return { outcome: 'pool_not_found' };
  const jobs = rows.filter((r) => r.job_id !== null).map(({ registered_plane: _a, right_plane: _b, plane_visible: _c, pool_visible: _d, ...row }) => toJob(row));
  return { outcome: 'claimed', jobs };
}

/**
 * How many jobs a registration (`registration`, its row as the claim locked it) may take now: none while it drains,
 * runs a dedicated job, or another claim of it committed after the statement's snapshot (`snapshotSeq`: its
 * claim_seq in that snapshot; see jobClaim), none on another plane than the one asked for or for a reason of the
 * caller's (`refusedIf`); else its free slots, at most `limit`. The one-executor claim and the batch
 * (job-claim-batches.ts) both take it from here.
 */
export function claimCapacitySql(x: {
  registration: string; snapshotSeq: string; running: string; runsDedicated: string; askedPlane: string; limit: string;
  refusedIf?: readonly string[];
}): string {
  const r = x.registration;
  const refused = [
    `${r}.status = 'draining'`, x.runsDedicated, `${r}.claim_seq <> ${x.snapshotSeq} + 1`, `${r}.data_plane_id <> ${x.askedPlane}`,
    ...(x.refusedIf ?? []),
  ];
  return `CASE WHEN ${refused.join(' OR ')} THEN 0 ELSE greatest(least(${x.limit}, ${r}.slots - ${x.running}), 0) END`;
}

/** Whether an executor asking for `types` (empty = any) and idle or not (`idle`) may take job `alias`: a dedicated job only when idle. */
export function takesSql(alias: string, types: string, idle: string): string {
  return `(cardinality(${types}) = 0 OR ${alias}.type = ANY(${types})) AND (${idle} OR ${alias}.execution_cluster = 'shared')`;
}

/**
 * Claimable, from the table: the claim's from-states, where a terminal one (`failed`) counts only with an automatic
 * retry due and attempts left. Written with literal states, in the shape of the `jobs_claimable` partial index
 * (migration 0005), so that the planner can prove the index applies, also in a generic prepared plan.
 */
export function claimableSql(alias: string): string {
  const waiting = TRANSITIONS.claim.from.filter((s) => !TERMINAL_STATES.includes(s));
  const retrying = TRANSITIONS.claim.from.filter((s) => TERMINAL_STATES.includes(s));
  const a = (c: string) => `${alias}.${c}`;
  const anyOf = (states: readonly string[]) => states.map((s) => `${a('state')} = '${s}'`);
  return `(${[
    ...anyOf(waiting),
    ...anyOf(retrying).map((c) => `(${c} AND ${a('retry_at')} IS NOT NULL AND ${a('retry_at')} <= ${NOW} AND ${a('attempt')} < ${a('max_attempts')})`),
  ].join(' OR ')})`;
}
