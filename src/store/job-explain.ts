import { LEASED_STATES, type JobState } from '../core/job-states.js';
import type { Queryable } from './db/types.js';
import { scopeCondition, ts, type JobScope } from './job-columns.js';

/**
 * "Why isn't it running?": the server's answer for one job, computed from the same facts the claim reads.
 *
 * THE RULES HERE MIRROR THE CLAIM IN src/store/job-claims.ts (jobClaim); change them together. An executor takes a
 * job when:
 * - it is registered on the job's data plane (claims come from registered executors only);
 * - it is not draining, and does not run a dedicated job;
 * - it has a free slot (`slots` > its jobs in running/pending_cancellation);
 * - its `types` are empty (any type) or include the job's type;
 * - the job has no compute pool, or the executor's pool is the job's pool;
 * - a dedicated job: the executor runs nothing at all;
 * - a pool job: the pool has a free slot: fewer of its jobs in running/pending_cancellation than its
 *   max_concurrency (the claim takes a free row of compute_pool_slots; there is one row per unit of
 *   max_concurrency, held by exactly the pool's leased jobs, so the two counts are the same);
 * and the job is claimable: `pending`, or `failed` with `retry_at` passed and attempts left.
 * Candidates are taken highest priority first, then oldest (`jobs_ahead` counts the claimable jobs before it).
 * Two facts the claim cannot see are added because they explain a wait just as well: an executor whose heartbeat
 * is older than `silentMs` is not polling (it is reported as silent, not as a taker), and a claim request may narrow
 * `types` or name another pool than the registration; only the registration is visible here.
 */

export const EXPLAIN_CODES = [
  'waiting_for_claim', 'no_executor_for_plane', 'no_executor_for_type', 'no_executor_for_pool', 'pool_at_limit',
  'dedicated_waiting_for_idle_executor', 'retry_not_due', 'executors_draining', 'executors_silent', 'executors_busy',
  'running', 'cancellation_requested', 'terminal',
] as const;
export type ExplainCode = (typeof EXPLAIN_CODES)[number];

export interface ExplainReason {
  code: ExplainCode;
  message: string;
  details?: Record<string, unknown>;
}

/** What one executor of the plane would do with the job now, in the claim's terms. */
export const EXECUTOR_VERDICTS = [
  'can_claim', 'wrong_type', 'wrong_pool', 'draining', 'silent', 'runs_dedicated_job', 'not_idle', 'slots_full',
] as const;
export type ExecutorVerdict = (typeof EXECUTOR_VERDICTS)[number];

export interface ExplainedExecutor {
  id: string;
  name: string | null;
  status: 'active' | 'draining';
  types: string[];
  compute_pool_id: string | null;
  slots: number;
  running_jobs: number;
  last_heartbeat_at: string;
  verdict: ExecutorVerdict;
}

export interface JobExplanation {
  job_id: string;
  state: JobState;
  /** True when an executor may claim it right now (it waits only for the next claim, behind `jobs_ahead`). */
  runnable: boolean;
  reasons: ExplainReason[];
  /** The plane's executors and their verdicts (evaluated only for a claimable or retry-waiting job). */
  executors: ExplainedExecutor[];
}

interface JobFacts {
  job_id: string;
  state: JobState;
  type: string;
  data_plane_id: string;
  compute_pool_id: string | null;
  execution_cluster: 'dedicated' | 'shared';
  executor: string | null;
  attempt: number;
  max_attempts: number;
  retry_at: string | null;
  retry_due: boolean | null;
  lease_expires_at: string | null;
}

interface ExecutorFacts extends Omit<ExplainedExecutor, 'verdict'> {
  silent: boolean;
  runs_dedicated: boolean;
}

interface PoolFacts {
  id: string;
  name: string;
  max_concurrency: number;
  running: number;
  free_slots: number;
}

