import { Type } from 'typebox';
import { JOB_STATES } from '../../core/job-states.js';
import { EXECUTION_CLUSTER_TYPES } from '../../core/job.js';
import { BUILTIN_JOB_TYPE_IDS, JOB_TYPE_PATTERN } from '../../core/job-types.js';
import { EXACT_COUNT_LIMIT, JOB_COUNTS, JOB_ORDERS } from '../../store/jobs.js';
import { SnapshotManifest } from './datasets.js';
import { JsonObject, Nullable, NullableTimestamp, PageQuery, Timestamp, Uuid, StringEnum, Text } from './common.js';

export const JobStateSchema = StringEnum(JOB_STATES, {
  description: 'failed, cancelled, completed, pending, pending_cancellation, running',
});
/**
 * Job types are a registry (src/core/job-types.ts): the built-in ones with typed inputs, plus any the server is
 * configured with (`JOBPLANE_EXTRA_JOB_TYPES`). The schema checks the form; the route checks membership.
 */
export const JobTypeSchema = Text({
  minLength: 1, maxLength: 100, pattern: JOB_TYPE_PATTERN,
  description: `The type associated with the job: ${BUILTIN_JOB_TYPE_IDS.join(', ')} (or a type the server was configured with).`,
  examples: [...BUILTIN_JOB_TYPE_IDS],
});
export const ExecutionCluster = Type.Object(
  { type: StringEnum(EXECUTION_CLUSTER_TYPES) },
  {
    additionalProperties: false,
    description: 'dedicated: runs the job on a dedicated cluster; shared: runs the job on a shared cluster.',
  },
);

export const Failure = Type.Object(
  {
    message: Text(),
    timestamp: Text({ format: 'date-time' }),
    value: Type.Object({}, { additionalProperties: true, description: 'Diagnostics, e.g. the engine error.' }),
  },
  { additionalProperties: false, description: 'causes of job failure' },
);

export const RequestSource = Type.Object(
  {
    type: Text({ description: 'api_user or process' }),
    company_id: Type.Optional(Type.Integer()),
    user_id: Type.Optional(Nullable(Type.Integer())),
    name: Type.Optional(Text()),
  },
  { additionalProperties: true, examples: [{ type: 'api_user', company_id: 1, user_id: 1248 }] },
);

export const Job = Type.Object(
  {
    job_id: Uuid('Unique identifier for the job.'),
    company_id: Type.Integer(),
    data_plane_id: Uuid('The data plane the job runs on.'),
    compute_pool_id: Nullable(Uuid('The compute pool associated with the job, if any.')),
    execution_cluster: ExecutionCluster,
    request_source: RequestSource,
    state: JobStateSchema,
    type: JobTypeSchema,
    input: Type.Object({}, {
      additionalProperties: true,
      description: 'materialize-view: {nql, dataset_id, stats_enabled, compiled_sql}; nql-forecast: {nql, compiled_sql}',
    }),
    inputs: JobInputs('The datasets the job reads; snapshot_id is the snapshot it was bound to (lineage), once known.'),
    executor: Nullable(Text({ description: 'The internal job executor tied to the job.' })),
    failures: Type.Array(Failure),
    idempotency_key: Text({ description: 'The unique ID associated with the job.' }),
    result: Nullable(Type.Object({}, {
      additionalProperties: true,
      description: 'materialize-view: {dataset_id, snapshot_id, recalculation_id}; nql-forecast: {rows, cost, nql_type, type}',
    })),
    progress: Nullable(Type.Object({}, { additionalProperties: true, description: 'The latest progress the executor reported with a heartbeat.' })),
    priority: Type.Integer(),
    attempt: Type.Integer({ description: 'The fencing token of the current lease (1 for the first run).' }),
    max_attempts: Type.Integer(),
    lease_expires_at: NullableTimestamp('When the current lease ends unless the executor heartbeats.'),
    retry_at: NullableTimestamp('When a failed job becomes claimable again.'),
    cancel_requested_at: NullableTimestamp('When cancellation was requested.'),
    created_at: Timestamp('The timestamp representing when the job was created.'),
    updated_at: Timestamp('The timestamp representing when the job was updated.'),
    dequeued_at: NullableTimestamp('When the job started executing.'),
    ended_at: NullableTimestamp('The timestamp representing when the job finished.'),
  },
  { $id: 'Job', additionalProperties: false },
);

