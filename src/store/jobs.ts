import { randomUUID } from 'node:crypto';
import type { Actor, Job, JobInput, RequestSource } from '../core/job.js';
import type { JobState } from '../core/job-states.js';
import { DomainError } from '../core/errors.js';
import type { Queryable } from './db/types.js';
import { jobColumns, scopeCondition, toJob, ts, type JobRow, type JobScope } from './job-columns.js';
import { EVENT_JOB_SNAPSHOT, eventInsertSql } from './job-transition-sql.js';

export interface NewJob {
  companyId: number;
  dataPlaneId: string;
  computePoolId: string | null;
  executionCluster: 'dedicated' | 'shared';
  requestSource: RequestSource;
  type: string;
  input: Record<string, unknown>;
  /** The datasets the job reads (snapshot ids null unless pinned); see Job.inputs. */
  inputs: JobInput[];
  idempotencyKey?: string | undefined;
  maxAttempts: number;
  priority: number;
}

export interface CreateJobResult {
  job: Job;
  /** false when the idempotency key matched an existing job, which is returned instead. */
  created: boolean;
}

/** A job to create with the actor that creates it (jobCreateMany). */
export interface JobToCreate {
  job: NewJob;
  actor: Actor;
}

/** The request columns of a create, one array each (`unnest`), in INSERT order; `r_actor` is only for the event. */
const CREATE_COLUMNS: ReadonlyArray<[column: string, type: string, value: (c: JobToCreate, id: string) => unknown]> = [
  ['job_id', 'uuid', (_c, id) => id],
  ['company_id', 'bigint', (c) => c.job.companyId],
  ['data_plane_id', 'uuid', (c) => c.job.dataPlaneId],
  ['compute_pool_id', 'uuid', (c) => c.job.computePoolId],
  ['execution_cluster', 'text', (c) => c.job.executionCluster],
  ['request_source', 'jsonb', (c) => JSON.stringify(c.job.requestSource)],
  ['type', 'text', (c) => c.job.type],
  ['input', 'jsonb', (c) => JSON.stringify(c.job.input)],
  // Copied from input.dataset_id so that the list filter and a view's in-flight check can use an index.
  ['dataset_id', 'bigint', (c) => (typeof c.job.input['dataset_id'] === 'number' ? c.job.input['dataset_id'] : null)],
  ['idempotency_key', 'text', (c) => c.job.idempotencyKey ?? randomUUID()],
  ['max_attempts', 'int', (c) => c.job.maxAttempts],
  ['priority', 'int', (c) => c.job.priority],
  ['inputs', 'jsonb', (c) => JSON.stringify(c.job.inputs)],
];

/** The create statement, the same text for any number of jobs (built once: it is on POST /jobs' path). */
const CREATE_SQL = (() => {
  const names = CREATE_COLUMNS.map(([c]) => c).join(', ');
  // jsonb arrays travel as text[] (the driver sends a JS array of strings) and are cast per element.
  const arrays = CREATE_COLUMNS.map(([, type], i) => `$${i + 1}::${type === 'jsonb' ? 'text' : type}[]`);
  const selects = CREATE_COLUMNS.map(([column, type]) => (type === 'jsonb' ? `${column}::jsonb` : column));
  return `WITH req AS (
       SELECT * FROM unnest(${arrays.join(', ')}, $${arrays.length + 1}::text[]) AS r(${names}, r_actor)
     ), ins AS (
       INSERT INTO jobs AS j (${names})
       SELECT ${selects.join(', ')} FROM req
       ON CONFLICT (company_id, idempotency_key) DO NOTHING
       RETURNING j.*, ${EVENT_JOB_SNAPSHOT}
     ), ev AS (${eventInsertSql('ins JOIN req USING (job_id)', 'ins', "'create'", 'req.r_actor::jsonb')})
     SELECT ${jobColumns('ins')} FROM ins`;
})();

/**
 * Creates jobs and their `create` events in ONE statement: a view scheduler's batch of refreshes, or a single
 * create (jobCreate). Per request (same order) the created job, or undefined when its idempotency key was used
 * already (by an earlier job or an earlier request of the same batch): jobCreate says what that means.
 */
export async function jobCreateMany(db: Queryable, creates: readonly JobToCreate[]): Promise<Array<Job | undefined>> {
  if (creates.length === 0) return [];
  const ids = creates.map(() => randomUUID());
  const values = CREATE_COLUMNS.map(([, , value]) => creates.map((c, i) => value(c, ids[i]!)));
  values.push(creates.map((c) => JSON.stringify(c.actor)));
  const rows = await db.query<JobRow>(CREATE_SQL, values);
  const byId = new Map(rows.map((r) => [r.job_id, toJob(r)]));
  return ids.map((id) => byId.get(id));
}

