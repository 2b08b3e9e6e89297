import type {
  ColumnStats, CreateDatasetRequest, Dataset, DatasetList, NqlCompileRequest, NqlCompileResponse, NqlRequest,
  NqlRunRequest, NqlRunResponse, PageQuery, Snapshot, SnapshotList, SnapshotManifest,
  AccessToken, AccessTokenList, AcknowledgeCancellationRequest, ClaimJobsRequest, ClaimJobsResponse, CompleteJobRequest,
  ComputePool, ComputePoolList, CreateComputePoolRequest, CreateDataPlaneRequest, CreateJobRequest, CreateTokenRequest,
  CreatedToken, DataPlane, DataPlaneList, DeregisterExecutorResponse, EndpointName, Executor, ExecutorList,
  FailJobRequest, Health, HeartbeatJobRequest, HeartbeatJobResponse, Job, JobEvent, JobEventList, JobList,
  ListExecutorsQuery, ListJobsQuery, Readiness, RegisterExecutorRequest, RescheduleJobRequest, RescheduleJobResponse,
  RunJobRequest, WhoAmI, SnapshotRows, SnapshotRowsQuery, JobExplanation, JobStats, JobStatsQuery, JobThroughput, JobThroughputQuery, CompleteJobsRequest,
  FailJobsRequest, HeartbeatJobsRequest, HeartbeatJobsResponse, BatchResults, EventsQuery, EventPage,
  CreateWebhookRequest, CreatedWebhookSubscription, ListWebhookDeliveriesQuery, ListWebhooksQuery, WebhookDelivery,
  WebhookDeliveryList, WebhookList, WebhookSubscription, RefreshViewRequest, RefreshScheduleRequest, RefreshSchedule,
  RecalculateColumnStatsRequest, Recalculation,
} from '../../src/client/index.js';

/**
 * One sample per SDK request and response type, typed so that the compiler keeps them honest:
 * - `minimal` has exactly the type's required fields (Pick<T, RequiredKeys<T>>: a missing or extra field does not
 *   compile);
 * - `full` has every field (Required<T>).
 * The contract test then compares those key sets with the OpenAPI schema and validates both samples against it,
 * so "required in the SDK" = "required by the server" and "known to the SDK" = "known to the server".
 */
type RequiredKeys<T> = { [K in keyof T]-?: {} extends Pick<T, K> ? never : K }[keyof T];
export type Minimal<T> = Pick<T, RequiredKeys<T>>;

export interface Sample {
  endpoint: EndpointName;
  minimal: object | undefined;
  full: object;
}

export interface ResponseSample extends Sample {
  status: string;
  /** Where in the response schema the sampled type sits (e.g. the items of `records`). */
  at?: string[];
}

const sample = <T>(endpoint: EndpointName, minimal: Minimal<T>, full: Required<T>): Sample => ({ endpoint, minimal, full });
const response = <T>(endpoint: EndpointName, status: string, minimal: Minimal<T>, full: Required<T>, at?: string[]): ResponseSample =>
  ({ endpoint, status, minimal, full, ...(at ? { at } : {}) });

const UUID = '0b7e6c1a-2f3d-4c5b-8a9e-1f2d3c4b5a69';
const UUID2 = '5f0c1d2e-3a4b-4c5d-9e8f-7a6b5c4d3e2f';
const TS = '2026-01-02T03:04:05.123456Z';
const EXECUTOR = `job-executor-${UUID}`;
const lease = { executor: EXECUTOR, attempt: 1 };

