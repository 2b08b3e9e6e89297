import type { Actor, Job } from '../core/job.js';
import { TRANSITIONS, type JobState } from '../core/job-states.js';
import type { Queryable } from './db/types.js';
import { jobColumns, toJob, type JobRow, type JobScope } from './job-columns.js';
import { runSetClause } from './job-transitions.js';

export interface RunRequest {
  jobId: string;
  scope: JobScope;
  executor: string;
  actor: Actor;
}

export interface RunApplied {
  job: Job;
  from: JobState;
}

/**
 * `run` for several jobs in ONE statement: the same conditional UPDATE as `jobRun` (same SET clause, same allowed
 * "from" states, the caller's scope per job) joined to the requests, and one job_events row per updated job with
 * that request's actor. Each job's transition is decided on its own row exactly as in the one-job statement; the
 * batch only shares the round trip, the statement's overhead and the commit (one WAL flush for all of them).
 *
 * Returns, per request (same order), the applied transition, or undefined when its job did not match (not found,
 * not visible to that caller, or not in a runnable state): the caller explains those one by one with `jobRun`.
 * Job ids must be distinct within a batch.
 */
export async function jobRunMany(db: Queryable, requests: readonly RunRequest[], leaseMs: number): Promise<Array<RunApplied | undefined>> {
  if (requests.length === 0) return [];
  const rows = await db.query<JobRow & { from_state: JobState; req_n: number }>(
    `WITH req AS (
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::uuid[], $5::text[])
                WITH ORDINALITY AS r(job_id, executor, company_id, data_plane_id, actor, n)
     ), upd AS (
       UPDATE jobs j SET ${runSetClause('req.executor', '$6')}, previous_state = j.state, updated_at = now()
         FROM req
        WHERE j.job_id = req.job_id
          AND (req.company_id IS NULL OR j.company_id = req.company_id)
          AND (req.data_plane_id IS NULL OR j.data_plane_id = req.data_plane_id)
          AND j.state = ANY($7::text[])
       RETURNING j.*, req.actor AS req_actor, req.n AS req_n
     ), ev AS (
       INSERT INTO job_events (job_id, action, from_state, to_state, attempt, executor, actor)
       SELECT job_id, 'run', previous_state, state, attempt, executor, req_actor::jsonb FROM upd
     )
     SELECT ${jobColumns('upd')}, upd.previous_state AS from_state, upd.req_n::int AS req_n FROM upd`,
    [
      requests.map((r) => r.jobId),
      requests.map((r) => r.executor),
      requests.map((r) => r.scope.companyId ?? null),
      requests.map((r) => r.scope.dataPlaneId ?? null),
      requests.map((r) => JSON.stringify(r.actor)),
      leaseMs,
      TRANSITIONS.run.from,
    ],
  );
  const out: Array<RunApplied | undefined> = new Array(requests.length).fill(undefined);
  for (const row of rows) {
    const { from_state, req_n, ...job } = row;
    out[req_n - 1] = { job: toJob(job), from: from_state };
  }
  return out;
}
