import type { JobAction } from '../core/job-states.js';
import type { RetryPolicy } from './retry-policy.js';

/**
 * What each action writes besides the state, column by column: the one place that says what "run", "complete" or
 * "lease expiry" means for a job row. The transition builder (job-transition-sql.ts) takes the state change itself
 * from the table in src/core/job-states.ts and adds these columns to the SET clause; when one statement covers
 * several actions (fail and fail_cancelled, release and expire_cancellation), each column becomes a CASE on the
 * state the row is in. Values are SQL expressions over the row being updated (`j`) and the statement's arguments.
 */
export type Effects = Readonly<Record<string, string>>;

/** SQL expressions the effects take: placeholders ($n), or columns of a batch's request rows (`req.executor`). */
export interface EffectArgs {
  executor?: string;
  /** Lease length in milliseconds (run, claim, heartbeat). */
  leaseMs?: string;
  /** jsonb: the job's result (complete). */
  result?: string;
  /** jsonb: the snapshots the plane bound, replacing `inputs` (complete); absent = kept. */
  inputs?: string;
  /** jsonb: the failure appended to `failures` (fail, fail_cancelled). */
  failure?: string;
  /** boolean: whether a failure may be retried automatically. */
  retryable?: string;
  /** jsonb: the progress a heartbeat reports; absent = kept. */
  progress?: string;
  /** Backoff of automatic retries (fail, expire_lease). */
  retry?: { baseMs: string; maxMs: string };
}

/** One timestamp for a whole statement, also inside a transaction (now() would be the transaction's start). */
export const NOW = 'statement_timestamp()';

const need = (value: string | undefined, what: string, action: JobAction): string => {
  if (value === undefined) throw new Error(`transition ${action} needs ${what}`);
  return value;
};

const leaseUntil = (a: EffectArgs, action: JobAction) =>
  `${NOW} + ${need(a.leaseMs, 'leaseMs', action)} * interval '1 millisecond'`;

/**
 * Exponential backoff with jitter, computed from the row's own attempt: attempt n waits about base * 2^(n-1),
 * capped, times a random factor in [0.5, 1.5) so that jobs failed together by one outage do not all return at once.
 */
const retryAt = (a: EffectArgs, action: JobAction) => {
  const r = a.retry ?? (() => { throw new Error(`transition ${action} needs a retry policy`); })();
  return `${NOW} + least(${r.maxMs}::float8, ${r.baseMs}::float8 * power(2, greatest(j.attempt - 1, 0)))
    * (0.5 + random()) * interval '1 millisecond'`;
};

const appendFailure = (failure: string) => `j.failures || jsonb_build_array(${failure})`;

/** The lease an action gives: executor, next attempt (the fencing token), dequeued_at, lease end. */
const startAttempt = (action: JobAction) => (a: EffectArgs): Effects => ({
  executor: need(a.executor, 'executor', action),
  attempt: 'j.attempt + 1',
  dequeued_at: NOW,
  lease_expires_at: leaseUntil(a, action),
  ended_at: 'NULL',
  retry_at: 'NULL',
  cancel_requested_at: 'NULL',
});

/** Back on the queue. The attempt counter is kept: it is the fencing token, so the old lease stays stale. */
const requeue = (): Effects => ({
  executor: 'NULL', lease_expires_at: 'NULL', dequeued_at: 'NULL', ended_at: 'NULL', retry_at: 'NULL',
  result: 'NULL', cancel_requested_at: 'NULL',
});

export const EFFECTS: Readonly<Record<Exclude<JobAction, 'create'>, (a: EffectArgs) => Effects>> = {
  run: startAttempt('run'),
  claim: startAttempt('claim'),
  heartbeat: (a) => ({
    lease_expires_at: leaseUntil(a, 'heartbeat'),
    ...(a.progress === undefined ? {} : { progress: a.progress }),
  }),
  complete: (a) => ({
    result: need(a.result, 'result', 'complete'), ended_at: NOW, lease_expires_at: 'NULL', retry_at: 'NULL',
    ...(a.inputs === undefined ? {} : { inputs: a.inputs }),
  }),
  fail: (a) => ({
    failures: appendFailure(need(a.failure, 'failure', 'fail')), ended_at: NOW, lease_expires_at: 'NULL',
    retry_at: `CASE WHEN ${need(a.retryable, 'retryable', 'fail')} AND j.attempt < j.max_attempts THEN ${retryAt(a, 'fail')} END`,
  }),
  // Nobody wants a retry of a job whose cancellation was requested.
  fail_cancelled: (a) => ({
    failures: appendFailure(need(a.failure, 'failure', 'fail_cancelled')), ended_at: NOW, lease_expires_at: 'NULL',
    retry_at: 'NULL',
  }),
  request_cancellation: () => ({ cancel_requested_at: NOW }),
  reuse: (a) => ({ result: need(a.result, 'result', 'reuse'), ended_at: NOW, lease_expires_at: 'NULL', retry_at: 'NULL' }),
  cancel: () => ({ ended_at: NOW, lease_expires_at: 'NULL', retry_at: 'NULL' }),
  reschedule: requeue,
  reschedule_forced: requeue,
  release: () => ({ executor: 'NULL', lease_expires_at: 'NULL', dequeued_at: 'NULL' }),
  expire_lease: (a) => ({
    failures: appendFailure(`jsonb_build_object('message', 'lease expired',
      'timestamp', to_char(${NOW} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
      'value', jsonb_build_object('executor', j.executor, 'attempt', j.attempt))`),
    ended_at: NOW, lease_expires_at: 'NULL',
    retry_at: `CASE WHEN j.attempt < j.max_attempts THEN ${retryAt(a, 'expire_lease')} END`,
  }),
  expire_cancellation: () => ({ ended_at: NOW, lease_expires_at: 'NULL' }),
};

/** Effects args for a retry policy given as numbers. */
export function retryArgs(p: (v: unknown) => string, policy: RetryPolicy): EffectArgs['retry'] {
  return { baseMs: p(policy.baseMs), maxMs: p(policy.maxMs) };
}
