import { ENDPOINTS, type Endpoint } from './endpoints.js';
import { streamEvents, type EventStreamOptions, type FeedEvent } from './events.js';
import { Transport, type CallOptions, type RequestSpec, type TransportOptions, type UploadBody } from './transport.js';
import type {
  AccessToken, AccessTokenList, AcknowledgeCancellationRequest, Cancellations, ClaimJobsRequest, ClaimJobsResponse,
  ClaimJobsResult, ColumnStats, CompleteJobRequest, ComputePool, ComputePoolList, CreateComputePoolRequest,
  CreateDataPlaneRequest, CreateDatasetFromFilesQuery, CreateDatasetRequest, CreateJobRequest, CreateTokenRequest, CreatedToken, DataPlane,
  DataPlaneList, Dataset, DatasetList, DeregisterExecutorResponse, Executor, ExecutorList, FailJobRequest, Health,
  HeartbeatJobRequest, HeartbeatJobResponse, ImportFormat, Job, JobEventList, JobList, JsonObject, ListExecutorsQuery,
  ListJobsQuery, NqlCompileRequest, NqlCompileResponse, NqlRequest, NqlRunRequest, NqlRunResponse, PageQuery,
  Readiness, RegisterExecutorRequest, RescheduleJobRequest, RescheduleJobResponse, RunJobRequest, Snapshot,
  SnapshotList, WhoAmI, SnapshotRows, SnapshotRowsQuery, JobExplanation, JobStats, JobStatsQuery, JobThroughput,
  JobThroughputQuery, CompleteJobsRequest,
  FailJobsRequest, BatchResults, HeartbeatJobsRequest, HeartbeatJobsResponse, EventsQuery, EventPage,
  CreateWebhookRequest, CreatedWebhookSubscription, ListWebhookDeliveriesQuery, ListWebhooksQuery, WebhookDelivery,
  WebhookDeliveryList, WebhookList, WebhookSubscription, RefreshViewRequest, RefreshedView, RefreshSchedule,
  RefreshScheduleRequest, RecalculateColumnStatsRequest, Recalculation,
} from './types.js';

export type JobplaneClientOptions = TransportOptions;

/** The rows endpoint long-polls its job for up to ~30 s; leave room for that plus the page itself. */
const ROWS_TIMEOUT_MS = 90_000;

/** The job a create call returned, and whether it is new (201) or the first job of a repeated idempotency key (200). */
export interface CreatedJob {
  job: Job;
  created: boolean;
}

/**
 * The typed SDK of the jobplane HTTP API: one method per endpoint, named verb-first after what it does.
 * Errors: `ApiError` (the server said no; see `isStaleLease`, `isNotFound`, ...) or `ApiUnavailableError` (no answer).
 * The client keeps no state besides its options, so one instance may be shared by any number of callers.
 */
export class JobplaneClient {
  private readonly transport: Transport;
  private readonly timeoutMs: number;

  constructor(private readonly options: JobplaneClientOptions) {
    const opts = options;
    this.transport = new Transport(opts);
    this.timeoutMs = opts.timeoutMs ?? 30_000;
  }

  /** The API base URL this client talks to. */
  get baseUrl(): string {
    return this.transport.baseUrl;
  }

  private async call<T>(endpoint: Endpoint, spec: RequestSpec = {}): Promise<T> {
    return (await this.transport.request<T>(endpoint, spec)).body;
  }

  // ---- jobs (users) --------------------------------------------------------------------------------------------

  listJobs(query: ListJobsQuery = {}, opts?: CallOptions): Promise<JobList> {
    return this.call(ENDPOINTS.listJobs, { ...opts, query: { ...query } });
  }

  getJob(jobId: string, opts?: CallOptions): Promise<Job> {
    return this.call(ENDPOINTS.getJob, { ...opts, params: { job_id: jobId } });
  }

  /** Returns the job; use `createJobDetailed` to learn whether an idempotency key matched an earlier job. */
  async createJob(body: CreateJobRequest, opts?: CallOptions): Promise<Job> {
    return (await this.createJobDetailed(body, opts)).job;
  }

  async createJobDetailed(body: CreateJobRequest, opts?: CallOptions): Promise<CreatedJob> {
    const res = await this.transport.request<Job>(ENDPOINTS.createJob, { ...opts, body });
    return { job: res.body, created: res.status === 201 };
  }

  listJobEvents(jobId: string, opts?: CallOptions): Promise<JobEventList> {
    return this.call(ENDPOINTS.listJobEvents, { ...opts, params: { job_id: jobId } });
  }

