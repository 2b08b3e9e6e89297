/**
 * Every HTTP operation the SDK performs, in OpenAPI path syntax. The client builds its requests from this table
 * and the contract test checks each entry against the server's `/openapi.json`, so a renamed or removed route
 * fails a test instead of failing a user.
 */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface Endpoint {
  method: HttpMethod;
  path: string;
}

export const ENDPOINTS = {
  listJobs: { method: 'GET', path: '/jobs' },
  createJob: { method: 'POST', path: '/jobs' },
  getJob: { method: 'GET', path: '/jobs/{job_id}' },
  listJobEvents: { method: 'GET', path: '/jobs/{job_id}/events' },
  runJob: { method: 'POST', path: '/jobs/{job_id}/run' },
  rescheduleJob: { method: 'POST', path: '/jobs/{job_id}/reschedule' },
  requestCancellation: { method: 'POST', path: '/jobs/{job_id}/request-cancellation' },
  cancelJob: { method: 'POST', path: '/jobs/{job_id}/cancel' },

  claimJobs: { method: 'POST', path: '/jobs/claim' },
  heartbeatJob: { method: 'POST', path: '/jobs/{job_id}/heartbeat' },
  completeJob: { method: 'POST', path: '/jobs/{job_id}/complete' },
  failJob: { method: 'POST', path: '/jobs/{job_id}/fail' },
  completeJobs: { method: 'POST', path: '/jobs/complete' },
  failJobs: { method: 'POST', path: '/jobs/fail' },
  heartbeatJobs: { method: 'POST', path: '/jobs/heartbeat' },
  explainJob: { method: 'GET', path: '/jobs/{job_id}/explain' },
  getJobStats: { method: 'GET', path: '/jobs/stats' },
  getJobThroughput: { method: 'GET', path: '/jobs/stats/throughput' },
  listEvents: { method: 'GET', path: '/events' },

  createWebhook: { method: 'POST', path: '/webhooks' },
  listWebhooks: { method: 'GET', path: '/webhooks' },
  getWebhook: { method: 'GET', path: '/webhooks/{webhook_id}' },
  archiveWebhook: { method: 'POST', path: '/webhooks/{webhook_id}/archive' },
  enableWebhook: { method: 'POST', path: '/webhooks/{webhook_id}/enable' },
  listWebhookDeliveries: { method: 'GET', path: '/webhooks/{webhook_id}/deliveries' },
  retryWebhookDelivery: { method: 'POST', path: '/webhooks/{webhook_id}/deliveries/{delivery_id}/retry' },

  registerExecutor: { method: 'POST', path: '/executors' },
  listExecutors: { method: 'GET', path: '/executors' },
  getExecutor: { method: 'GET', path: '/executors/{executor_id}' },
  heartbeatExecutor: { method: 'POST', path: '/executors/{executor_id}/heartbeat' },
  watchCancellations: { method: 'GET', path: '/executors/{executor_id}/cancellations' },
  drainExecutor: { method: 'POST', path: '/executors/{executor_id}/drain' },
  deregisterExecutor: { method: 'DELETE', path: '/executors/{executor_id}' },

  createDataset: { method: 'POST', path: '/datasets' },
  listDatasets: { method: 'GET', path: '/datasets' },
  getDataset: { method: 'GET', path: '/datasets/{dataset_id}' },
  listSnapshots: { method: 'GET', path: '/datasets/{dataset_id}/snapshots' },
  getSnapshot: { method: 'GET', path: '/datasets/{dataset_id}/snapshots/{snapshot_id}' },
  getColumnStats: { method: 'GET', path: '/datasets/{dataset_id}/snapshots/{snapshot_id}/column-stats' },
  getSnapshotRows: { method: 'GET', path: '/datasets/{dataset_id}/snapshots/{snapshot_id}/rows' },
  importIntoDataset: { method: 'POST', path: '/datasets/{dataset_id}/import' },
  createDatasetFromFiles: { method: 'POST', path: '/datasets/import' },
  refreshView: { method: 'POST', path: '/datasets/{dataset_id}/refresh-materialized-view' },
  getRefreshSchedule: { method: 'GET', path: '/datasets/{dataset_id}/refresh-schedule' },
  createRefreshSchedule: { method: 'POST', path: '/datasets/{dataset_id}/refresh-schedule' },
  replaceRefreshSchedule: { method: 'PUT', path: '/datasets/{dataset_id}/refresh-schedule' },
  archiveRefreshSchedule: { method: 'DELETE', path: '/datasets/{dataset_id}/refresh-schedule' },
  recalculateColumnStats: { method: 'POST', path: '/datasets/{dataset_id}/columns-stats/recalculate' },

  validateNql: { method: 'POST', path: '/nql/validate' },
  compileNql: { method: 'POST', path: '/nql/compile' },
  runNql: { method: 'POST', path: '/nql/run' },
  getNqlJob: { method: 'GET', path: '/nql/{job_id}' },

  listDataPlanes: { method: 'GET', path: '/data-planes' },
  createDataPlane: { method: 'POST', path: '/data-planes' },
  getDataPlane: { method: 'GET', path: '/data-planes/{data_plane_id}' },
  heartbeatDataPlane: { method: 'POST', path: '/data-planes/{data_plane_id}/heartbeat' },
  listComputePools: { method: 'GET', path: '/data-planes/{data_plane_id}/compute-pools' },
  createComputePool: { method: 'POST', path: '/data-planes/{data_plane_id}/compute-pools' },

  whoami: { method: 'GET', path: '/whoami' },
  listTokens: { method: 'GET', path: '/access-tokens/tokens' },
  createToken: { method: 'POST', path: '/access-tokens/tokens' },
  revokeToken: { method: 'DELETE', path: '/access-tokens/tokens/{access_token_id}' },

  health: { method: 'GET', path: '/healthz' },
  ready: { method: 'GET', path: '/readyz' },
  openapi: { method: 'GET', path: '/openapi.json' },
} as const satisfies Record<string, Endpoint>;

export type EndpointName = keyof typeof ENDPOINTS;

/**
 * Operations of CONTRACTS.md that the SDK already calls but a server may not serve yet (their owners are building
 * them). The contract test checks each one like any other entry as soon as `/openapi.json` lists it, and skips it
 * until then; once every server in use has it, drop it from this set. A call to one that the server lacks is a 404.
 */
export const PENDING_ENDPOINTS: ReadonlySet<EndpointName> = new Set<EndpointName>([
  'completeJobs', 'failJobs', 'heartbeatJobs', 'getSnapshotRows',
]);

/** `/jobs/{job_id}` + `{job_id: "x"}` -> `/jobs/x` (each value percent-encoded). */
export function fillPath(template: string, params: Record<string, string> = {}): string {
  return template.replace(/\{([a-z_]+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`missing path parameter ${name} for ${template}`);
    return encodeURIComponent(value);
  });
}
