import type { Actor, Failure, Job } from '../core/job.js';
import { decide, TRANSITIONS, type JobAction, type JobState } from '../core/job-states.js';
import type { Queryable } from './db/types.js';
import { retryAtSql, type RetryPolicy } from './retry-policy.js';
import { jobColumns, scopeCondition, toJob, type JobRow, type JobScope } from './job-columns.js';

/**
 * Every state change is ONE conditional statement: an UPDATE whose WHERE requires an allowed state (and, for fenced
 * actions, the caller's lease), and a job_events insert fed by its RETURNING. In READ COMMITTED an UPDATE that had
 * to wait for a concurrent writer re-checks its WHERE on the row's latest version, so the condition always judges
 * the committed state. The UPDATE records the state it left in `previous_state` (SET sees the old row), which the
 * event row needs. No read-modify-write in JavaScript: 100 concurrent `run`s leave exactly one executor and one event.
 */

export type TransitionResult =
  | { outcome: 'applied'; job: Job; from: JobState }
  | { outcome: 'noop' | 'conflict' | 'stale'; job: Job }
  | { outcome: 'not_found' };

export interface Fence {
  executor: string;
  attempt: number;
}

interface TransitionSpec {
  action: JobAction;
  jobId: string;
  scope: JobScope;
  actor: Actor;
  /** Builds the SET clause; `p(value)` appends a parameter and returns its placeholder. `j` is the job row. */
  set: (p: (value: unknown) => string) => string;
  fence?: Fence | undefined;
  /** Allowed "from" states; defaults to the core table's. */
  from?: readonly JobState[];
  /** SQL for the event's action name (a CASE when one statement covers two actions, like fail). */
  eventAction?: (p: (value: unknown) => string) => string;
  /** Heartbeats extend the lease without a state change and write no event. */
  recordEvent?: boolean;
}

export async function applyTransition(db: Queryable, spec: TransitionSpec): Promise<TransitionResult> {
  const values: unknown[] = [spec.jobId];
  const p = (value: unknown) => {
    values.push(value);
    return `$${values.length}`;
  };
  const scopeSql = scopeCondition('j', spec.scope, values);
  const from = spec.from ?? TRANSITIONS[spec.action].from;
  const guards = [`j.state = ANY(${p(from)}::text[])`];
  if (spec.fence) {
    guards.push(`j.executor = ${p(spec.fence.executor)}`, `j.attempt = ${p(spec.fence.attempt)}`);
  }
  const setSql = spec.set(p);
  const eventSql = spec.recordEvent === false
    ? ''
    : `, ev AS (
         INSERT INTO job_events (job_id, action, from_state, to_state, attempt, executor, actor)
         SELECT job_id, ${spec.eventAction ? spec.eventAction(p) : p(spec.action)}, previous_state, state, attempt,
                executor, ${p(JSON.stringify(spec.actor))}::jsonb
           FROM upd
       )`;
  const rows = await db.query<JobRow & { from_state: JobState }>(
    `WITH upd AS (
       UPDATE jobs j SET ${setSql}, previous_state = j.state, updated_at = now()
        WHERE j.job_id = $1 AND ${scopeSql} AND ${guards.join(' AND ')}
       RETURNING j.*
     )${eventSql}
     SELECT ${jobColumns('upd')}, upd.previous_state AS from_state FROM upd`,
    values,
  );
  const row = rows[0];
  if (row) {
    const { from_state, ...job } = row;
    return { outcome: 'applied', job: toJob(job), from: from_state };
  }
  return explainMiss(db, spec);
}

/** The conditional update matched nothing: say why, from a fresh read (a valid linearization point). */
async function explainMiss(db: Queryable, spec: TransitionSpec): Promise<TransitionResult> {
  const values: unknown[] = [spec.jobId];
  const rows = await db.query<JobRow>(
    `SELECT ${jobColumns('j')} FROM jobs j WHERE j.job_id = $1 AND ${scopeCondition('j', spec.scope, values)}`,
    values,
  );
  if (!rows[0]) return { outcome: 'not_found' };
  const job = toJob(rows[0]);
  if (spec.fence && (job.executor !== spec.fence.executor || job.attempt !== spec.fence.attempt)) {
    return { outcome: 'stale', job };
  }
  const from = spec.from ?? TRANSITIONS[spec.action].from;
  if (spec.fence && !from.includes(job.state)) return { outcome: 'stale', job };
  const outcome = decide(spec.action, job.state);
  // The job moved into an allowed state between the two statements: report a conflict so the caller retries.
  return { outcome: outcome === 'apply' ? 'conflict' : outcome, job };
}