export async function jobExplain(
  db: Queryable, jobId: string, scope: JobScope, opts: { silentMs: number },
): Promise<JobExplanation | undefined> {
  const values: unknown[] = [jobId];
  const [job] = await db.query<JobFacts>(
    `SELECT j.job_id::text AS job_id, j.state, j.type, j.data_plane_id::text AS data_plane_id,
            j.compute_pool_id::text AS compute_pool_id, j.execution_cluster, j.executor, j.attempt, j.max_attempts,
            ${ts('j.retry_at')} AS retry_at, j.retry_at <= statement_timestamp() AS retry_due,
            ${ts('j.lease_expires_at')} AS lease_expires_at
       FROM jobs j WHERE j.job_id = $1 AND ${scopeCondition('j', scope, values)}`,
    values,
  );
  if (!job) return undefined;
  const base = { job_id: job.job_id, state: job.state };

  if (job.state === 'completed' || job.state === 'cancelled') {
    return { ...base, runnable: false, executors: [], reasons: [{ code: 'terminal', message: `the job is ${job.state}; it will not run again unless rescheduled with force` }] };
  }
  if (job.state === 'running' || job.state === 'pending_cancellation') {
    return { ...base, runnable: false, executors: [], reasons: [await leasedReason(db, job, opts.silentMs)] };
  }
  const retryScheduled = job.retry_at !== null && job.attempt < job.max_attempts;
  if (job.state === 'failed' && !retryScheduled) {
    const why = job.attempt >= job.max_attempts
      ? `it failed on attempt ${job.attempt} of ${job.max_attempts}: no attempts are left`
      : 'it failed with an error that is not retried';
    return { ...base, runnable: false, executors: [], reasons: [{ code: 'terminal', message: `${why}; reschedule it to run it again`, details: { attempt: job.attempt, max_attempts: job.max_attempts } }] };
  }

  // Claimable now (pending, or failed with its retry due), or waiting for its retry: ask every executor.
  const reasons: ExplainReason[] = [];
  const retryNotDue = job.state === 'failed' && job.retry_due === false;
  if (retryNotDue) {
    reasons.push({
      code: 'retry_not_due',
      message: `attempt ${job.attempt} of ${job.max_attempts} failed; the next attempt may start at ${job.retry_at}`,
      details: { retry_at: job.retry_at, attempt: job.attempt, max_attempts: job.max_attempts },
    });
  }
  const [executors, pool, jobsAhead] = await Promise.all([
    planeExecutors(db, job.data_plane_id, opts.silentMs),
    job.compute_pool_id ? poolFacts(db, job.compute_pool_id) : Promise.resolve(undefined),
    jobsAheadOf(db, job.job_id),
  ]);
  const judged = executors.map((e) => ({ ...publicPart(e), verdict: verdictOf(job, e) }));
  const poolAtLimit = pool !== undefined && pool.free_slots <= 0;
  if (pool && poolAtLimit) {
    reasons.push({
      code: 'pool_at_limit',
      message: `compute pool "${pool.name}" runs ${pool.running} of at most ${pool.max_concurrency} jobs; the job waits for one of them to end`,
      details: { compute_pool_id: pool.id, name: pool.name, max_concurrency: pool.max_concurrency, running: pool.running, free_slots: pool.free_slots },
    });
  }
  reasons.push(...executorReasons(job, judged, executors.length));
  const takers = judged.filter((e) => e.verdict === 'can_claim');
  const runnable = takers.length > 0 && !poolAtLimit && !retryNotDue;
  if (runnable) {
    const free = takers.reduce((sum, e) => sum + Math.max(e.slots - e.running_jobs, 0), 0);
    const ahead = jobsAhead === 0 ? 'no claimable job is ahead of it' : `${jobsAhead} claimable job${jobsAhead === 1 ? ' is' : 's are'} ahead of it (higher priority or older)`;
    reasons.push({
      code: 'waiting_for_claim',
      message: `${takers.length} executor${takers.length === 1 ? '' : 's'} with ${free} free slot${free === 1 ? '' : 's'} can claim it at their next poll; ${ahead}`,
      details: { executors: takers.map((e) => e.id), free_slots: free, jobs_ahead: jobsAhead },
    });
  }
  return { ...base, runnable, reasons, executors: judged };
}