  runJob(jobId: string, body: RunJobRequest, opts?: CallOptions): Promise<Job> {
    return this.call(ENDPOINTS.runJob, { ...opts, params: { job_id: jobId }, body });
  }

  rescheduleJob(jobId: string, body: RescheduleJobRequest = {}, opts?: CallOptions): Promise<RescheduleJobResponse> {
    return this.call(ENDPOINTS.rescheduleJob, { ...opts, params: { job_id: jobId }, body });
  }

  requestCancellation(jobId: string, opts?: CallOptions): Promise<Job> {
    return this.call(ENDPOINTS.requestCancellation, { ...opts, params: { job_id: jobId } });
  }

  /** Finalizes a requested cancellation as a user (pending_cancellation -> cancelled). */
  cancelJob(jobId: string, opts?: CallOptions): Promise<Job> {
    return this.call(ENDPOINTS.cancelJob, { ...opts, params: { job_id: jobId } });
  }

  // ---- jobs (executors): every call but claim carries the lease ----------------------------------------------------

  /**
   * Moves up to `limit` claimable jobs to running for `executor`. With `wait_ms` the server holds the request until
   * a job is claimable or the wait ends, so the request timeout is stretched by that wait.
   */
  async claimJobs(body: ClaimJobsRequest, opts: CallOptions = {}): Promise<ClaimJobsResult> {
    const res = await this.transport.request<ClaimJobsResponse>(ENDPOINTS.claimJobs, {
      ...opts, body, timeoutMs: (opts.timeoutMs ?? this.timeoutMs) + (body.wait_ms ?? 0),
    });
    return {
      records: res.body.records,
      leaseMs: positiveIntHeader(res.headers, 'x-jobplane-lease-ms'),
      heartbeatMs: positiveIntHeader(res.headers, 'x-jobplane-heartbeat-ms'),
    };
  }

  heartbeatJob(jobId: string, body: HeartbeatJobRequest, opts?: CallOptions): Promise<HeartbeatJobResponse> {
    return this.call(ENDPOINTS.heartbeatJob, { ...opts, params: { job_id: jobId }, body });
  }

  completeJob(jobId: string, body: CompleteJobRequest, opts?: CallOptions): Promise<Job> {
    return this.call(ENDPOINTS.completeJob, { ...opts, params: { job_id: jobId }, body });
  }

  failJob(jobId: string, body: FailJobRequest, opts?: CallOptions): Promise<Job> {
    return this.call(ENDPOINTS.failJob, { ...opts, params: { job_id: jobId }, body });
  }

  /** Up to 100 completions in one request; each item is judged alone, answered in request order. */
  completeJobs(body: CompleteJobsRequest, opts?: CallOptions): Promise<BatchResults> {
    return this.call(ENDPOINTS.completeJobs, { ...opts, body });
  }

  failJobs(body: FailJobsRequest, opts?: CallOptions): Promise<BatchResults> {
    return this.call(ENDPOINTS.failJobs, { ...opts, body });
  }

  heartbeatJobs(body: HeartbeatJobsRequest, opts?: CallOptions): Promise<HeartbeatJobsResponse> {
    return this.call(ENDPOINTS.heartbeatJobs, { ...opts, body });
  }

  // ---- jobs: why, how many, what happened --------------------------------------------------------------------------

  /** Why the job is (not) running: the reasons the scheduler sees. */
  explainJob(jobId: string, opts?: CallOptions): Promise<JobExplanation> {
    return this.call(ENDPOINTS.explainJob, { ...opts, params: { job_id: jobId } });
  }

  getJobStats(query: JobStatsQuery = {}, opts?: CallOptions): Promise<JobStats> {
    return this.call(ENDPOINTS.getJobStats, { ...opts, query: { ...query } });
  }

  /** Transitions per minute over the last `minutes` (default 60) and the queue depth at each minute's end. */
  getJobThroughput(query: JobThroughputQuery = {}, opts?: CallOptions): Promise<JobThroughput> {
    return this.call(ENDPOINTS.getJobThroughput, { ...opts, query: { ...query } });
  }

  /** One page of the job event feed as JSON (`format=json`); resume with `after: page.next_cursor`. */
  listEvents(query: EventsQuery = {}, opts?: CallOptions): Promise<EventPage> {
    return this.call(ENDPOINTS.listEvents, { ...opts, query: { ...query, format: 'json' } });
  }

  /**
   * Follows the feed live (SSE) as an async iterator, resuming after the last event received whenever the connection
   * drops; see `streamEvents` in events.ts. Stop it with `opts.signal` or by leaving the `for await` loop.
   */
  streamEvents(opts: EventStreamOptions = {}): AsyncGenerator<FeedEvent, void, undefined> {
    return streamEvents({ baseUrl: this.baseUrl, token: this.options.token, fetch: this.options.fetch }, opts);
  }

