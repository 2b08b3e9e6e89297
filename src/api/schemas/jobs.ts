import { Type } from 'typebox';
import { JOB_STATES } from '../../core/job-states.js';
import { EXECUTION_CLUSTER_TYPES, JOB_TYPES } from '../../core/job.js';
import { JOB_ORDERS } from '../../store/jobs.js';
import { SnapshotManifest } from './datasets.js';
import { Nullable, NullableTimestamp, PageQuery, Timestamp, Uuid, StringEnum } from './common.js';

export const JobStateSchema = StringEnum(JOB_STATES, {
  description: 'failed, cancelled, completed, pending, pending_cancellation, running',
});
/**
 * Job types are a registry: the built-in ones (JOB_TYPES) with typed inputs, plus any the server is configured
 * with (`JOBPLANE_EXTRA_JOB_TYPES`). The schema checks the form; the route checks membership.
 */
export const JobTypeSchema = Type.String({
  minLength: 1, maxLength: 100, pattern: '^[a-z][a-z0-9_-]*$',
  description: `The type associated with the job: ${JOB_TYPES.join(' or ')} (or a type the server was configured with).`,
  examples: [...JOB_TYPES],
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
    message: Type.String(),
    timestamp: Type.String({ format: 'date-time' }),
    value: Type.Object({}, { additionalProperties: true, description: 'Diagnostics, e.g. the engine error.' }),
  },
  { additionalProperties: false, description: 'causes of job failure' },
);

export const RequestSource = Type.Object(
  {
    type: Type.String({ description: 'api_user or process' }),
    company_id: Type.Optional(Type.Integer()),
    user_id: Type.Optional(Nullable(Type.Integer())),
    name: Type.Optional(Type.String()),
  },
  { additionalProperties: true, examples: [{ type: 'api_user', company_id: 1, user_id: 1248 }] },
);

export const MaterializeViewInput = Type.Object(
  {
    nql: Type.String({ minLength: 1, maxLength: 1_000_000 }),
    dataset_id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
    stats_enabled: Type.Boolean(),
    compiled_sql: Type.String({ minLength: 1, maxLength: 1_000_000 }),
  },
  { additionalProperties: false, $id: 'MaterializeViewInput' },
);
export const NqlForecastInput = Type.Object(
  {
    nql: Type.String({ minLength: 1, maxLength: 1_000_000 }),
    compiled_sql: Type.String({ minLength: 1, maxLength: 1_000_000 }),
  },
  { additionalProperties: false, $id: 'NqlForecastInput' },
);

export const MaterializeViewResult = Type.Object(
  {
    dataset_id: Type.Integer(),
    snapshot_id: Type.Integer({ description: 'Below 2^53, so JSON clients never round it.' }),
    recalculation_id: Nullable(Type.String({ format: 'uuid' })),
  },
  { additionalProperties: true },
);
export const ForecastResult = Type.Object(
  {
    rows: Type.Integer(),
    cost: Type.Integer({ description: 'micro-cents USD' }),
    nql_type: Type.Literal('forecast'),
    type: Type.Literal('success'),
  },
  { additionalProperties: true },
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
    executor: Nullable(Type.String({ description: 'The internal job executor tied to the job.' })),
    failures: Type.Array(Failure),
    idempotency_key: Type.String({ description: 'The unique ID associated with the job.' }),
    result: Nullable(Type.Object({}, {
      additionalProperties: true,
      description: 'materialize-view: {dataset_id, snapshot_id, recalculation_id}; nql-forecast: {rows, cost, nql_type, type}',
    })),
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

export const JobIdParams = Type.Object(
  { job_id: Uuid('Unique identifier for a job.') },
  { additionalProperties: false },
);

export const CreateJobBody = Type.Object(
  {
    type: JobTypeSchema,
    input: Type.Object({}, { additionalProperties: true, description: 'Validated against the schema of `type`.' }),
    data_plane_id: Type.Optional(Uuid('Defaults to the company\'s default data plane.')),
    compute_pool_id: Type.Optional(Uuid()),
    execution_cluster: Type.Optional(ExecutionCluster),
    idempotency_key: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    max_attempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    priority: Type.Optional(Type.Integer({ minimum: -100, maximum: 100, description: 'Higher runs first.' })),
  },
  { additionalProperties: false },
);

export const RunBody = Type.Object(
  {
    executor: Type.String({
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
    order_by: Type.Optional(StringEnum(JOB_ORDERS, { default: 'created_at_desc' })),
    ...PageQuery,
  },
  { additionalProperties: false },
);

export const JobList = Type.Object(
  {
    current_page: Type.Integer(),
    total_records: Type.Integer(),
    total_pages: Type.Integer(),
    records: Type.Array(Type.Ref('Job')),
  },
  { additionalProperties: false },
);

export const JobEvent = Type.Object(
  {
    id: Type.Integer(),
    job_id: Uuid(),
    action: Type.String(),
    from_state: Nullable(JobStateSchema),
    to_state: JobStateSchema,
    attempt: Type.Integer(),
    executor: Nullable(Type.String()),
    actor: Type.Object({}, { additionalProperties: true }),
    at: Type.String({ format: 'date-time' }),
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
  { ...LeaseFields, progress: Type.Optional(Type.Object({}, { additionalProperties: true, description: 'Free-form progress, shown on the job.' })) },
  { additionalProperties: false },
);

export const HeartbeatResponse = Type.Object(
  {
    state: JobStateSchema,
    cancel_requested: Type.Boolean({ description: 'Cancellation was requested: stop, then call cancel with the lease.' }),
    lease_expires_at: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);

export const CompleteBody = Type.Object(
  {
    ...LeaseFields,
    result: Type.Object({}, { additionalProperties: true, description: 'Per type: see Job.result.' }),
    snapshot: Type.Optional(SnapshotManifest),
  },
  { additionalProperties: false, description: 'A materialize-view run sends its snapshot: it is committed with the job, atomically.' },
);

export const FailBody = Type.Object(
  {
    ...LeaseFields,
    failure: Type.Object(
      { message: Type.String({ minLength: 1, maxLength: 10_000 }), value: Type.Optional(Type.Object({}, { additionalProperties: true })) },
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
