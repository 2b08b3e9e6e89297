/**
 * Every HTTP operation the SDK performs, in OpenAPI path syntax. The client builds its requests from this table
 * and the contract test checks each entry against the server's `/openapi.json`, so a renamed or removed route
 * fails a test instead of failing a user.
 */
export type HttpMethod = 'GET' | 'POST' | 'DELETE';

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
  importIntoDataset: { method: 'POST', path: '/datasets/{dataset_id}/import' },
  createDatasetFromFiles: { method: 'POST', path: '/datasets/import' },

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

/** `/jobs/{job_id}` + `{job_id: "x"}` -> `/jobs/x` (each value percent-encoded). */
export function fillPath(template: string, params: Record<string, string> = {}): string {
  return template.replace(/\{([a-z_]+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`missing path parameter ${name} for ${template}`);
    return encodeURIComponent(value);
  });
}