/**
 * Creates a job and its `create` event in one statement. A repeated idempotency key returns the first job; the
 * same key with a different type or input is a conflict (it would otherwise silently drop the second request).
 */
export async function jobCreate(db: Queryable, job: NewJob, actor: Actor): Promise<CreateJobResult> {
  const [created] = await jobCreateMany(db, [{ job, actor }]);
  if (created) return { job: created, created: true };
  const existing = await jobFindByIdempotencyKey(db, job.companyId, job.idempotencyKey!);
  if (!existing) throw new DomainError('conflict', 'the job could not be created; retry the request');
  if (existing.type !== job.type || !sameJson(existing.input, job.input)) {
    throw new DomainError(
      'conflict',
      `idempotency_key "${job.idempotencyKey}" was already used for job ${existing.job_id} with a different type or input`,
      { job_id: existing.job_id },
    );
  }
  return { job: existing, created: false };
}

/** The job a company created with `key`, if any: how a repeated create finds the first one. */
export async function jobFindByIdempotencyKey(db: Queryable, companyId: number, key: string): Promise<Job | undefined> {
  const rows = await db.query<JobRow>(
    `SELECT ${jobColumns('j')} FROM jobs j WHERE j.company_id = $1 AND j.idempotency_key = $2`, [companyId, key],
  );
  return rows[0] ? toJob(rows[0]) : undefined;
}

/** jsonb equality as PostgreSQL sees it: key order does not matter. */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k)
    && sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

export async function jobGet(db: Queryable, jobId: string, scope: JobScope): Promise<Job | undefined> {
  const values: unknown[] = [jobId];
  const rows = await db.query<JobRow>(
    `SELECT ${jobColumns('j')} FROM jobs j WHERE j.job_id = $1 AND ${scopeCondition('j', scope, values)}`,
    values,
  );
  return rows[0] ? toJob(rows[0]) : undefined;
}

export const JOB_ORDERS = ['created_at_asc', 'created_at_desc', 'updated_at_asc', 'updated_at_desc'] as const;
export type JobOrder = (typeof JOB_ORDERS)[number];

export interface JobListFilter {
  state?: JobState | undefined;
  type?: string | undefined;
  dataPlaneId?: string | undefined;
  datasetId?: number | undefined;
  /** Created at or after this instant (ISO 8601). */
  createdAfter?: string | undefined;
  /** Created before this instant (ISO 8601). */
  createdBefore?: string | undefined;
  orderBy: JobOrder;
  limit: number;
  offset: number;
  /**
   * How `total` is counted: `exact` (the default) counts every matching job; `estimated` counts exactly up to
   * `offset + exactCountLimit` jobs and beyond that takes PostgreSQL's estimate, so that its cost is bounded however
   * many jobs match (see jobList).
   */
  count?: JobCount | undefined;
  /** For `count: 'estimated'`: how many jobs past the offset are counted exactly (default EXACT_COUNT_LIMIT). */
  exactCountLimit?: number | undefined;
}

export const JOB_COUNTS = ['exact', 'estimated'] as const;
export type JobCount = (typeof JOB_COUNTS)[number];
/** With `count: 'estimated'`, totals up to the offset plus this many are exact. */
export const EXACT_COUNT_LIMIT = 10_000;

const ORDER_SQL: Record<JobOrder, string> = {
  // job_id breaks ties so that pages never overlap or skip rows created in the same microsecond.
  created_at_asc: 'j.created_at ASC, j.job_id ASC',
  created_at_desc: 'j.created_at DESC, j.job_id DESC',
  updated_at_asc: 'j.updated_at ASC, j.job_id ASC',
  updated_at_desc: 'j.updated_at DESC, j.job_id DESC',
};

/**
 * The list's statements: one page of the matching jobs, how many match (`total_records`), and, for an estimated
 * total, the count bounded at `n` rows and the planner's estimate. Every filter combination's count can be an
 * index-only scan: the jobs_counts index (migration 0009) holds the company and every filtered column but the
 * dataset (a selective filter, through jobs_list_dataset), and jobs_stats those without a time range in less space;
 * test/store/job-counts.test.ts checks that, and that the counts are exact.
 */
