/**
 * Request and response shapes of the jobplane HTTP API, as the SDK sees them. They mirror the server's TypeBox
 * schemas (`src/api/schemas/*.ts`) by hand, so that SDK users do not import server code;
 * `test/client/contract.test.ts` checks them against the server's `/openapi.json` (same fields, same required set).
 * Field names are snake_case because they are the wire format (the Narrative Jobs API contract).
 */

export type JobState = 'pending' | 'running' | 'completed' | 'failed' | 'pending_cancellation' | 'cancelled';

/** The built-in types, plus whatever a server was configured with (`JOBPLANE_EXTRA_JOB_TYPES`). */
export type JobType = 'materialize-view' | 'nql-forecast' | (string & {});

export type JsonObject = Record<string, unknown>;

export interface ExecutionCluster {
  type: 'dedicated' | 'shared';
}

export interface Failure {
  message: string;
  timestamp: string;
  /** Diagnostics, e.g. the engine error, or `{executor, attempt}` for "lease expired". */
  value: JsonObject;
}

export interface RequestSource {
  /** `api_user` or `process`. */
  type: string;
  company_id?: number;
  user_id?: number | null;
  name?: string;
  [extra: string]: unknown;
}

/** A dataset a job reads (Job.inputs); a snapshot_id given at create pins that snapshot. */
export interface JobInputRef {
  dataset_id: number;
  snapshot_id: number | null;
}

export interface Job {
  job_id: string;
  company_id: number;
  data_plane_id: string;
  compute_pool_id: string | null;
  execution_cluster: ExecutionCluster;
  request_source: RequestSource;
  state: JobState;
  type: JobType;
  input: JsonObject;
  /** The datasets the job reads; snapshot_id is the snapshot it was bound to (lineage) once known. */
  inputs: JobInputRef[];
  executor: string | null;
  failures: Failure[];
  idempotency_key: string;
  result: JsonObject | null;
  /** The latest progress the executor reported (phase, rows, ...). */
  progress: JsonObject | null;
  priority: number;
  /** The fencing token of the current lease (1 for the first run). */
  attempt: number;
  max_attempts: number;
  lease_expires_at: string | null;
  retry_at: string | null;
  cancel_requested_at: string | null;
  created_at: string;
  updated_at: string;
  dequeued_at: string | null;
  ended_at: string | null;
}

export type JobOrder = 'created_at_desc' | 'created_at_asc' | 'updated_at_desc' | 'updated_at_asc';

export interface PageQuery {
  page?: number;
  per_page?: number;
  offset?: number;
}

export interface ListJobsQuery extends PageQuery {
  state?: JobState;
  type?: JobType;
  data_plane_id?: string;
  dataset_id?: number;
  /** Only jobs created at or after / before these times (ISO). */
  created_after?: string;
  created_before?: string;
  order_by?: JobOrder;
  /** `estimated`: total_records exact up to the offset plus 10,000 jobs, the database's estimate beyond. */
  count?: 'exact' | 'estimated';
}

export interface JobList {
  current_page: number;
  total_records: number;
  total_pages: number;
  /** With `count: 'estimated'`: whether total_records is an estimate. */
  total_records_estimated?: boolean;
  records: Job[];
}

export interface CreateJobRequest {
  type: JobType;
  input: JsonObject;
  /** The datasets the job's compiled SQL reads (relations ds_<id>); a snapshot_id pins that snapshot. */
  inputs?: JobInputRef[];
  data_plane_id?: string;
  compute_pool_id?: string;
  execution_cluster?: ExecutionCluster;
  idempotency_key?: string;
  max_attempts?: number;
  priority?: number;
}

export interface RunJobRequest {
  executor: string;
}

export interface RescheduleJobRequest {
  force?: boolean;
}

export interface RescheduleJobResponse {
  outcome: 'rescheduled' | 'skipped_terminal';
  job: Job;
}