export const JOB: Required<Job> = {
  job_id: UUID, company_id: 1, data_plane_id: UUID, compute_pool_id: UUID2, execution_cluster: { type: 'shared' },
  request_source: { type: 'api_user', company_id: 1, user_id: 1248 }, state: 'running', type: 'nql-forecast', inputs: [{ dataset_id: 6402, snapshot_id: null }], progress: { rows: 10 },
  input: { nql: 'EXPLAIN SELECT 1', compiled_sql: 'SELECT 1' }, executor: EXECUTOR,
  failures: [{ message: 'lease expired', timestamp: TS, value: { executor: EXECUTOR, attempt: 1 } }],
  idempotency_key: 'k-1', result: null, priority: 0, attempt: 1, max_attempts: 3, lease_expires_at: TS, retry_at: null,
  cancel_requested_at: null, created_at: TS, updated_at: TS, dequeued_at: TS, ended_at: null,
};
const EVENT: Required<JobEvent> = {
  id: 1, job_id: UUID, action: 'claim', from_state: 'pending', to_state: 'running', attempt: 1, executor: EXECUTOR,
  actor: { type: 'executor', executor: EXECUTOR }, at: TS,
};
const EXEC: Required<Executor> = {
  id: EXECUTOR, data_plane_id: UUID, compute_pool_id: null, types: ['nql-forecast'], slots: 2, name: 'a', status: 'active',
  running_jobs: 0, last_heartbeat_at: TS, created_at: TS,
};
const PLANE: Required<DataPlane> = {
  type: 'owned', id: UUID, company_id: 1, display_name: 'p', description: null, engine: 'duckdb', status: 'active', tags: [],
  last_heartbeat_at: null, created_at: TS, updated_at: TS,
};
const POOL: Required<ComputePool> = { id: UUID2, data_plane_id: UUID, name: 'pool', max_concurrency: 2, created_at: TS };
const TOKEN: Required<AccessToken> = {
  id: UUID, company_id: 1, user_id: 1, name: 't', permissions: [{ resource: 'jobs', access: 'write' }], data_plane_id: null,
  expires_at: null, revoked_at: null, created_at: TS,
};

const FILE = { path: 'datasets/7/snapshots/9/part-0.parquet', rows: 10, bytes: 100 };
const MANIFEST: Required<SnapshotManifest> = {
  snapshot_id: 9, dataset_id: 7, parent_snapshot_id: null, operation: 'append', files: [FILE], row_count: 10, bytes: 100,
  inputs: [{ dataset_id: 6, snapshot_id: 3 }], column_stats: { recalculation_id: UUID, stats: { row_count: 10 } },
};
const DATASET: Required<Dataset> = {
  id: 7, company_id: 1, data_plane_id: UUID, name: 'ds', display_name: 'DS', description: null,
  schema: { type: 'object', properties: {} }, status: 'active', write_mode: 'append', tags: [], retention_policy: {},
  materialized_view_config: { nql: 'CREATE MATERIALIZED VIEW ...' }, is_narrative_managed: false, price_cpm_usd: 0,
  latest_snapshot_id: 9, created_at: TS, updated_at: TS, last_snapshot_created_at: TS,
};
const SNAPSHOT: Required<Snapshot> = {
  snapshot_id: 9, dataset_id: 7, parent_snapshot_id: null, operation: 'overwrite', files: [FILE], row_count: 10, bytes: 100,
  job_id: UUID, inputs: [], created_at: TS,
};
const STATS: Required<ColumnStats> = { recalculation_id: UUID, dataset_id: 7, snapshot_id: 9, stats: {}, created_at: TS };
const RUN: Required<NqlRunResponse> = {
  id: UUID, company_id: 1, type: 'nql-forecast', state: 'pending', data_plane_id: UUID, execution_cluster: { type: 'shared' },
  request_source: { type: 'api_user', company_id: 1, user_id: 1 }, input: {}, inputs: [{ dataset_id: 6402, snapshot_id: null }],
  result: null, failures: [], idempotency_key: 'k', created_at: TS, updated_at: TS, completed_at: null,
};
const COUNTS = { pending: 1, running: 0, completed: 0, failed: 0, pending_cancellation: 0, cancelled: 0 };
const page = <T>(records: T[]) => ({ current_page: 1, total_records: records.length, total_pages: 1, records });

const WEBHOOK: Required<WebhookSubscription> = {
  id: UUID, type: 'webhook_subscription_jobs', name: 'ops', url: 'https://example.com/hook', status: 'active', companyId: 1,
  jobIds: [UUID], jobTypes: ['nql-forecast'], jobStates: ['completed'], disabledReason: null, failingSince: null,
  lastError: null, createdAt: TS, updatedAt: TS,
};
const DELIVERY: Required<WebhookDelivery> = {
  id: UUID, subscriptionId: UUID2, eventId: '12', eventType: 'job.completed', jobId: UUID, status: 'succeeded', attempts: 1,
  responseStatus: 200, responseBody: 'ok', latencyMs: 3, lastError: null, nextAttemptAt: null, lastAttemptAt: TS,
  deliveredAt: TS, createdAt: TS,
};