/** The datasets a job reads (Job.inputs). */
export function JobInputs(description: string) {
  return Type.Array(Type.Object({
    dataset_id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
    snapshot_id: Nullable(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })),
  }, { additionalProperties: false }), { maxItems: 100, description });
}

export const JobIdParams = Type.Object(
  { job_id: Uuid('Unique identifier for a job.') },
  { additionalProperties: false },
);

export const CreateJobBody = Type.Object(
  {
    type: JobTypeSchema,
    input: JsonObject({ description: 'Validated against the schema of `type`.' }),
    inputs: Type.Optional(JobInputs('The datasets the job\'s compiled SQL reads (relations ds_<id>): each must be a dataset of your company on the job\'s data plane. A snapshot_id pins that snapshot. The plane binds only these. Omitted: the datasets that input.nql names, when it parses.')),
    data_plane_id: Type.Optional(Uuid('Defaults to the company\'s default data plane.')),
    compute_pool_id: Type.Optional(Uuid()),
    execution_cluster: Type.Optional(ExecutionCluster),
    idempotency_key: Type.Optional(Text({ minLength: 1, maxLength: 255 })),
    max_attempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    priority: Type.Optional(Type.Integer({ minimum: -100, maximum: 100, description: 'Higher runs first.' })),
  },
  { additionalProperties: false },
);

export const RunBody = Type.Object(
  {
    executor: Text({
      minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9][A-Za-z0-9._:@/-]*$',
      description: 'Identifier of the executor that will run the job, e.g. job-executor-<uuid>.',
    }),
  },
  { additionalProperties: false, description: 'Assigns an executor to a pending or failed job and moves it to running.' },
);

export const RescheduleBody = Type.Object(
  { force: Type.Optional(Type.Boolean({ default: false, description: 'Also reschedule a terminal job.' })) },
  { additionalProperties: false },
);

export const RescheduleResponse = Type.Object(
  { outcome: StringEnum(['rescheduled', 'skipped_terminal']), job: Type.Ref('Job') },
  { additionalProperties: false },
);

export const ListJobsQuery = Type.Object(
  {
    state: Type.Optional(JobStateSchema),
    type: Type.Optional(JobTypeSchema),
    data_plane_id: Type.Optional(Uuid()),
    dataset_id: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })),
    created_after: Type.Optional(Text({ format: 'date-time', description: 'Only jobs created at or after this instant.' })),
    created_before: Type.Optional(Text({ format: 'date-time', description: 'Only jobs created before this instant.' })),
    order_by: Type.Optional(StringEnum(JOB_ORDERS, { default: 'created_at_desc' })),
    count: Type.Optional(StringEnum(JOB_COUNTS, {
      default: 'exact',
      description: `How total_records is counted. exact: every matching job. estimated: exactly up to the offset plus ${EXACT_COUNT_LIMIT.toLocaleString('en-US')} ` +
        'jobs (so on every page near the end of the list), beyond that the database\'s estimate, and ' +
        'total_records_estimated says which: a bounded cost however many jobs match (the dashboard asks for it).',
    })),
    ...PageQuery,
  },
  { additionalProperties: false },
);

export const JobList = Type.Object(
  {
    current_page: Type.Integer(),
    total_records: Type.Integer(),
    total_pages: Type.Integer(),
    total_records_estimated: Type.Optional(Type.Boolean({
      description: 'With count=estimated: whether total_records (and total_pages) is an estimate. Absent otherwise.',
    })),
    records: Type.Array(Type.Ref('Job')),
  },
  { additionalProperties: false },
);

export const JobEvent = Type.Object(
  {
    id: Type.Integer(),
    job_id: Uuid(),
    action: Text(),
    from_state: Nullable(JobStateSchema),
    to_state: JobStateSchema,
    attempt: Type.Integer(),
    executor: Nullable(Text()),
    actor: Type.Object({}, { additionalProperties: true }),
    at: Text({ format: 'date-time' }),
  },
  { additionalProperties: false },
);

/** The lease a job-driving executor presents: its id and the attempt it was given (the fencing token). */
const LeaseFields = {
  executor: RunBody.properties.executor,
  attempt: Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'The attempt the executor was given when it claimed the job.' }),
};