export interface JobEvent {
  id: number;
  job_id: string;
  action: string;
  from_state: JobState | null;
  to_state: JobState;
  attempt: number;
  executor: string | null;
  actor: JsonObject;
  at: string;
}

export interface JobEventList {
  records: JobEvent[];
}

// ---- executor-facing job calls: every one carries the lease (fencing) -------------------------------------------

/** What an executor presents on every call about a job it runs: a stale one gets 409 `stale_lease`. */
export interface Lease {
  executor: string;
  attempt: number;
}

export interface ClaimJobsRequest {
  executor: string;
  data_plane_id: string;
  types?: JobType[];
  compute_pool_id?: string;
  /** 1-100, default 1. */
  limit?: number;
  /** 0-30000, default 0: how long to long-poll when nothing is claimable. */
  wait_ms?: number;
}

export interface ClaimJobsResponse {
  records: Job[];
}

/** The claim reply plus the lease timing the server announced in its headers (absent from older servers). */
export interface ClaimJobsResult extends ClaimJobsResponse {
  /** `x-jobplane-lease-ms`: how long a lease lasts without a heartbeat. */
  leaseMs: number | undefined;
  /** `x-jobplane-heartbeat-ms`: how often the server wants heartbeats. */
  heartbeatMs: number | undefined;
}

export interface HeartbeatJobRequest extends Lease {
  progress?: JsonObject;
}

export interface HeartbeatJobResponse {
  state: JobState;
  cancel_requested: boolean;
  lease_expires_at: string;
}

export interface CompleteJobRequest extends Lease {
  result: JsonObject;
  /** A materialize-view run's new snapshot: committed with the completion, in one transaction. */
  snapshot?: SnapshotManifest;
  /** A datasets_calculate_column_stats run's statistics: stored with the completion, in one transaction. */
  column_stats?: ColumnStatsCompletion;
  /** The snapshot each input dataset was bound to (lineage). */
  inputs?: JobInputRef[];
}

/** What a statistics recalculation completes with (`CompleteJobRequest.column_stats`). */
export interface ColumnStatsCompletion {
  recalculation_id: string;
  snapshot_id: number;
  /** `{row_count, columns: [...]}`, as ColumnStats.stats */
  stats: JsonObject;
}

export interface FailJobRequest extends Lease {
  failure: { message: string; value?: JsonObject };
  /** Default true on the server. false: never retry (e.g. a SQL syntax error). */
  retryable?: boolean;
}

/** The executor's acknowledgement of a requested cancellation (pending_cancellation -> cancelled). */
export type AcknowledgeCancellationRequest = Lease;

// ---- datasets and snapshots ----------------------------------------------------------------------------------------

export type WriteMode = 'append' | 'overwrite';

export interface Dataset {
  id: number;
  company_id: number;
  data_plane_id: string;
  name: string;
  display_name: string;
  description: string | null;
  /** Narrative dataset schema: `{type: "object", properties: {<name>: {type, ...}}}`. */
  schema: JsonObject;
  status: 'active' | 'pending';
  write_mode: WriteMode;
  tags: string[];
  retention_policy: JsonObject;
  materialized_view_config: { nql: string; [extra: string]: unknown } | null;
  is_narrative_managed: boolean;
  price_cpm_usd: number;
  latest_snapshot_id: number | null;
  created_at: string;
  updated_at: string;
  last_snapshot_created_at: string | null;
}

export interface DatasetList {
  current_page: number;
  total_records: number;
  total_pages: number;
  records: Dataset[];
}

export interface CreateDatasetRequest {
  /** A slug: letters, digits, underscore; unique in the company. */
  name: string;
  display_name?: string;
  description?: string;
  schema: JsonObject;
  write_mode?: WriteMode;
  data_plane_id?: string;
}

/** File formats the import endpoints read. */
export type ImportFormat = 'csv' | 'jsonl' | 'parquet';

export interface CreateDatasetFromFilesQuery {
  /** The new dataset's name: letters, digits, underscore; unique in the company. */
  name: string;
  format?: ImportFormat;
  display_name?: string;
  description?: string;
  write_mode?: WriteMode;
}