export const REQUEST_SAMPLES: Sample[] = [
  sample<CreateWebhookRequest>('createWebhook', { type: 'webhook_subscription_jobs', url: 'https://example.com/hook' }, {
    type: 'webhook_subscription_jobs', url: 'https://example.com/hook', name: 'ops', job_ids: [UUID],
    job_types: ['nql-forecast'], states: ['completed', 'failed'],
  }),
  sample<CreateJobRequest>('createJob', { type: 'nql-forecast', input: { nql: 'x', compiled_sql: 'y' } }, {
    type: 'nql-forecast', input: { nql: 'x', compiled_sql: 'y' }, inputs: [{ dataset_id: 6402, snapshot_id: null }], data_plane_id: UUID, compute_pool_id: UUID2,
    execution_cluster: { type: 'dedicated' }, idempotency_key: 'k', max_attempts: 3, priority: 5,
  }),
  sample<RunJobRequest>('runJob', { executor: EXECUTOR }, { executor: EXECUTOR }),
  sample<RescheduleJobRequest>('rescheduleJob', {}, { force: true }),
  sample<ClaimJobsRequest>('claimJobs', { executor: EXECUTOR, data_plane_id: UUID }, {
    executor: EXECUTOR, data_plane_id: UUID, types: ['nql-forecast'], compute_pool_id: UUID2, limit: 10, wait_ms: 1000,
  }),
  sample<HeartbeatJobRequest>('heartbeatJob', lease, { ...lease, progress: { rows: 10 } }),
  sample<CompleteJobRequest>('completeJob', { ...lease, result: { rows: 1 } }, { ...lease, result: { rows: 1 }, snapshot: MANIFEST, column_stats: { recalculation_id: UUID, snapshot_id: 7, stats: { row_count: 1 } }, inputs: [{ dataset_id: 6402, snapshot_id: 7 }] }),
  sample<FailJobRequest>('failJob', { ...lease, failure: { message: 'boom' } }, {
    ...lease, failure: { message: 'boom', value: { code: 'X' } }, retryable: false,
  }),
  sample<RegisterExecutorRequest>('registerExecutor', { data_plane_id: UUID, types: ['nql-forecast'], slots: 2 }, {
    data_plane_id: UUID, types: ['nql-forecast'], slots: 2, compute_pool_id: UUID2, name: 'worker-1',
  }),
  sample<CreateDataPlaneRequest>('createDataPlane', { display_name: 'p' }, { display_name: 'p', description: 'd', engine: 'spark', tags: ['a'] }),
  sample<CreateDatasetRequest>('createDataset', { name: 'ds', schema: { type: 'object', properties: {} } }, {
    name: 'ds', schema: { type: 'object', properties: {} }, display_name: 'DS', description: 'd', write_mode: 'overwrite',
    data_plane_id: UUID,
  }),
  sample<NqlRequest>('validateNql', { nql: 'SELECT 1' }, { nql: 'SELECT 1', data_plane_id: UUID }),
  sample<NqlCompileRequest>('compileNql', { nql: 'SELECT 1' }, { nql: 'SELECT 1', data_plane_id: UUID, dialect: 'spark' }),
  sample<NqlRunRequest>('runNql', { nql: 'EXPLAIN SELECT 1' }, {
    nql: 'EXPLAIN SELECT 1', data_plane_id: UUID, execution_cluster: { type: 'shared' }, idempotency_key: 'k',
  }),
  sample<CreateComputePoolRequest>('createComputePool', { name: 'pool', max_concurrency: 2 }, { name: 'pool', max_concurrency: 2 }),
  sample<CompleteJobsRequest>('completeJobs', { completions: [{ job_id: UUID, ...lease, result: {} }] }, {
    completions: [{ job_id: UUID, ...lease, result: {}, snapshot: MANIFEST, inputs: [{ dataset_id: 6, snapshot_id: 3 }] }],
  }),
  sample<FailJobsRequest>('failJobs', { failures: [{ job_id: UUID, ...lease, failure: { message: 'boom' } }] }, {
    failures: [{ job_id: UUID, ...lease, failure: { message: 'boom' }, retryable: true }],
  }),
  sample<HeartbeatJobsRequest>('heartbeatJobs', { heartbeats: [{ job_id: UUID, ...lease }] }, {
    heartbeats: [{ job_id: UUID, ...lease, progress: { rows: 1 } }],
  }),
  sample<CreateTokenRequest>('createToken', { name: 't', permissions: [{ resource: 'jobs', access: 'read' }] }, {
    name: 't', permissions: [{ resource: 'jobs', access: 'read' }], expires_at: TS, data_plane_id: UUID,
  }),
  sample<RefreshViewRequest>('refreshView', {}, { type: 'incremental', execution_cluster: { type: 'shared' }, force: true }),
  sample<RefreshScheduleRequest>('createRefreshSchedule', { cron: '@hourly' }, {
    cron: '0 12 * * 1-5', cron_zone_id: 'Europe/Berlin', execution_cluster: { type: 'dedicated' }, stats_enabled: false, status: 'pending',
  }),
  sample<RefreshScheduleRequest>('replaceRefreshSchedule', { cron: '@daily' }, {
    cron: '*/5 * * * *', cron_zone_id: 'UTC', execution_cluster: { type: 'shared' }, stats_enabled: true, status: 'active',
  }),
  sample<RecalculateColumnStatsRequest>('recalculateColumnStats', {}, { snapshot_id: 7 }),
];

