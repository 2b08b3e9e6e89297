import type { Actor, Failure, JobInput } from '../core/job.js';
import type { JobState } from '../core/job-states.js';
import type { Queryable } from './db/types.js';
import type { EffectArgs } from './job-effects.js';
import { retryArgs } from './job-effects.js';
import { jobColumns, toJob, type JobRow, type JobScope } from './job-columns.js';
import { transitionSql, type TransitionAction } from './job-transition-sql.js';
import { runExecutorCondition, type Fence, type TransitionResult } from './job-transitions.js';
import type { RetryPolicy } from './retry-policy.js';
import { SqlParams, unnestParams } from './sql-params.js';

/**
 * Transitions of several jobs in ONE statement, for group commit (src/api/group-commit.ts): the same builder and the
 * same conditional UPDATE as the one-job statements of job-transitions.ts, joined to the requests (an `unnest` of
 * one array per field), each job decided on its own row with its caller's scope, lease and actor, and one event row
 * each. The batch only shares the round trip, the statement's overhead and the commit (one WAL flush for all).
 *
 * Each returns, per request (same order), the applied transition, or undefined when its job did not match (not
 * found, not visible to that caller, wrong state, stale lease): the caller explains those one by one with the
 * one-job statement. Job ids must be distinct within a batch.
 */

interface BatchRequest {
  jobId: string;
  scope: JobScope;
  actor: Actor;
}

interface Column<R> {
  name: string;
  type: string;
  value(request: R): unknown;
}

/** `req AS (SELECT * FROM unnest($1::uuid[], ...) WITH ORDINALITY AS r(job_id, ..., n))`. */
function requestRows<R extends BatchRequest>(q: SqlParams, requests: readonly R[], extra: ReadonlyArray<Column<R>>): string {
  const columns: Array<Column<R>> = [
    { name: 'job_id', type: 'uuid', value: (r) => r.jobId },
    { name: 'company_id', type: 'bigint', value: (r) => r.scope.companyId ?? null },
    { name: 'data_plane_id', type: 'uuid', value: (r) => r.scope.dataPlaneId ?? null },
    { name: 'actor', type: 'text', value: (r) => JSON.stringify(r.actor) },
    ...extra,
  ];
  const arrays = columns.map((c) => [q.p(requests.map((r) => c.value(r))), c.type] as const);
  return `req AS (
       SELECT * FROM ${unnestParams(arrays)} WITH ORDINALITY AS r(${columns.map((c) => c.name).join(', ')}, n)
     )`;
}

const FENCED = ['j.executor = req.executor', 'j.attempt = req.attempt'];
const fenceColumns = <R extends { fence: Fence }>(): Array<Column<R>> => [
  { name: 'executor', type: 'text', value: (r) => r.fence.executor },
  { name: 'attempt', type: 'int', value: (r) => r.fence.attempt },
];

async function applyMany<R extends BatchRequest>(
  db: Queryable, requests: readonly R[], spec: {
    actions: readonly TransitionAction[];
    columns: ReadonlyArray<Column<R>>;
    args: (q: SqlParams) => EffectArgs;
    where?: readonly string[];
  },
): Promise<Array<TransitionResult | undefined>> {
  if (requests.length === 0) return [];
  const q = new SqlParams();
  const req = requestRows(q, requests, spec.columns);
  const text = transitionSql({
    actions: spec.actions, args: spec.args(q), with: [req], from: 'req',
    where: [
      'j.job_id = req.job_id',
      '(req.company_id IS NULL OR j.company_id = req.company_id)',
      '(req.data_plane_id IS NULL OR j.data_plane_id = req.data_plane_id)',
      ...(spec.where ?? []),
    ],
    returning: ['req.actor AS req_actor', 'req.n AS req_n'], actor: () => 'req_actor::jsonb',
    select: `${jobColumns('upd')}, upd.previous_state AS from_state, upd.req_n::int AS req_n`,
  });
  const rows = await db.query<JobRow & { from_state: JobState; req_n: number }>(text, q.values);
  const out: Array<TransitionResult | undefined> = new Array(requests.length).fill(undefined);
  for (const row of rows) {
    const { from_state, req_n, ...job } = row;
    out[req_n - 1] = { outcome: 'applied', job: toJob(job), from: from_state };
  }
  return out;
}

export interface RunRequest extends BatchRequest {
  executor: string;
}

export function jobRunMany(db: Queryable, requests: readonly RunRequest[], leaseMs: number) {
  return applyMany(db, requests, {
    actions: ['run'],
    columns: [{ name: 'executor', type: 'text', value: (r) => r.executor }],
    args: (q) => ({ executor: 'req.executor', leaseMs: q.p(leaseMs) }),
    where: [runExecutorCondition('req.executor')],
  });
}

export interface CompleteRequest extends BatchRequest {
  fence: Fence;
  result: Record<string, unknown>;
  /** The snapshots the plane bound (lineage); absent keeps the job's inputs. */
  inputs?: JobInput[] | undefined;
}

export function jobCompleteMany(db: Queryable, requests: readonly CompleteRequest[]) {
  return applyMany(db, requests, {
    actions: ['complete'],
    columns: [
      ...fenceColumns<CompleteRequest>(),
      { name: 'result', type: 'text', value: (r) => JSON.stringify(r.result) },
      { name: 'inputs', type: 'text', value: (r) => (r.inputs === undefined ? null : JSON.stringify(r.inputs)) },
    ],
    args: () => ({ result: 'req.result::jsonb', inputs: 'coalesce(req.inputs::jsonb, j.inputs)' }),
    where: FENCED,
  });
}

export interface FailRequest extends BatchRequest {
  fence: Fence;
  failure: Failure;
  retryable: boolean;
}

/** fail, or fail_cancelled for a job whose cancellation was requested (it ends cancelled). */
export function jobFailMany(db: Queryable, requests: readonly FailRequest[], retry: RetryPolicy) {
  return applyMany(db, requests, {
    actions: ['fail', 'fail_cancelled'],
    columns: [
      ...fenceColumns<FailRequest>(),
      { name: 'failure', type: 'text', value: (r) => JSON.stringify(r.failure) },
      { name: 'retryable', type: 'boolean', value: (r) => r.retryable },
    ],
    args: (q) => ({ failure: 'req.failure::jsonb', retryable: 'req.retryable', retry: retryArgs(q.p, retry) }),
    where: FENCED,
  });
}

export interface HeartbeatRequest extends BatchRequest {
  fence: Fence;
  /** Absent keeps the job's last progress. */
  progress?: unknown;
}

export function jobHeartbeatMany(db: Queryable, requests: readonly HeartbeatRequest[], leaseMs: number) {
  return applyMany(db, requests, {
    actions: ['heartbeat'],
    columns: [
      ...fenceColumns<HeartbeatRequest>(),
      { name: 'progress', type: 'text', value: (r) => (r.progress === undefined ? null : JSON.stringify(r.progress)) },
    ],
    args: (q) => ({ leaseMs: q.p(leaseMs), progress: 'coalesce(req.progress::jsonb, j.progress)' }),
    where: FENCED,
  });
}

export interface ReuseRequest extends BatchRequest {
  result: Record<string, unknown>;
}

/** A batch of new view refreshes completed at once with the snapshot they reuse (src/store/view-refresh.ts). */
export function jobReuseMany(db: Queryable, requests: readonly ReuseRequest[]) {
  return applyMany(db, requests, {
    actions: ['reuse'],
    columns: [{ name: 'result', type: 'text', value: (r) => JSON.stringify(r.result) }],
    args: () => ({ result: 'req.result::jsonb' }),
  });
}