export interface SnapshotFile {
  /** Relative to the storage root: `datasets/<dataset_id>/snapshots/<snapshot_id>/<file>`. */
  path: string;
  rows: number;
  bytes: number;
}

export interface SnapshotInput {
  dataset_id: number;
  snapshot_id: number | null;
}

export interface Snapshot {
  /** Below 2^53, so JSON never rounds it. */
  snapshot_id: number;
  dataset_id: number;
  parent_snapshot_id: number | null;
  operation: WriteMode;
  files: SnapshotFile[];
  row_count: number;
  bytes: number;
  job_id: string | null;
  inputs: SnapshotInput[];
  created_at: string;
}

export interface SnapshotList {
  current_page: number;
  total_records: number;
  total_pages: number;
  records: Snapshot[];
}

/** What a materialize-view run sends with `complete`. */
export interface SnapshotManifest {
  snapshot_id: number;
  dataset_id: number;
  parent_snapshot_id: number | null;
  operation: WriteMode;
  files: SnapshotFile[];
  row_count: number;
  bytes: number;
  inputs: SnapshotInput[];
  column_stats?: { recalculation_id: string; stats: JsonObject };
}

export interface ColumnStats {
  recalculation_id: string;
  dataset_id: number;
  snapshot_id: number;
  /** `{row_count, columns: [{column, null_count, approx_distinct_count, min, max}]}` */
  stats: JsonObject;
  created_at: string;
}

// ---- materialized views: refresh, schedules, statistics ------------------------------------------------------------

export interface RefreshViewRequest {
  /** Default full. incremental reads only what was appended to the inputs since the last refresh, when it can. */
  type?: 'full' | 'incremental';
  execution_cluster?: ExecutionCluster;
  /** Run even when no input changed (no reuse of the current snapshot). */
  force?: boolean;
}

/** A refresh: the job, and whether it is new (201) or the refresh already pending or running (200). */
export interface RefreshedView {
  job: Job;
  created: boolean;
}

export type RefreshScheduleStatus = 'active' | 'pending' | 'archived';

export interface RefreshScheduleRequest {
  /** 5 or 6 fields, or @hourly, @daily, @weekly, @monthly, @yearly. */
  cron: string;
  /** Default UTC. */
  cron_zone_id?: string;
  execution_cluster?: ExecutionCluster;
  stats_enabled?: boolean;
  /** Default active; only active schedules run. */
  status?: RefreshScheduleStatus;
}

export interface RefreshTick {
  tick_at: string;
  outcome: 'refreshed' | 'reused' | 'skipped_running';
  /** Earlier ticks of a downtime folded into this one. */
  missed: number;
  job_id: string | null;
  late_ms: number;
  recorded_at: string;
}

export interface RefreshSchedule {
  dataset_id: number;
  cron: string;
  cron_zone_id: string;
  execution_cluster: ExecutionCluster;
  stats_enabled: boolean | null;
  status: RefreshScheduleStatus;
  next_run_at: string | null;
  /** The next ticks, in UTC. */
  next_runs: string[];
  last_tick_at: string | null;
  recent_ticks: RefreshTick[];
  created_at: string;
  updated_at: string;
}

export interface RecalculateColumnStatsRequest {
  /** Default: the dataset's latest snapshot. */
  snapshot_id?: number;
}

/** Narrative's RecalculationResponse, plus the job that computes it. */
export interface Recalculation {
  recalculation_id: string;
  snapshots: string[];
  from_snapshot_timestamp: string;
  until_snapshot_timestamp: string;
  job_id: string;
}

// ---- NQL ---------------------------------------------------------------------------------------------------------------

export interface NqlRequest {
  nql: string;
  data_plane_id?: string;
}

export interface NqlCompileRequest extends NqlRequest {
  /** Default: the data plane's engine. */
  dialect?: 'duckdb' | 'spark';
}

