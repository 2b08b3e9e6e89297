import { JOB_STATES, type JobState } from '../core/job-states.js';
import type { Queryable } from './db/types.js';
import { scopeCondition, ts, type JobScope } from './job-columns.js';

/** Optional narrowing of the statistics (the dashboard's plane and type filters). */
export interface JobStatsFilter {
  dataPlaneId?: string | undefined;
  type?: string | undefined;
}

export type StateCounts = Record<JobState, number>;

export interface JobStats {
  /** Jobs per state; every state is present (0 when none). */
  counts: StateCounts;
  /** Per job type, jobs per state (every state present). */
  by_type: Record<string, StateCounts>;
  total: number;
  /** Failed jobs that will be claimed again (retry scheduled, attempts left): part of `counts.failed`. */
  retry_scheduled: number;
}

/** The API's timestamp form (ISO 8601 UTC with microseconds), for a whole-millisecond instant. */
const isoMicros = (ms: number): string => new Date(ms).toISOString().replace('Z', '000Z');

const zeroCounts = (): StateCounts => Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as StateCounts;

/** The WHERE clause shared by the statistics: who may see the job, then the optional filters. */
function whereOf(alias: string, scope: JobScope, filter: JobStatsFilter, values: unknown[]): string {
  const where = [scopeCondition(alias, scope, values)];
  if (filter.dataPlaneId !== undefined) {
    values.push(filter.dataPlaneId);
    where.push(`${alias}.data_plane_id = $${values.length}::uuid`);
  }
  if (filter.type !== undefined) {
    values.push(filter.type);
    where.push(`${alias}.type = $${values.length}`);
  }
  return where.join(' AND ');
}

/**
 * Jobs by type and state, in one GROUP BY over the caller's jobs. The result has (types x states) rows at most; its
 * cost is one pass over the company's entries of the jobs_stats index (migration 0009), which the dashboard pays
 * once per refresh (bench/results/ui.md has the figure at 100,000 jobs).
 */
export async function jobStats(db: Queryable, scope: JobScope, filter: JobStatsFilter = {}): Promise<JobStats> {
  const values: unknown[] = [];
  const where = whereOf('j', scope, filter, values);
  // Two statements: the GROUP BY reads only (company_id, type, state, data_plane_id), which the jobs_stats index
  // holds, so it is an index-only scan; the retry count needs columns of the row and reads only the failed jobs.
  const [rows, retries] = await Promise.all([
    db.query<{ type: string; state: JobState; n: number }>(
      `SELECT j.type, j.state, count(*)::int AS n FROM jobs j WHERE ${where} GROUP BY j.type, j.state`,
      values,
    ),
    db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM jobs j
        WHERE ${where} AND j.state = 'failed' AND j.retry_at IS NOT NULL AND j.attempt < j.max_attempts`,
      values,
    ),
  ]);
  const stats: JobStats = { counts: zeroCounts(), by_type: {}, total: 0, retry_scheduled: retries[0]?.n ?? 0 };
  for (const r of rows) {
    stats.counts[r.state] += r.n;
    (stats.by_type[r.type] ??= zeroCounts())[r.state] += r.n;
    stats.total += r.n;
  }
  return stats;
}

export interface ThroughputBucket {
  /** The start of the minute (ISO 8601 UTC). */
  minute: string;
  /** Transitions that entered each state during the minute (every state present; `create` counts as pending). */
  counts: StateCounts;
  /** Jobs in `pending` at the end of the minute. */
  queue_depth: number;
}

export interface Throughput {
  minutes: number;
  /** Start of the first bucket and end of the last one (the end of the current minute). */
  from: string;
  to: string;
  buckets: ThroughputBucket[];
}

/**
 * Per-minute transitions of the caller's jobs over the last `minutes` minutes (the current one included), from
 * job_events, with the queue depth (jobs in `pending`) at the end of each minute.
 *
 * The depth is not sampled: it is today's pending count walked backwards through the events. Every event moves at
 * most one job into or out of `pending` (to_state = pending: +1, from_state = pending: -1), so the depth at the end
 * of minute m is the current depth minus the net inflow of every later minute. That is exact as long as the events
 * of the window exist: retention deletes a job's events only days after it finished, long after its last pending
 * move.
 */
export async function jobThroughput(
  db: Queryable, scope: JobScope, minutes: number, filter: JobStatsFilter = {},
): Promise<Throughput> {
  const values: unknown[] = [minutes];
  const where = whereOf('j', scope, filter, values);
  // One statement, so the pending count and the events are read in the same snapshot (on PostgreSQL, statement
  // level) and the walk back from "now" starts from a depth that matches the events.
  const rows = await db.query<{
    minute: string; state: JobState | null; n: number; inflow: number; first: string; last: string; pending_now: number;
  }>(
    `WITH bounds AS (
       SELECT date_trunc('minute', statement_timestamp()) - ($1::int - 1) * interval '1 minute' AS since,
              date_trunc('minute', statement_timestamp()) + interval '1 minute' AS until
     ), ev AS (
       SELECT date_trunc('minute', e.at) AS minute, e.to_state,
              count(*)::int AS n,
              (count(*) FILTER (WHERE e.to_state = 'pending') - count(*) FILTER (WHERE e.from_state = 'pending'))::int
                AS inflow
         FROM job_events e JOIN jobs j ON j.job_id = e.job_id, bounds b
        WHERE e.at >= b.since AND ${where}
        GROUP BY 1, 2
     )
     SELECT ${ts('ev.minute')} AS minute, ev.to_state AS state, ev.n, ev.inflow,
            ${ts('b.since')} AS first, ${ts('b.until')} AS last,
            (SELECT count(*)::int FROM jobs j WHERE j.state = 'pending' AND ${where}) AS pending_now
       FROM bounds b LEFT JOIN ev ON true`,
    values,
  );
  const head = rows[0]!;
  const start = Date.parse(head.first);
  const buckets: ThroughputBucket[] = [];
  for (let i = 0; i < minutes; i++) {
    buckets.push({ minute: isoMicros(start + i * 60_000), counts: zeroCounts(), queue_depth: 0 });
  }
  const inflow = new Array<number>(minutes).fill(0);
  for (const r of rows) {
    if (r.state === null) continue; // no events at all: the one row of the LEFT JOIN
    const i = Math.round((Date.parse(r.minute) - start) / 60_000);
    // An event stamped after the statement's timestamp (clock_timestamp() of a concurrent commit) belongs to the
    // current minute, and one before the window cannot appear; clamp instead of dropping what we counted.
    const bucket = buckets[Math.min(Math.max(i, 0), minutes - 1)]!;
    bucket.counts[r.state] += r.n;
    inflow[Math.min(Math.max(i, 0), minutes - 1)]! += r.inflow;
  }
  let depth = head.pending_now;
  for (let i = minutes - 1; i >= 0; i--) {
    buckets[i]!.queue_depth = Math.max(depth, 0);
    depth -= inflow[i]!;
  }
  return { minutes, from: head.first, to: head.last, buckets };
}