  // ---- webhooks ----------------------------------------------------------------------------------------------------

  /** The response is the only place the signing secret is shown. */
  createWebhook(body: CreateWebhookRequest, opts?: CallOptions): Promise<CreatedWebhookSubscription> {
    return this.call(ENDPOINTS.createWebhook, { ...opts, body });
  }

  listWebhooks(query: ListWebhooksQuery = {}, opts?: CallOptions): Promise<WebhookList> {
    return this.call(ENDPOINTS.listWebhooks, { ...opts, query: { ...query } });
  }

  getWebhook(webhookId: string, opts?: CallOptions): Promise<WebhookSubscription> {
    return this.call(ENDPOINTS.getWebhook, { ...opts, params: { webhook_id: webhookId } });
  }

  archiveWebhook(webhookId: string, opts?: CallOptions): Promise<WebhookSubscription> {
    return this.call(ENDPOINTS.archiveWebhook, { ...opts, params: { webhook_id: webhookId } });
  }

  enableWebhook(webhookId: string, opts?: CallOptions): Promise<WebhookSubscription> {
    return this.call(ENDPOINTS.enableWebhook, { ...opts, params: { webhook_id: webhookId } });
  }

  listWebhookDeliveries(webhookId: string, query: ListWebhookDeliveriesQuery = {}, opts?: CallOptions): Promise<WebhookDeliveryList> {
    return this.call(ENDPOINTS.listWebhookDeliveries, { ...opts, params: { webhook_id: webhookId }, query: { ...query } });
  }

  retryWebhookDelivery(webhookId: string, deliveryId: string, opts?: CallOptions): Promise<WebhookDelivery> {
    return this.call(ENDPOINTS.retryWebhookDelivery, { ...opts, params: { webhook_id: webhookId, delivery_id: deliveryId } });
  }

  /** The executor's side of a cancellation: it stopped the work (pending_cancellation -> cancelled). */
  acknowledgeCancellation(jobId: string, body: AcknowledgeCancellationRequest, opts?: CallOptions): Promise<Job> {
    return this.call(ENDPOINTS.cancelJob, { ...opts, params: { job_id: jobId }, body });
  }

  // ---- executors ---------------------------------------------------------------------------------------------------

  registerExecutor(body: RegisterExecutorRequest, opts?: CallOptions): Promise<Executor> {
    return this.call(ENDPOINTS.registerExecutor, { ...opts, body });
  }

  listExecutors(query: ListExecutorsQuery = {}, opts?: CallOptions): Promise<ExecutorList> {
    return this.call(ENDPOINTS.listExecutors, { ...opts, query: { ...query } });
  }

  getExecutor(executorId: string, opts?: CallOptions): Promise<Executor> {
    return this.call(ENDPOINTS.getExecutor, { ...opts, params: { executor_id: executorId } });
  }

  /** Tells the server the executor is alive; the reply's `status` says whether someone asked it to drain. */
  /**
   * The executor's jobs that were asked to cancel, with the lease to stop. With `wait_ms` (up to 30 s) the server
   * holds the request until there is one; the call's timeout is extended by the wait.
   */
  watchCancellations(executorId: string, query: { wait_ms?: number } = {}, opts: CallOptions = {}): Promise<Cancellations> {
    const timeoutMs = (opts.timeoutMs ?? this.timeoutMs) + (query.wait_ms ?? 0);
    return this.call(ENDPOINTS.watchCancellations, { ...opts, timeoutMs, params: { executor_id: executorId }, query: { ...query } });
  }

  heartbeatExecutor(executorId: string, opts?: CallOptions): Promise<Executor> {
    return this.call(ENDPOINTS.heartbeatExecutor, { ...opts, params: { executor_id: executorId } });
  }

  /** The executor takes no new jobs; its running jobs carry on. */
  drainExecutor(executorId: string, opts?: CallOptions): Promise<Executor> {
    return this.call(ENDPOINTS.drainExecutor, { ...opts, params: { executor_id: executorId } });
  }

  /** Removes the executor and gives its running jobs back (pending again at once, attempt kept). */
  deregisterExecutor(executorId: string, opts?: CallOptions): Promise<DeregisterExecutorResponse> {
    return this.call(ENDPOINTS.deregisterExecutor, { ...opts, params: { executor_id: executorId } });
  }

  // ---- datasets and snapshots ------------------------------------------------------------------------------------

