import type { Actor, Failure, Job, JobInput } from '../core/job.js';
import { decide, TRANSITIONS, type JobState } from '../core/job-states.js';
import type { Queryable } from './db/types.js';
import type { EffectArgs } from './job-effects.js';
import { retryArgs } from './job-effects.js';
import { transitionSql, type TransitionAction } from './job-transition-sql.js';
import { jobColumns, scopeCondition, toJob, type JobRow, type JobScope } from './job-columns.js';
import type { RetryPolicy } from './retry-policy.js';
import { SqlParams } from './sql-params.js';

/**
 * The transitions of one job, each ONE conditional statement built by transitionSql (job-transition-sql.ts):
 * an UPDATE whose WHERE requires an allowed state (and, for fenced actions, the caller's lease), with its event.
 * 100 concurrent `run`s leave exactly one executor and one event.
 */

export type TransitionResult =
  | { outcome: 'applied'; job: Job; from: JobState }
  | { outcome: 'noop' | 'conflict' | 'stale'; job: Job }
  | { outcome: 'not_found' }
  /** run: the executor named is registered on another data plane (see runExecutorCondition). */
  | { outcome: 'foreign_executor'; job: Job };

export interface Fence {
  executor: string;
  attempt: number;
}

interface OneJob {
  actions: readonly TransitionAction[];
  jobId: string;
  scope: JobScope;
  actor: Actor;
  fence?: Fence | undefined;
  args: (p: SqlParams['p']) => EffectArgs;
  /** Further conditions on the job row `j`. */
  where?: (p: SqlParams['p']) => string[];
}

/** Applies `actions` to one job (the first whose from-states hold the job's state), or explains the miss. */
export async function applyTransition(db: Queryable, t: OneJob): Promise<TransitionResult> {
  const q = new SqlParams();
  const where = [`j.job_id = ${q.p(t.jobId)}`, scopeCondition('j', t.scope, q.values)];
  if (t.fence) where.push(`j.executor = ${q.p(t.fence.executor)}`, `j.attempt = ${q.p(t.fence.attempt)}`);
  if (t.where) where.push(...t.where(q.p));
  const text = transitionSql({
    actions: t.actions, args: t.args(q.p), where, actor: () => `${q.p(JSON.stringify(t.actor))}::jsonb`,
    select: `${jobColumns('upd')}, upd.previous_state AS from_state`,
  });
  const rows = await db.query<JobRow & { from_state: JobState }>(text, q.values);
  const row = rows[0];
  if (row) {
    const { from_state, ...job } = row;
    return { outcome: 'applied', job: toJob(job), from: from_state };
  }
  return explainMiss(db, t);
}

/** The conditional update matched nothing: say why, from a fresh read (a valid linearization point). */
async function explainMiss(db: Queryable, t: OneJob): Promise<TransitionResult> {
  const values: unknown[] = [t.jobId];
  const rows = await db.query<JobRow>(
    `SELECT ${jobColumns('j')} FROM jobs j WHERE j.job_id = $1 AND ${scopeCondition('j', t.scope, values)}`,
    values,
  );
  if (!rows[0]) return { outcome: 'not_found' };
  const job = toJob(rows[0]);
  const from = t.actions.flatMap((a) => TRANSITIONS[a].from);
  if (t.fence && (job.executor !== t.fence.executor || job.attempt !== t.fence.attempt || !from.includes(job.state))) {
    return { outcome: 'stale', job };
  }
  const outcome = decide(t.actions[0]!, job.state);
  // The job moved into an allowed state between the two statements: report a conflict so the caller retries.
  return { outcome: outcome === 'apply' ? 'conflict' : outcome, job };
}

/**
 * `run` names its executor freely (the Run-a-job page's `executor` is any string), but a name registered with
 * POST /executors on another plane (of this company or another) is that executor's: assigning it a job here
 * would take one of its slots. Such a run matches nothing (the batch statement has the same condition).
 */
export const runExecutorCondition = (executor: string) =>
  `NOT EXISTS (SELECT 1 FROM executors e WHERE e.id = ${executor} AND e.data_plane_id <> j.data_plane_id)`;

export async function jobRun(db: Queryable, jobId: string, scope: JobScope, executor: string, leaseMs: number, actor: Actor): Promise<TransitionResult> {
  const result = await applyTransition(db, {
    actions: ['run'], jobId, scope, actor, args: (p) => ({ executor: p(executor), leaseMs: p(leaseMs) }),
    where: (p) => [runExecutorCondition(p(executor))],
  });
  if (result.outcome !== 'conflict') return result;
  const foreign = await db.query('SELECT 1 FROM executors WHERE id = $1 AND data_plane_id <> $2::uuid', [executor, result.job.data_plane_id]);
  return foreign.length > 0 ? { outcome: 'foreign_executor', job: result.job } : result;
}

export function jobReschedule(db: Queryable, jobId: string, scope: JobScope, force: boolean, actor: Actor) {
  return applyTransition(db, { actions: [force ? 'reschedule_forced' : 'reschedule'], jobId, scope, actor, args: () => ({}) });
}

export function jobRequestCancellation(db: Queryable, jobId: string, scope: JobScope, actor: Actor) {
  return applyTransition(db, { actions: ['request_cancellation'], jobId, scope, actor, args: () => ({}) });
}

/** Finalizes a requested cancellation. With a fence, only the executor holding the lease may do it. */
export function jobCancel(db: Queryable, jobId: string, scope: JobScope, actor: Actor, fence?: Fence) {
  return applyTransition(db, { actions: ['cancel'], jobId, scope, actor, fence, args: () => ({}) });
}

export function jobHeartbeat(
  db: Queryable, jobId: string, scope: JobScope, fence: Fence, leaseMs: number, progress: unknown, actor: Actor,
) {
  return applyTransition(db, {
    actions: ['heartbeat'], jobId, scope, actor, fence,
    args: (p) => ({
      leaseMs: p(leaseMs), ...(progress === undefined ? {} : { progress: `${p(JSON.stringify(progress))}::jsonb` }),
    }),
  });
}

/** `inputs`: the snapshots the plane bound (lineage); absent keeps the job's inputs as created. */
export function jobComplete(
  db: Queryable, jobId: string, scope: JobScope, fence: Fence, result: Record<string, unknown>, actor: Actor,
  inputs?: JobInput[],
) {
  return applyTransition(db, {
    actions: ['complete'], jobId, scope, actor, fence,
    args: (p) => ({
      result: `${p(JSON.stringify(result))}::jsonb`,
      ...(inputs === undefined ? {} : { inputs: `${p(JSON.stringify(inputs))}::jsonb` }),
    }),
  });
}

export interface FailOptions {
  failure: Failure;
  retryable: boolean;
  /** How long to wait before the next automatic attempt, when one is left. */
  retry: RetryPolicy;
}

/**
 * Records a failed attempt. From `running` the job becomes `failed` (with `retry_at` when retryable and attempts
 * are left); from `pending_cancellation` it becomes `cancelled` (fail_cancelled).
 */
export function jobFail(db: Queryable, jobId: string, scope: JobScope, fence: Fence, opts: FailOptions, actor: Actor) {
  return applyTransition(db, {
    actions: ['fail', 'fail_cancelled'], jobId, scope, actor, fence,
    args: (p) => ({
      failure: `${p(JSON.stringify(opts.failure))}::jsonb`, retryable: `${p(opts.retryable)}::boolean`,
      retry: retryArgs(p, opts.retry),
    }),
  });
}