export interface NqlCompileResponse {
  kind: 'select' | 'explain' | 'create_materialized_view';
  dialect: 'duckdb' | 'spark';
  /** The data plane the statement would run on. */
  data_plane_id: string;
  compiled_sql: string;
  output_schema: JsonObject;
  dataset_ids: number[];
}

export interface NqlRunRequest extends NqlRequest {
  execution_cluster?: ExecutionCluster;
  idempotency_key?: string;
}

/** Narrative's RunResponse: the job as the /nql endpoints return it (`id` and `completed_at`). */
export interface NqlRunResponse {
  id: string;
  company_id: number;
  type: JobType;
  state: JobState;
  data_plane_id: string;
  execution_cluster: ExecutionCluster;
  request_source: RequestSource;
  input: JsonObject;
  /** The datasets the job reads (Job.inputs). */
  inputs: JobInputRef[];
  result: JsonObject | null;
  failures: Failure[];
  idempotency_key: string;
  created_at: string;
  updated_at: string;
  completed_at: string | null;
}

// ---- executors registry --------------------------------------------------------------------------------------------

export interface Executor {
  id: string;
  data_plane_id: string;
  compute_pool_id: string | null;
  types: JobType[];
  slots: number;
  name: string | null;
  status: 'active' | 'draining';
  /** Jobs it holds a lease on right now. */
  running_jobs: number;
  last_heartbeat_at: string;
  created_at: string;
}

export interface DeregisterExecutorResponse {
  id: string;
  /** Its running jobs that went back to pending (or were finalized as cancelled). */
  released_jobs: number;
}

export interface RegisterExecutorRequest {
  data_plane_id: string;
  compute_pool_id?: string;
  types: JobType[];
  slots: number;
  name?: string;
}

export interface ListExecutorsQuery {
  data_plane_id?: string;
}

export interface ExecutorList {
  records: Executor[];
}

// ---- data planes, compute pools --------------------------------------------------------------------------------------

export interface DataPlane {
  type: 'owned';
  id: string;
  company_id: number;
  display_name: string;
  description: string | null;
  engine: 'duckdb' | 'spark';
  status: 'active' | 'archived';
  tags: string[];
  last_heartbeat_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface DataPlaneList {
  records: DataPlane[];
}

export interface CreateDataPlaneRequest {
  display_name: string;
  description?: string;
  engine?: 'duckdb' | 'spark';
  tags?: string[];
}

export interface ComputePool {
  id: string;
  data_plane_id: string;
  name: string;
  /** Jobs of this pool running at once, across all its executors. */
  max_concurrency: number;
  created_at: string;
}

export interface ComputePoolList {
  records: ComputePool[];
}

export interface CreateComputePoolRequest {
  name: string;
  max_concurrency: number;
}

// ---- identity and tokens --------------------------------------------------------------------------------------------

export type Resource = 'jobs' | 'datasets' | 'data-planes' | 'access-tokens' | 'nql' | 'webhooks' | 'metrics';

export interface Permission {
  resource: Resource;
  access: 'read' | 'write';
}

export interface AccessToken {
  id: string;
  company_id: number;
  user_id: number | null;
  name: string;
  permissions: Permission[];
  data_plane_id: string | null;
  expires_at: string | null;
  revoked_at: string | null;
  created_at: string;
}

export interface AccessTokenList {
  records: AccessToken[];
}

export interface CreateTokenRequest {
  name: string;
  permissions: Permission[];
  expires_at?: string;
  /** Bind the token to one data plane (an operator token). */
  data_plane_id?: string;
}

/** The created token; `access_token` is shown this once and never again. */
export interface CreatedToken extends AccessToken {
  access_token: string;
}

export interface WhoAmI {
  user_id: number | null;
  name: string | null;
  company_access_list: number[];
  current_company_scope: { company_id: number; slug: string; name: string };
  token: { id: string; permissions: Permission[]; data_plane_id: string | null };
}

// ---- health and errors ------------------------------------------------------------------------------------------------

export interface Health {
  status: 'ok';
}

export interface Readiness {
  status: 'ready';
  database: string;
}

/** Stable machine-readable error codes (docs/errors.md); unknown future codes stay representable. */
export type ErrorCode =
  | 'not_found'
  | 'conflict'
  | 'stale_lease'
  | 'transition_not_allowed'
  | 'validation_failed'
  | 'unauthenticated'
  | 'forbidden'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'nql_syntax_error'
  | 'nql_analysis_error'
  | 'service_unavailable'
  | 'internal'
  | (string & {});

/** RFC 7807 problem details, as every error response carries them (`application/problem+json`). */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: ErrorCode;
  errors?: Array<{ in?: string; pointer?: string; message: string; line?: number; column?: number; [extra: string]: unknown }>;
  [extra: string]: unknown;
}