  createDataset(body: CreateDatasetRequest, opts?: CallOptions): Promise<Dataset> {
    return this.call(ENDPOINTS.createDataset, { ...opts, body });
  }

  listDatasets(query: PageQuery = {}, opts?: CallOptions): Promise<DatasetList> {
    return this.call(ENDPOINTS.listDatasets, { ...opts, query: { ...query } });
  }

  getDataset(datasetId: number, opts?: CallOptions): Promise<Dataset> {
    return this.call(ENDPOINTS.getDataset, { ...opts, params: { dataset_id: String(datasetId) } });
  }

  /** Newest first. */
  listSnapshots(datasetId: number, query: PageQuery = {}, opts?: CallOptions): Promise<SnapshotList> {
    return this.call(ENDPOINTS.listSnapshots, { ...opts, params: { dataset_id: String(datasetId) }, query: { ...query } });
  }

  getSnapshot(datasetId: number, snapshotId: number, opts?: CallOptions): Promise<Snapshot> {
    return this.call(ENDPOINTS.getSnapshot, {
      ...opts, params: { dataset_id: String(datasetId), snapshot_id: String(snapshotId) },
    });
  }

  getColumnStats(datasetId: number, snapshotId: number, opts?: CallOptions): Promise<ColumnStats> {
    return this.call(ENDPOINTS.getColumnStats, {
      ...opts, params: { dataset_id: String(datasetId), snapshot_id: String(snapshotId) },
    });
  }

  /**
   * One page (at most 1,000 rows) of a snapshot's rows, read on the dataset's data plane: the server creates a
   * `datasets_sample` job there and answers when it is done, waiting up to ~30 s; then a 503 (transient: ask again).
   */
  getSnapshotRows(datasetId: number, snapshotId: number, query: SnapshotRowsQuery = {}, opts: CallOptions = {}): Promise<SnapshotRows> {
    return this.call(ENDPOINTS.getSnapshotRows, {
      ...opts, timeoutMs: opts.timeoutMs ?? Math.max(this.timeoutMs, ROWS_TIMEOUT_MS),
      params: { dataset_id: String(datasetId), snapshot_id: String(snapshotId) }, query: { ...query },
    });
  }

  /**
   * Loads files into a dataset as a new snapshot (appended, or replacing the rows, per its write_mode). `upload` is
   * one file (its format in `format` or the content type) or a multipart body of several (formats from the
   * filenames). Only on a server that holds the dataset's data plane. Uploads take as long as they take: pass a
   * `timeoutMs` that fits the files.
   */
  importIntoDataset(datasetId: number, upload: UploadBody, query: { format?: ImportFormat } = {}, opts?: CallOptions): Promise<Snapshot> {
    return this.call(ENDPOINTS.importIntoDataset, { ...opts, params: { dataset_id: String(datasetId) }, query: { ...query }, upload });
  }

  /** Creates a dataset whose schema is inferred from the files, with them as its first snapshot. */
  createDatasetFromFiles(query: CreateDatasetFromFilesQuery, upload: UploadBody, opts?: CallOptions): Promise<{ dataset: Dataset; snapshot: Snapshot }> {
    return this.call(ENDPOINTS.createDatasetFromFiles, { ...opts, query: { ...query }, upload });
  }

  // ---- materialized views ---------------------------------------------------------------------------------------

  /**
   * Refreshes a materialized view now: a new materialize-view job (created), or the refresh of the view already
   * pending or running (not created). A refresh whose inputs did not change completes at once, reusing the view's
   * snapshot (`result.reused`), unless `force`.
   */
  async refreshView(datasetId: number, body: RefreshViewRequest = {}, opts?: CallOptions): Promise<RefreshedView> {
    const res = await this.transport.request<Job>(ENDPOINTS.refreshView, { ...opts, params: { dataset_id: String(datasetId) }, body });
    return { job: res.body, created: res.status === 201 };
  }

  /** The view's schedule, with its next ticks and the last ones it acted on. */
  getRefreshSchedule(datasetId: number, opts?: CallOptions): Promise<RefreshSchedule> {
    return this.call(ENDPOINTS.getRefreshSchedule, { ...opts, params: { dataset_id: String(datasetId) } });
  }

  createRefreshSchedule(datasetId: number, body: RefreshScheduleRequest, opts?: CallOptions): Promise<RefreshSchedule> {
    return this.call(ENDPOINTS.createRefreshSchedule, { ...opts, params: { dataset_id: String(datasetId) }, body });
  }

  replaceRefreshSchedule(datasetId: number, body: RefreshScheduleRequest, opts?: CallOptions): Promise<RefreshSchedule> {
    return this.call(ENDPOINTS.replaceRefreshSchedule, { ...opts, params: { dataset_id: String(datasetId) }, body });
  }