/**
 * The executor's cancellation acknowledgement: the server's body is "both lease fields or neither" (a user cancels
 * with no body), so only the full sample applies; the SDK's type requires both, as an executor must send both.
 */
export const CANCEL_ACK_SAMPLE: Required<AcknowledgeCancellationRequest> = lease;

export const QUERY_SAMPLES: Array<{ endpoint: EndpointName; full: object }> = [
  { endpoint: 'listJobs', full: { state: 'running', type: 'nql-forecast', data_plane_id: UUID, dataset_id: 1, created_after: TS, created_before: TS, order_by: 'created_at_asc', count: 'estimated', page: 1, per_page: 10, offset: 0 } satisfies Required<ListJobsQuery> },
  { endpoint: 'listDatasets', full: { page: 1, per_page: 10, offset: 0 } satisfies Required<PageQuery> },
  { endpoint: 'listSnapshots', full: { page: 1, per_page: 10, offset: 0 } satisfies Required<PageQuery> },
  { endpoint: 'listExecutors', full: { data_plane_id: UUID } satisfies Required<ListExecutorsQuery> },
  { endpoint: 'getSnapshotRows', full: { limit: 10, offset: 0 } satisfies Required<SnapshotRowsQuery> },
  { endpoint: 'getJobStats', full: { data_plane_id: UUID, type: 'nql-forecast' } satisfies Required<JobStatsQuery> },
  { endpoint: 'getJobThroughput', full: { minutes: 60, data_plane_id: UUID, type: 'nql-forecast' } satisfies Required<JobThroughputQuery> },
  // The SDK always asks for the JSON form (format=json) of the SSE feed.
  { endpoint: 'listEvents', full: { after: '1', limit: 10, job_id: UUID, type: 'nql-forecast', state: 'completed', data_plane_id: UUID, format: 'json' } satisfies Required<EventsQuery> & { format: 'json' } },
  { endpoint: 'listWebhooks', full: { status: 'active', page: 1, per_page: 10, offset: 0 } satisfies Required<ListWebhooksQuery> },
  { endpoint: 'listWebhookDeliveries', full: { status: 'failed', job_id: UUID, page: 1, per_page: 10, offset: 0 } satisfies Required<ListWebhookDeliveriesQuery> },
];

const SCHEDULE: RefreshSchedule = {
  dataset_id: 6404, cron: '@hourly', cron_zone_id: 'UTC', execution_cluster: { type: 'shared' }, stats_enabled: null, status: 'active',
  next_run_at: TS, next_runs: [TS], last_tick_at: TS,
  recent_ticks: [{ tick_at: TS, outcome: 'skipped_running', missed: 2, job_id: UUID, late_ms: 12, recorded_at: TS }],
  created_at: TS, updated_at: TS,
};
const RECALCULATION: Recalculation = {
  recalculation_id: UUID, snapshots: ['7'], from_snapshot_timestamp: TS, until_snapshot_timestamp: TS, job_id: UUID2,
};