/** `GET /executors/{id}/cancellations`: leases whose job was asked to cancel. */
export interface Cancellations {
  records: Array<{ job_id: string; attempt: number }>;
}

// ---- contract endpoints (CONTRACTS.md): typed now, served once their owners land them (see PENDING_ENDPOINTS) -------

export interface ColumnInfo {
  name: string;
  /** The column's type as the plane reports it (e.g. `string`, `long`, `object`). */
  type: string;
}

/**
 * One page of a snapshot's rows (`GET /datasets/{id}/snapshots/{sid}/rows`): at most 1,000 rows in the order of
 * the snapshot's files, nested attributes as JSON objects, int64 as numbers when safe else strings, timestamps ISO.
 */
export interface SnapshotRows {
  dataset_id: number;
  snapshot_id: number;
  /** The `datasets_sample` job that read them on the plane. */
  job_id: string;
  columns: ColumnInfo[];
  rows: JsonObject[];
  row_count: number;
  offset?: number;
  limit?: number;
  /** The snapshot's rows in all. */
  total_rows?: number;
}

export interface SnapshotRowsQuery {
  /** 1..1000 */
  limit?: number;
  offset?: number;
}

/** The result of an `nql-preview` job (a bare `SELECT ... LIMIT n` through `POST /nql/run`). */
export interface PreviewResult {
  columns: ColumnInfo[];
  rows: JsonObject[];
  row_count: number;
  /** The statement's LIMIT (CONTRACTS.md; not every server reports it). */
  limit?: number;
}

/** Why a job is (not) running (`GET /jobs/{id}/explain`). */
export interface JobExplanation {
  job_id: string;
  state: JobState;
  runnable: boolean;
  reasons: Array<{ code: string; message: string; details?: JsonObject }>;
  /** The plane's executors, each with why it can (not) claim this job. */
  executors: Array<{
    id: string; name: string | null; status: 'active' | 'draining'; types: string[]; compute_pool_id: string | null;
    slots: number; running_jobs: number; last_heartbeat_at: string;
    verdict: 'can_claim' | 'wrong_type' | 'wrong_pool' | 'draining' | 'silent' | 'runs_dedicated_job' | 'not_idle' | 'slots_full' | (string & {});
  }>;
}

export interface JobStatsQuery {
  data_plane_id?: string;
  type?: JobType;
}

export type StateCounts = Record<JobState, number>;

export interface JobStats {
  counts: StateCounts;
  /** Per job type, jobs per state. */
  by_type: Record<string, StateCounts>;
  total: number;
  /** Failed jobs that will be claimed again (part of counts.failed). */
  retry_scheduled: number;
}

export interface JobThroughputQuery extends JobStatsQuery {
  /** 1..1440, default 60. */
  minutes?: number;
}

/** Per minute: transitions into each state, and the pending queue at the minute's end. */
export interface JobThroughput {
  minutes: number;
  from: string;
  to: string;
  buckets: Array<{ minute: string; counts: StateCounts; queue_depth: number }>;
}

/** A batch item's outcome: each item is judged alone (a stale lease refuses that item only). */
export interface BatchItemResult {
  job_id: string;
  status: 'completed' | 'failed' | 'stale_lease' | 'not_found' | 'conflict' | 'invalid' | (string & {});
  job?: Job;
  problem?: { code: ErrorCode; detail: string };
}