  /** Stops the schedule (archived); its ticks are kept. */
  archiveRefreshSchedule(datasetId: number, opts?: CallOptions): Promise<RefreshSchedule> {
    return this.call(ENDPOINTS.archiveRefreshSchedule, { ...opts, params: { dataset_id: String(datasetId) } });
  }

  /** Recomputes a snapshot's column statistics on the dataset's plane; readable with getColumnStats once job_id completed. */
  recalculateColumnStats(datasetId: number, body: RecalculateColumnStatsRequest = {}, opts?: CallOptions): Promise<Recalculation> {
    return this.call(ENDPOINTS.recalculateColumnStats, { ...opts, params: { dataset_id: String(datasetId) }, body });
  }

  // ---- NQL ---------------------------------------------------------------------------------------------------------

  /** The typed AST of one statement, or an ApiError (400) whose problem lists `{line, column, message}`. */
  validateNql(body: NqlRequest, opts?: CallOptions): Promise<JsonObject> {
    return this.call(ENDPOINTS.validateNql, { ...opts, body });
  }

  compileNql(body: NqlCompileRequest, opts?: CallOptions): Promise<NqlCompileResponse> {
    return this.call(ENDPOINTS.compileNql, { ...opts, body });
  }

  /** Creates the job of an EXPLAIN (nql-forecast) or CREATE MATERIALIZED VIEW (materialize-view) statement. */
  runNql(body: NqlRunRequest, opts?: CallOptions): Promise<NqlRunResponse> {
    return this.call(ENDPOINTS.runNql, { ...opts, body });
  }

  getNqlJob(jobId: string, opts?: CallOptions): Promise<NqlRunResponse> {
    return this.call(ENDPOINTS.getNqlJob, { ...opts, params: { job_id: jobId } });
  }

  // ---- data planes and compute pools ---------------------------------------------------------------------------------

  listDataPlanes(opts?: CallOptions): Promise<DataPlaneList> {
    return this.call(ENDPOINTS.listDataPlanes, opts);
  }

  createDataPlane(body: CreateDataPlaneRequest, opts?: CallOptions): Promise<DataPlane> {
    return this.call(ENDPOINTS.createDataPlane, { ...opts, body });
  }

  getDataPlane(dataPlaneId: string, opts?: CallOptions): Promise<DataPlane> {
    return this.call(ENDPOINTS.getDataPlane, { ...opts, params: { data_plane_id: dataPlaneId } });
  }

  heartbeatDataPlane(dataPlaneId: string, opts?: CallOptions): Promise<DataPlane> {
    return this.call(ENDPOINTS.heartbeatDataPlane, { ...opts, params: { data_plane_id: dataPlaneId } });
  }

  listComputePools(dataPlaneId: string, opts?: CallOptions): Promise<ComputePoolList> {
    return this.call(ENDPOINTS.listComputePools, { ...opts, params: { data_plane_id: dataPlaneId } });
  }

  createComputePool(dataPlaneId: string, body: CreateComputePoolRequest, opts?: CallOptions): Promise<ComputePool> {
    return this.call(ENDPOINTS.createComputePool, { ...opts, params: { data_plane_id: dataPlaneId }, body });
  }

  // ---- identity and tokens ------------------------------------------------------------------------------------------

  whoami(opts?: CallOptions): Promise<WhoAmI> {
    return this.call(ENDPOINTS.whoami, opts);
  }

  listTokens(opts?: CallOptions): Promise<AccessTokenList> {
    return this.call(ENDPOINTS.listTokens, opts);
  }

  createToken(body: CreateTokenRequest, opts?: CallOptions): Promise<CreatedToken> {
    return this.call(ENDPOINTS.createToken, { ...opts, body });
  }

  revokeToken(tokenId: string, opts?: CallOptions): Promise<AccessToken> {
    return this.call(ENDPOINTS.revokeToken, { ...opts, params: { access_token_id: tokenId } });
  }

  // ---- health --------------------------------------------------------------------------------------------------------

  health(opts?: CallOptions): Promise<Health> {
    return this.call(ENDPOINTS.health, opts);
  }

  ready(opts?: CallOptions): Promise<Readiness> {
    return this.call(ENDPOINTS.ready, opts);
  }

  openapi(opts?: CallOptions): Promise<Record<string, unknown>> {
    return this.call(ENDPOINTS.openapi, opts);
  }
}

function positiveIntHeader(headers: Headers, name: string): number | undefined {
  const n = Number(headers.get(name) ?? NaN);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}
