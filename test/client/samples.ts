import type {
  ColumnStats, CreateDatasetRequest, Dataset, DatasetList, NqlCompileRequest, NqlCompileResponse, NqlRequest,
  NqlRunRequest, NqlRunResponse, PageQuery, Snapshot, SnapshotList, SnapshotManifest,
  AccessToken, AccessTokenList, AcknowledgeCancellationRequest, ClaimJobsRequest, ClaimJobsResponse, CompleteJobRequest,
  ComputePool, ComputePoolList, CreateComputePoolRequest, CreateDataPlaneRequest, CreateJobRequest, CreateTokenRequest,
  CreatedToken, DataPlane, DataPlaneList, DeregisterExecutorResponse, EndpointName, Executor, ExecutorList,
  FailJobRequest, Health, HeartbeatJobRequest, HeartbeatJobResponse, Job, JobEvent, JobEventList, JobList,
  ListExecutorsQuery, ListJobsQuery, Readiness, RegisterExecutorRequest, RescheduleJobRequest, RescheduleJobResponse,
  RunJobRequest, WhoAmI,
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
  request_source: { type: 'api_user', company_id: 1, user_id: 1248 }, state: 'running', type: 'nql-forecast',
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
  request_source: { type: 'api_user', company_id: 1, user_id: 1 }, input: {}, result: null, failures: [],
  idempotency_key: 'k', created_at: TS, updated_at: TS, completed_at: null,
};
const page = <T>(records: T[]) => ({ current_page: 1, total_records: records.length, total_pages: 1, records });

export const REQUEST_SAMPLES: Sample[] = [
  sample<CreateJobRequest>('createJob', { type: 'nql-forecast', input: { nql: 'x', compiled_sql: 'y' } }, {
    type: 'nql-forecast', input: { nql: 'x', compiled_sql: 'y' }, data_plane_id: UUID, compute_pool_id: UUID2,
    execution_cluster: { type: 'dedicated' }, idempotency_key: 'k', max_attempts: 3, priority: 5,
  }),
  sample<RunJobRequest>('runJob', { executor: EXECUTOR }, { executor: EXECUTOR }),
  sample<RescheduleJobRequest>('rescheduleJob', {}, { force: true }),
  sample<ClaimJobsRequest>('claimJobs', { executor: EXECUTOR, data_plane_id: UUID }, {
    executor: EXECUTOR, data_plane_id: UUID, types: ['nql-forecast'], compute_pool_id: UUID2, limit: 10, wait_ms: 1000,
  }),
  sample<HeartbeatJobRequest>('heartbeatJob', lease, { ...lease, progress: { rows: 10 } }),
  sample<CompleteJobRequest>('completeJob', { ...lease, result: { rows: 1 } }, { ...lease, result: { rows: 1 }, snapshot: MANIFEST }),
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
  sample<CreateTokenRequest>('createToken', { name: 't', permissions: [{ resource: 'jobs', access: 'read' }] }, {
    name: 't', permissions: [{ resource: 'jobs', access: 'read' }], expires_at: TS, data_plane_id: UUID,
  }),
];

/**
 * The executor's cancellation acknowledgement: the server's body is "both lease fields or neither" (a user cancels
 * with no body), so only the full sample applies; the SDK's type requires both, as an executor must send both.
 */
export const CANCEL_ACK_SAMPLE: Required<AcknowledgeCancellationRequest> = lease;

export const QUERY_SAMPLES: Array<{ endpoint: EndpointName; full: object }> = [
  { endpoint: 'listJobs', full: { state: 'running', type: 'nql-forecast', data_plane_id: UUID, dataset_id: 1, order_by: 'created_at_asc', page: 1, per_page: 10, offset: 0 } satisfies Required<ListJobsQuery> },
  { endpoint: 'listDatasets', full: { page: 1, per_page: 10, offset: 0 } satisfies Required<PageQuery> },
  { endpoint: 'listSnapshots', full: { page: 1, per_page: 10, offset: 0 } satisfies Required<PageQuery> },
  { endpoint: 'listExecutors', full: { data_plane_id: UUID } satisfies Required<ListExecutorsQuery> },
];

export const RESPONSE_SAMPLES: ResponseSample[] = [
  response<Job>('getJob', '200', JOB, JOB),
  response<Job>('createJob', '201', JOB, JOB),
  response<Job>('runJob', '200', JOB, JOB),
  response<Job>('requestCancellation', '200', JOB, JOB),
  response<Job>('cancelJob', '200', JOB, JOB),
  response<Job>('completeJob', '200', JOB, JOB),
  response<Job>('failJob', '200', JOB, JOB),
  response<JobList>('listJobs', '200', { current_page: 1, total_records: 1, total_pages: 1, records: [JOB] }, { current_page: 1, total_records: 1, total_pages: 1, records: [JOB] }),
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
    kind: 'explain', dialect: 'duckdb', compiled_sql: 'SELECT 1', output_schema: {}, dataset_ids: [1],
  }, { kind: 'select', dialect: 'spark', compiled_sql: 'SELECT 1', output_schema: {}, dataset_ids: [] }),
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
  response<Health>('health', '200', { status: 'ok' }, { status: 'ok' }),
  response<Readiness>('ready', '200', { status: 'ready', database: 'pglite' }, { status: 'ready', database: 'pglite' }),
];