const LEASE = (p: (v: unknown) => string, leaseMs: number) => `now() + ${p(leaseMs)} * interval '1 millisecond'`;

/** The SET clause of `run`, shared by the one-job statement and the batched one (src/store/job-run-batch.ts). */
export function runSetClause(executorSql: string, leaseMsSql: string): string {
  return `state = 'running', executor = ${executorSql}, attempt = j.attempt + 1, dequeued_at = now(),
      lease_expires_at = now() + ${leaseMsSql} * interval '1 millisecond', ended_at = NULL, retry_at = NULL,
      cancel_requested_at = NULL`;
}

export function jobRun(db: Queryable, jobId: string, scope: JobScope, executor: string, leaseMs: number, actor: Actor) {
  return applyTransition(db, {
    action: 'run', jobId, scope, actor,
    set: (p) => runSetClause(p(executor), p(leaseMs)),
  });
}

export function jobReschedule(db: Queryable, jobId: string, scope: JobScope, force: boolean, actor: Actor) {
  return applyTransition(db, {
    action: force ? 'reschedule_forced' : 'reschedule', jobId, scope, actor,
    // The attempt counter is kept: it is the fencing token, and the old executor's lease must stay stale.
    set: () => `state = 'pending', executor = NULL, lease_expires_at = NULL, dequeued_at = NULL, ended_at = NULL,
      retry_at = NULL, result = NULL, cancel_requested_at = NULL`,
  });
}

export function jobRequestCancellation(db: Queryable, jobId: string, scope: JobScope, actor: Actor) {
  return applyTransition(db, {
    action: 'request_cancellation', jobId, scope, actor,
    set: () => `state = 'pending_cancellation', cancel_requested_at = now()`,
  });
}

/** Finalizes a requested cancellation. With a fence, only the executor holding the lease may do it. */
export function jobCancel(db: Queryable, jobId: string, scope: JobScope, actor: Actor, fence?: Fence) {
  return applyTransition(db, {
    action: 'cancel', jobId, scope, actor, fence,
    set: () => `state = 'cancelled', ended_at = now(), lease_expires_at = NULL, retry_at = NULL`,
  });
}

export function jobHeartbeat(
  db: Queryable, jobId: string, scope: JobScope, fence: Fence, leaseMs: number, progress: unknown, actor: Actor,
) {
  return applyTransition(db, {
    action: 'heartbeat', jobId, scope, actor, fence, recordEvent: false,
    set: (p) => `lease_expires_at = ${LEASE(p, leaseMs)}` +
      (progress === undefined ? '' : `, progress = ${p(JSON.stringify(progress))}::jsonb`),
  });
}

export function jobComplete(
  db: Queryable, jobId: string, scope: JobScope, fence: Fence, result: Record<string, unknown>, actor: Actor,
) {
  return applyTransition(db, {
    action: 'complete', jobId, scope, actor, fence,
    set: (p) => `state = 'completed', result = ${p(JSON.stringify(result))}::jsonb, ended_at = now(),
      lease_expires_at = NULL, retry_at = NULL`,
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
 * are left); from `pending_cancellation` it becomes `cancelled`, since nobody wants a retry of a cancelled job.
 */
export function jobFail(db: Queryable, jobId: string, scope: JobScope, fence: Fence, opts: FailOptions, actor: Actor) {
  return applyTransition(db, {
    action: 'fail', jobId, scope, actor, fence,
    from: [...TRANSITIONS.fail.from, ...TRANSITIONS.fail_cancelled.from],
    set: (p) => `state = CASE WHEN j.state = 'pending_cancellation' THEN 'cancelled' ELSE 'failed' END,
      failures = j.failures || jsonb_build_array(${p(JSON.stringify(opts.failure))}::jsonb),
      ended_at = now(), lease_expires_at = NULL,
      retry_at = CASE WHEN j.state = 'running' AND ${p(opts.retryable)}::boolean AND j.attempt < j.max_attempts
                      THEN ${retryAtSql(p, opts.retry, 'j.attempt')} END`,
    eventAction: () => `CASE WHEN previous_state = 'pending_cancellation' THEN 'fail_cancelled' ELSE 'fail' END`,
  });
}