export function jobListStatements(scope: JobScope, filter: JobListFilter): {
  page: { text: string; values: unknown[] };
  count: { text: string; values: unknown[] };
  countUpTo: (n: number) => { text: string; values: unknown[] };
  estimate: { text: string; values: unknown[] };
} {
  const values: unknown[] = [];
  const where = [scopeCondition('j', scope, values)];
  const add = (sql: (p: string) => string, value: unknown) => {
    values.push(value);
    where.push(sql(`$${values.length}`));
  };
  if (filter.state !== undefined) add((p) => `j.state = ${p}`, filter.state);
  if (filter.type !== undefined) add((p) => `j.type = ${p}`, filter.type);
  if (filter.dataPlaneId !== undefined) add((p) => `j.data_plane_id = ${p}::uuid`, filter.dataPlaneId);
  if (filter.datasetId !== undefined) add((p) => `j.dataset_id = ${p}`, filter.datasetId);
  if (filter.createdAfter !== undefined) add((p) => `j.created_at >= ${p}::timestamptz`, filter.createdAfter);
  if (filter.createdBefore !== undefined) add((p) => `j.created_at < ${p}::timestamptz`, filter.createdBefore);
  const whereSql = where.join(' AND ');
  return {
    page: {
      text: `SELECT ${jobColumns('j')} FROM jobs j WHERE ${whereSql} ORDER BY ${ORDER_SQL[filter.orderBy]}
              LIMIT $${values.length + 1} OFFSET $${values.length + 2}`,
      values: [...values, filter.limit, filter.offset],
    },
    count: { text: `SELECT count(*)::int AS total FROM jobs j WHERE ${whereSql}`, values },
    countUpTo: (n) => ({
      text: `SELECT count(*)::int AS total FROM (SELECT 1 FROM jobs j WHERE ${whereSql} LIMIT $${values.length + 1}) s`,
      values: [...values, n],
    }),
    estimate: { text: `EXPLAIN (FORMAT JSON) SELECT 1 FROM jobs j WHERE ${whereSql}`, values },
  };
}

/**
 * One page of jobs and how many match. An exact count reads an index entry per matching job: at 100,000 jobs that
 * is 10 to 30 ms of a database's CPU for every page load, filter change and live refresh of a dashboard. With
 * `count: 'estimated'` it reads at most `offset + exactCountLimit + 1` of them: up to that the total is exact (so
 * it is on every page near the end of the list, and whenever fewer jobs match), and beyond it is the planner's
 * estimate of the matching rows (from the table's statistics: ANALYZE, which autovacuum runs), never less than
 * what was counted; `estimated` says which.
 */
export async function jobList(
  db: Queryable,
  scope: JobScope,
  filter: JobListFilter,
): Promise<{ records: Job[]; total: number; estimated: boolean }> {
  const statements = jobListStatements(scope, filter);
  const { page: pageSql, count: countSql } = statements;
  const bound = filter.count === 'estimated'
    ? filter.offset + (filter.exactCountLimit ?? EXACT_COUNT_LIMIT) + 1
    : undefined;
  const counted = bound === undefined ? countSql : statements.countUpTo(bound);
  const [page, count] = await Promise.all([
    db.query<JobRow>(pageSql.text, pageSql.values),
    db.query<{ total: number }>(counted.text, counted.values),
  ]);
  const records = page.map(toJob);
  const total = count[0]?.total ?? 0;
  if (bound === undefined || total < bound) return { records, total, estimated: false };
  const [plan] = await db.query<{ 'QUERY PLAN': unknown }>(statements.estimate.text, statements.estimate.values);
  return { records, total: Math.max(bound, planRows(plan?.['QUERY PLAN'])), estimated: true };
}

/** The planner's row estimate from EXPLAIN (FORMAT JSON) output (a JSON value, or its text). */
function planRows(plan: unknown): number {
  type Explained = Array<{ Plan?: { 'Plan Rows'?: number } }> | undefined;
  const parsed = (typeof plan === 'string' ? JSON.parse(plan) : plan) as Explained;
  return Math.round(parsed?.[0]?.Plan?.['Plan Rows'] ?? 0);
}

export interface JobEvent {
  id: number;
  job_id: string;
  action: string;
  from_state: JobState | null;
  to_state: JobState;
  attempt: number;
  executor: string | null;
  actor: Actor;
  at: string;
}

export async function jobEventsList(db: Queryable, jobId: string): Promise<JobEvent[]> {
  return db.query<JobEvent>(
    `SELECT id, job_id::text AS job_id, action, from_state, to_state, attempt, executor, actor,
            ${ts('at')} AS at
       FROM job_events WHERE job_id = $1 ORDER BY id`,
    [jobId],
  );
}

/** Which of `jobIds` are jobs of the company (for inputs that name jobs, such as a webhook's `job_ids`). */
export async function jobIdsOfCompany(db: Queryable, companyId: number, jobIds: readonly string[]): Promise<Set<string>> {
  if (jobIds.length === 0) return new Set();
  const rows = await db.query<{ job_id: string }>(
    'SELECT job_id::text AS job_id FROM jobs WHERE company_id = $1 AND job_id = ANY($2::uuid[])', [companyId, jobIds],
  );
  return new Set(rows.map((r) => r.job_id));
}