export interface CompleteJobsRequest {
  completions: Array<CompleteJobRequest & { job_id: string; inputs?: SnapshotInput[] }>;
}

export interface FailJobsRequest {
  failures: Array<FailJobRequest & { job_id: string }>;
}

export interface BatchResults {
  results: BatchItemResult[];
}

export interface HeartbeatJobsRequest {
  heartbeats: Array<HeartbeatJobRequest & { job_id: string }>;
}

/** Per heartbeat, in request order: `status` is the job's state when the lease held, else why it was refused. */
export interface HeartbeatJobsResponse {
  results: Array<{
    job_id: string;
    status: JobState | 'stale_lease' | 'not_found' | 'conflict' | 'invalid';
    job?: Job;
    cancel_requested?: boolean;
    lease_expires_at?: string;
    problem?: { code: ErrorCode; detail: string };
  }>;
}

/** `GET /events` as JSON pages (`Accept: application/json`); the SSE form is read by `streamEvents` (events.ts). */
export interface EventsQuery {
  /** Only events after this cursor (an event's `id`); default: from the oldest kept. */
  after?: string;
  /** Events per page (1..1000, default 100). */
  limit?: number;
  job_id?: string;
  /** Job types, comma-separated (the job's `type`, as in listJobs). */
  type?: string;
  /** States the events moved jobs to, comma-separated. */
  state?: JobState | (string & {});
  data_plane_id?: string;
}

export interface JobStateEvent {
  /** The cursor to resume after this event. */
  id: string;
  /** `job.<state>` */
  type: string;
  created_at: string;
  data: Job;
}

export interface EventPage {
  records: JobStateEvent[];
  /** Pass as `after` for the next page: the last record's id, or the request's cursor when the page is empty. */
  next_cursor: string;
}

// ---- webhooks (Narrative's webhook subscription shapes: camelCase responses) -------------------------------------

export type WebhookStatus = 'active' | 'disabled' | 'archived';

export interface CreateWebhookRequest {
  type: 'webhook_subscription_jobs';
  /** https, or http to a host the operator allows. */
  url: string;
  name?: string;
  /** Omit a filter to match every job / type / state. */
  job_ids?: string[];
  job_types?: string[];
  states?: JobState[];
}

export interface WebhookSubscription {
  id: string;
  type: 'webhook_subscription_jobs';
  name: string | null;
  url: string;
  status: WebhookStatus;
  companyId: number;
  jobIds: string[] | null;
  jobTypes: string[] | null;
  jobStates: JobState[] | null;
  /** Why a disabled subscription was disabled. */
  disabledReason: string | null;
  failingSince: string | null;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
}

/** The create response: the only one that shows the signing secret (`whsec_...`). */
export interface CreatedWebhookSubscription extends WebhookSubscription {
  secret: string;
}

export interface WebhookList {
  current_page: number;
  total_records: number;
  total_pages: number;
  records: WebhookSubscription[];
}

export interface ListWebhooksQuery extends PageQuery {
  status?: WebhookStatus;
}

export type WebhookDeliveryStatus = 'waiting' | 'pending' | 'delivering' | 'succeeded' | 'failed' | 'cancelled';

export interface WebhookDelivery {
  /** Also the `webhook-id` / `idempotency-key` header of every attempt. */
  id: string;
  subscriptionId: string;
  /** The event's feed position. */
  eventId: string;
  eventType: string;
  jobId: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  responseStatus: number | null;
  responseBody: string | null;
  latencyMs: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  deliveredAt: string | null;
  createdAt: string;
}

export interface WebhookDeliveryList {
  current_page: number;
  total_records: number;
  total_pages: number;
  records: WebhookDelivery[];
}

export interface ListWebhookDeliveriesQuery extends PageQuery {
  status?: WebhookDeliveryStatus;
  job_id?: string;
}