export const RESPONSE_SAMPLES: ResponseSample[] = [
  response<Job>('getJob', '200', JOB, JOB),
  response<Job>('createJob', '201', JOB, JOB),
  response<Job>('runJob', '200', JOB, JOB),
  response<Job>('requestCancellation', '200', JOB, JOB),
  response<Job>('cancelJob', '200', JOB, JOB),
  response<Job>('completeJob', '200', JOB, JOB),
  response<Job>('failJob', '200', JOB, JOB),
  response<JobList>('listJobs', '200', { current_page: 1, total_records: 1, total_pages: 1, records: [JOB] }, { current_page: 1, total_records: 1, total_pages: 1, total_records_estimated: false, records: [JOB] }),
  response<JobEventList>('listJobEvents', '200', { records: [EVENT] }, { records: [EVENT] }),
  response<JobEvent>('listJobEvents', '200', EVENT, EVENT, ['properties', 'records', 'items']),
  response<RescheduleJobResponse>('rescheduleJob', '200', { outcome: 'rescheduled', job: JOB }, { outcome: 'skipped_terminal', job: JOB }),
  response<ClaimJobsResponse>('claimJobs', '200', { records: [JOB] }, { records: [JOB] }),
  response<HeartbeatJobResponse>('heartbeatJob', '200', { state: 'running', cancel_requested: false, lease_expires_at: TS }, { state: 'pending_cancellation', cancel_requested: true, lease_expires_at: TS }),
  response<Executor>('registerExecutor', '201', EXEC, EXEC),
  response<Executor>('getExecutor', '200', EXEC, EXEC),
  response<Executor>('heartbeatExecutor', '200', EXEC, EXEC),
  response<Executor>('drainExecutor', '200', EXEC, { ...EXEC, status: 'draining' }),
  response<ExecutorList>('listExecutors', '200', { records: [EXEC] }, { records: [EXEC] }),
  response<DeregisterExecutorResponse>('deregisterExecutor', '200', { id: EXECUTOR, released_jobs: 1 }, { id: EXECUTOR, released_jobs: 1 }),
  response<Dataset>('getDataset', '200', DATASET, DATASET),
  response<Dataset>('createDataset', '201', DATASET, DATASET),
  response<DatasetList>('listDatasets', '200', page([DATASET]), page([DATASET])),
  response<Snapshot>('getSnapshot', '200', SNAPSHOT, SNAPSHOT),
  response<SnapshotList>('listSnapshots', '200', page([SNAPSHOT]), page([SNAPSHOT])),
  response<ColumnStats>('getColumnStats', '200', STATS, STATS),
  response<NqlCompileResponse>('compileNql', '200', {
    kind: 'explain', dialect: 'duckdb', data_plane_id: UUID, compiled_sql: 'SELECT 1', output_schema: {}, dataset_ids: [1],
  }, { kind: 'select', dialect: 'spark', data_plane_id: UUID, compiled_sql: 'SELECT 1', output_schema: {}, dataset_ids: [] }),
  response<NqlRunResponse>('runNql', '201', RUN, RUN),
  response<NqlRunResponse>('runNql', '200', RUN, RUN),
  response<NqlRunResponse>('getNqlJob', '200', RUN, RUN),
  response<DataPlane>('getDataPlane', '200', PLANE, PLANE),
  response<DataPlane>('createDataPlane', '201', PLANE, PLANE),
  response<DataPlane>('heartbeatDataPlane', '200', PLANE, PLANE),
  response<DataPlaneList>('listDataPlanes', '200', { records: [PLANE] }, { records: [PLANE] }),
  response<ComputePool>('createComputePool', '201', POOL, POOL),
  response<ComputePoolList>('listComputePools', '200', { records: [POOL] }, { records: [POOL] }),
  response<WhoAmI>('whoami', '200', {
    user_id: 1, name: 'admin', company_access_list: [1], current_company_scope: { company_id: 1, slug: 'c', name: 'C' },
    token: { id: UUID, permissions: [], data_plane_id: null },
  }, {
    user_id: null, name: null, company_access_list: [1], current_company_scope: { company_id: 1, slug: 'c', name: 'C' },
    token: { id: UUID, permissions: [], data_plane_id: UUID },
  }),
  response<AccessTokenList>('listTokens', '200', { records: [TOKEN] }, { records: [TOKEN] }),
  response<CreatedToken>('createToken', '201', { ...TOKEN, access_token: 'jp_x' }, { ...TOKEN, access_token: 'jp_x' }),
  response<AccessToken>('revokeToken', '200', TOKEN, TOKEN),
  response<SnapshotRows>('getSnapshotRows', '200', {
    dataset_id: 7, snapshot_id: 9, job_id: UUID, columns: [{ name: 'a', type: 'long' }], rows: [{ a: 1 }], row_count: 1,
  }, {
    dataset_id: 7, snapshot_id: 9, job_id: UUID, columns: [{ name: 'a', type: 'long' }], rows: [{ a: 1 }], row_count: 1, offset: 0, limit: 10, total_rows: 1,
  }),
  response<JobExplanation>('explainJob', '200', { job_id: UUID, state: 'pending', runnable: false, reasons: [], executors: [] }, {
    job_id: UUID, state: 'pending', runnable: false, reasons: [{ code: 'no_executor_for_type', message: 'no executor runs its type' }],
    executors: [{ id: EXECUTOR, name: null, status: 'active', types: ['test-echo'], compute_pool_id: null, slots: 1, running_jobs: 0, last_heartbeat_at: TS, verdict: 'wrong_type' }],
  }),
  response<JobStats>('getJobStats', '200', { counts: COUNTS, by_type: {}, total: 1, retry_scheduled: 0 }, { counts: COUNTS, by_type: { 'nql-forecast': COUNTS }, total: 1, retry_scheduled: 0 }),
  response<JobThroughput>('getJobThroughput', '200', { minutes: 1, from: TS, to: TS, buckets: [] }, {
    minutes: 1, from: TS, to: TS, buckets: [{ minute: TS, counts: COUNTS, queue_depth: 0 }],
  }),
  response<BatchResults>('completeJobs', '200', { results: [] }, { results: [{ job_id: UUID, status: 'completed', job: JOB }] }),
  response<BatchResults>('failJobs', '200', { results: [] }, { results: [{ job_id: UUID, status: 'stale_lease', problem: { code: 'stale_lease', detail: 'x' } }] }),
  response<HeartbeatJobsResponse>('heartbeatJobs', '200', { results: [] }, { results: [{ job_id: UUID, status: 'running', cancel_requested: false, lease_expires_at: TS }, { job_id: UUID2, status: 'stale_lease', problem: { code: 'stale_lease', detail: 'x' } }] }),
  response<EventPage>('listEvents', '200', { records: [], next_cursor: '0' }, {
    records: [{ id: '1', type: 'job.completed', created_at: TS, data: JOB }], next_cursor: '1',
  }),
  response<CreatedWebhookSubscription>('createWebhook', '201', { ...WEBHOOK, secret: 'whsec_abc=' }, { ...WEBHOOK, secret: 'whsec_abc=' }),
  response<WebhookSubscription>('getWebhook', '200', WEBHOOK, WEBHOOK),
  response<WebhookSubscription>('archiveWebhook', '200', { ...WEBHOOK, status: 'archived' }, { ...WEBHOOK, status: 'archived' }),
  response<WebhookList>('listWebhooks', '200', { current_page: 1, total_records: 0, total_pages: 0, records: [] }, {
    current_page: 1, total_records: 1, total_pages: 1, records: [WEBHOOK],
  }),
  response<WebhookDelivery>('retryWebhookDelivery', '200', DELIVERY, DELIVERY),
  response<WebhookDeliveryList>('listWebhookDeliveries', '200', { current_page: 1, total_records: 0, total_pages: 0, records: [] }, {
    current_page: 1, total_records: 1, total_pages: 1, records: [DELIVERY],
  }),
  response<RefreshSchedule>('getRefreshSchedule', '200', SCHEDULE, SCHEDULE),
  response<Recalculation>('recalculateColumnStats', '201', RECALCULATION, RECALCULATION),
  response<Health>('health', '200', { status: 'ok' }, { status: 'ok' }),
  response<Readiness>('ready', '200', { status: 'ready', database: 'pglite' }, { status: 'ready', database: 'pglite' }),
];