/** The claim's routing rules for one executor and one job, in the claim's own order (see the comment on top). */
function verdictOf(job: JobFacts, e: ExecutorFacts): ExecutorVerdict {
  if (e.types.length > 0 && !e.types.includes(job.type)) return 'wrong_type';
  if (job.compute_pool_id !== null && e.compute_pool_id !== job.compute_pool_id) return 'wrong_pool';
  if (e.status === 'draining') return 'draining';
  if (e.silent) return 'silent';
  if (e.runs_dedicated) return 'runs_dedicated_job';
  if (job.execution_cluster === 'dedicated' && e.running_jobs > 0) return 'not_idle';
  if (e.running_jobs >= e.slots) return 'slots_full';
  return 'can_claim';
}

/** Why no executor takes the job, from the verdicts of the executors that could ever take it. */
function executorReasons(job: JobFacts, judged: ExplainedExecutor[], registered: number): ExplainReason[] {
  if (registered === 0) {
    return [{ code: 'no_executor_for_plane', message: `no executor is registered on data plane ${job.data_plane_id}; start an operator for it`, details: { data_plane_id: job.data_plane_id } }];
  }
  const typed = judged.filter((e) => e.verdict !== 'wrong_type');
  if (typed.length === 0) {
    const served = [...new Set(judged.flatMap((e) => e.types))].sort();
    return [{
      code: 'no_executor_for_type',
      message: `${registered === 1 ? 'the plane\'s only executor does not run' : `none of the plane's ${registered} executors runs`} "${job.type}" jobs (${registered === 1 ? 'it runs' : 'they run'}: ${served.join(', ')})`,
      details: { type: job.type, types_served: served },
    }];
  }
  const candidates = typed.filter((e) => e.verdict !== 'wrong_pool');
  if (candidates.length === 0) {
    return [{
      code: 'no_executor_for_pool',
      message: `the job must run in compute pool ${job.compute_pool_id}, and no executor that runs "${job.type}" jobs is a member of it`,
      details: { compute_pool_id: job.compute_pool_id, executor_pools: [...new Set(typed.map((e) => e.compute_pool_id))] },
    }];
  }
  if (candidates.some((e) => e.verdict === 'can_claim')) return [];
  const of = (verdicts: ExecutorVerdict[]) => candidates.filter((e) => verdicts.includes(e.verdict));
  const count = (n: number) => (n === candidates.length ? `all ${n === 1 ? 'the' : n} executor${n === 1 ? '' : 's'} that could run it` : `${n} of the ${candidates.length} executors that could run it`);
  const out: ExplainReason[] = [];
  const draining = of(['draining']);
  if (draining.length > 0) {
    out.push({ code: 'executors_draining', message: `${count(draining.length)} ${draining.length === 1 ? 'is' : 'are'} draining and claim nothing more`, details: { executors: draining.map((e) => e.id) } });
  }
  const silent = of(['silent']);
  if (silent.length > 0) {
    out.push({
      code: 'executors_silent',
      message: `${count(silent.length)} stopped sending heartbeats (last at ${silent.map((e) => e.last_heartbeat_at).sort().at(-1)}); is the operator running?`,
      details: { executors: silent.map((e) => ({ id: e.id, last_heartbeat_at: e.last_heartbeat_at })) },
    });
  }
  const notIdle = of(['not_idle']);
  if (notIdle.length > 0) {
    out.push({
      code: 'dedicated_waiting_for_idle_executor',
      message: `the job is dedicated (it runs alone on an executor), and ${count(notIdle.length)} ${notIdle.length === 1 ? 'runs' : 'run'} other jobs; it waits until one is idle`,
      details: { executors: notIdle.map((e) => ({ id: e.id, running_jobs: e.running_jobs })) },
    });
  }
  const busy = of(['slots_full', 'runs_dedicated_job']);
  if (busy.length > 0) {
    out.push({
      code: 'executors_busy',
      message: `${count(busy.length)} ${busy.length === 1 ? 'has' : 'have'} no free slot${busy.some((e) => e.verdict === 'runs_dedicated_job') ? ' (or runs a dedicated job)' : ''}; it waits for a running job to end`,
      details: { executors: busy.map((e) => ({ id: e.id, running_jobs: e.running_jobs, slots: e.slots, runs_dedicated_job: e.verdict === 'runs_dedicated_job' })) },
    });
  }
  return out;
}