export const ClaimBody = Type.Object(
  {
    executor: RunBody.properties.executor,
    data_plane_id: Uuid('The plane whose jobs to claim (an operator token\'s own plane).'),
    types: Type.Optional(Type.Array(JobTypeSchema, { maxItems: 50, description: 'Only these types; default: the executor\'s registration, or any.' })),
    compute_pool_id: Type.Optional(Uuid('Claim as a member of this pool; default: the executor\'s registration.')),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 1 })),
    wait_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: 30_000, default: 0, description: 'Long-poll this long when nothing is claimable.' })),
  },
  { additionalProperties: false },
);

export const ClaimResponse = Type.Object({ records: Type.Array(Type.Ref('Job')) }, { additionalProperties: false });

export const HeartbeatBody = Type.Object(
  { ...LeaseFields, progress: Type.Optional(JsonObject({ description: 'Free-form progress, shown on the job.' })) },
  { additionalProperties: false },
);

export const HeartbeatResponse = Type.Object(
  {
    state: JobStateSchema,
    cancel_requested: Type.Boolean({ description: 'Cancellation was requested: stop, then call cancel with the lease.' }),
    lease_expires_at: Text({ format: 'date-time' }),
  },
  { additionalProperties: false },
);

export const CompleteBody = Type.Object(
  {
    ...LeaseFields,
    result: JsonObject({ description: 'Per type: see Job.result.' }),
    snapshot: Type.Optional(SnapshotManifest),
    column_stats: Type.Optional(Type.Object(
      { recalculation_id: Uuid(), snapshot_id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }), stats: JsonObject() },
      { additionalProperties: false, description: 'A datasets_calculate_column_stats run\'s statistics: stored with the completion.' },
    )),
    inputs: Type.Optional(JobInputs('The snapshot each input dataset was bound to (lineage): the same datasets as the job\'s inputs.')),
  },
  { additionalProperties: false, description: 'A materialize-view run sends its snapshot: it is committed with the job, atomically.' },
);

export const FailBody = Type.Object(
  {
    ...LeaseFields,
    failure: Type.Object(
      { message: Text({ minLength: 1, maxLength: 10_000 }), value: Type.Optional(JsonObject()) },
      { additionalProperties: false },
    ),
    retryable: Type.Optional(Type.Boolean({ default: true, description: 'false: do not retry (e.g. a SQL syntax error).' })),
  },
  { additionalProperties: false },
);

export const CancelBody = Type.Object(
  {
    executor: Type.Optional(LeaseFields.executor),
    attempt: Type.Optional(LeaseFields.attempt),
  },
  { additionalProperties: false, description: 'Empty for a user; an executor acknowledging a cancellation passes its lease.' },
);

/** Batches of executor writes: up to 100 items, each judged alone (its own lease), answered in request order. */
const JobIdField = Uuid('The job this item is for.');
const MAX_BATCH_ITEMS = 100;

export const CompleteBatchBody = Type.Object(
  { completions: Type.Array(Type.Object({ job_id: JobIdField, ...CompleteBody.properties }, { additionalProperties: false }), { minItems: 1, maxItems: MAX_BATCH_ITEMS }) },
  { additionalProperties: false },
);
export const FailBatchBody = Type.Object(
  { failures: Type.Array(Type.Object({ job_id: JobIdField, ...FailBody.properties }, { additionalProperties: false }), { minItems: 1, maxItems: MAX_BATCH_ITEMS }) },
  { additionalProperties: false },
);
export const HeartbeatBatchBody = Type.Object(
  { heartbeats: Type.Array(Type.Object({ job_id: JobIdField, ...HeartbeatBody.properties }, { additionalProperties: false }), { minItems: 1, maxItems: MAX_BATCH_ITEMS }) },
  { additionalProperties: false },
);

export const BATCH_ITEM_STATUSES = ['completed', 'failed', 'cancelled', 'running', 'pending_cancellation', 'stale_lease', 'not_found', 'conflict', 'invalid'] as const;

export const BatchResults = Type.Object(
  {
    results: Type.Array(Type.Object({
      job_id: Uuid(),
      status: StringEnum(BATCH_ITEM_STATUSES, {
        description: 'The job\'s state after the item was applied (completed, failed, cancelled; running or pending_cancellation for a heartbeat), or why it was refused: stale_lease, not_found, conflict (wrong state), invalid.',
      }),
      job: Type.Optional(Type.Ref('Job')),
      cancel_requested: Type.Optional(Type.Boolean()),
      lease_expires_at: Type.Optional(Text({ format: 'date-time' })),
      problem: Type.Optional(Type.Object({ code: Text(), detail: Text() }, { additionalProperties: false })),
    }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);