/** A leased job: who holds it, and whether that executor still shows signs of life. */
async function leasedReason(db: Queryable, job: JobFacts, silentMs: number): Promise<ExplainReason> {
  const [holder] = job.executor
    ? await db.query<{ silent: boolean; last_heartbeat_at: string }>(
      `SELECT e.last_heartbeat_at < statement_timestamp() - $2 * interval '1 millisecond' AS silent,
              ${ts('e.last_heartbeat_at')} AS last_heartbeat_at
         FROM executors e WHERE e.id = $1`,
      [job.executor, silentMs],
    )
    : [];
  const details = {
    executor: job.executor, attempt: job.attempt, lease_expires_at: job.lease_expires_at,
    executor_registered: holder !== undefined, executor_silent: holder?.silent ?? null,
  };
  const gone = job.executor && (!holder || holder.silent)
    ? `; its executor ${holder ? 'stopped sending heartbeats' : 'is no longer registered'}, so the lease runs out at ${job.lease_expires_at} and the attempt fails then`
    : '';
  if (job.state === 'running') {
    return { code: 'running', message: `running on ${job.executor} (attempt ${job.attempt} of ${job.max_attempts})${gone}`, details };
  }
  const waiting = job.executor
    ? `; waiting for ${job.executor} to stop it${gone}`
    : '; no executor holds it, so it ends cancelled at the next maintenance pass (or POST /jobs/{id}/cancel)';
  return { code: 'cancellation_requested', message: `cancellation was requested${waiting}`, details };
}

async function planeExecutors(db: Queryable, dataPlaneId: string, silentMs: number): Promise<ExecutorFacts[]> {
  return db.query<ExecutorFacts>(
    `SELECT e.id, e.name, e.status, e.types, e.compute_pool_id::text AS compute_pool_id, e.slots,
            l.running AS running_jobs, l.dedicated AS runs_dedicated, ${ts('e.last_heartbeat_at')} AS last_heartbeat_at,
            e.last_heartbeat_at < statement_timestamp() - $2 * interval '1 millisecond' AS silent
       FROM executors e
       CROSS JOIN LATERAL (
         SELECT count(*)::int AS running, coalesce(bool_or(j.execution_cluster = 'dedicated'), false) AS dedicated
           FROM jobs j WHERE j.executor = e.id AND j.state = ANY($3::text[])
       ) l
      WHERE e.data_plane_id = $1::uuid
      ORDER BY e.created_at, e.id`,
    [dataPlaneId, silentMs, LEASED_STATES],
  );
}

/** The pool's limit and how much of it its leased jobs use. */
async function poolFacts(db: Queryable, poolId: string): Promise<PoolFacts | undefined> {
  const [pool] = await db.query<Omit<PoolFacts, 'free_slots'>>(
    `SELECT p.id::text AS id, p.name, p.max_concurrency,
            (SELECT count(*)::int FROM jobs j WHERE j.compute_pool_id = p.id AND j.state = ANY($2::text[])) AS running
       FROM compute_pools p WHERE p.id = $1::uuid`,
    [poolId, LEASED_STATES],
  );
  return pool && { ...pool, free_slots: Math.max(pool.max_concurrency - pool.running, 0) };
}

/** Claimable jobs of the same plane that the claim's order (priority DESC, created_at, job_id) puts first. */
async function jobsAheadOf(db: Queryable, jobId: string): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n
       FROM jobs me, jobs j
      WHERE me.job_id = $1 AND j.data_plane_id = me.data_plane_id AND j.job_id <> me.job_id
        AND (j.state = 'pending' OR (j.state = 'failed' AND j.retry_at IS NOT NULL AND j.retry_at <= statement_timestamp()
                                     AND j.attempt < j.max_attempts))
        AND (j.priority > me.priority OR (j.priority = me.priority AND (j.created_at, j.job_id) < (me.created_at, me.job_id)))`,
    [jobId],
  );
  return row?.n ?? 0;
}

function publicPart(e: ExecutorFacts): Omit<ExplainedExecutor, 'verdict'> {
  return {
    id: e.id, name: e.name, status: e.status, types: e.types, compute_pool_id: e.compute_pool_id, slots: e.slots,
    running_jobs: e.running_jobs, last_heartbeat_at: e.last_heartbeat_at,
  };
}
