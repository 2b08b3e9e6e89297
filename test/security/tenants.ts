import { parsePermissionList } from '../../src/core/permissions.js';
import { snapshotInsert } from '../../src/store/snapshots.js';
import type { TestServer } from '../support/harness.js';
import type { ForeignIds, IdSet } from './openapi-requests.js';

/**
 * Two companies with one of everything each, on one test server: company A (the bootstrap company, whose default
 * plane holds the server's files, so its dataset has an imported snapshot) with a second data plane, and company
 * B. The auth matrix and the fuzz test fill requests with one tenant's ids and send them with the other's tokens.
 */
export interface Tenant {
  companyId: number;
  planeId: string;
  /** The admin token of the company (every permission). */
  token: string;
  /** Ids by the name of the field or parameter that carries them (see IdSet). */
  ids: IdSet;
}

export interface Tenants {
  a: Tenant;
  b: Tenant;
  /** A second data plane of company A, and the ids that live on it (an operator token of it must not reach A's plane). */
  a2: { planeId: string; operatorToken: string; ids: IdSet };
}

const SCHEMA = { type: 'object', properties: { a: { type: 'string' }, n: { type: 'long' } } };

async function ok<T = any>(server: TestServer, method: string, path: string, token: string, body?: unknown, headers?: Record<string, string>, raw?: string): Promise<T> {
  const res = await server.request(method, path, { token, ...(raw !== undefined ? { rawBody: raw } : { body }), ...(headers ? { headers } : {}) });
  if (res.status >= 300) throw new Error(`fixture ${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as T;
}

const forecast = (datasetId: number, planeId: string) => ({
  type: 'nql-forecast', data_plane_id: planeId,
  input: { nql: `EXPLAIN SELECT "a" FROM company_data."${datasetId}"`, compiled_sql: `SELECT "a" FROM "ds_${datasetId}"` },
  inputs: [{ dataset_id: datasetId, snapshot_id: null }],
});

/** One company's resources, created through the API with its admin token (and a snapshot written directly when its plane has no files here). */
async function populate(server: TestServer, companyId: number, planeId: string, token: string, tag: string, importable: boolean): Promise<Tenant> {
  const pool = await ok(server, 'POST', `/data-planes/${planeId}/compute-pools`, token, { name: `pool-${tag}`, max_concurrency: 2 });
  let datasetId: number;
  let snapshotId: number;
  if (importable) {
    const imported = await ok(server, 'POST', `/datasets/import?name=matrix_${tag}&format=csv`, token, undefined, { 'content-type': 'text/csv' }, 'a,n\nx,1\ny,2\n');
    datasetId = imported.dataset.id;
    snapshotId = imported.snapshot.snapshot_id;
  } else {
    const dataset = await ok(server, 'POST', '/datasets', token, { name: `matrix_${tag}`, schema: SCHEMA, data_plane_id: planeId });
    datasetId = dataset.id;
    snapshotId = 7_000_000_000_000 + companyId;
    const snap = await snapshotInsert(server.database.db, {
      snapshotId, datasetId, parentSnapshotId: null, operation: 'append', files: [], rowCount: 0, bytes: 0, jobId: null, inputs: [],
    });
    if (!snap) throw new Error('fixture snapshot was not inserted');
  }
  const job = await ok(server, 'POST', '/jobs', token, forecast(datasetId, planeId));
  const executor = await ok(server, 'POST', '/executors', token, { data_plane_id: planeId, types: ['nql-forecast'], slots: 1, name: `matrix ${tag}` });
  const victim = await ok(server, 'POST', '/access-tokens/tokens', token, { name: `victim ${tag}`, permissions: [{ resource: 'jobs', access: 'read' }] });
  const ids: IdSet = {
    company_id: companyId, data_plane_id: planeId, compute_pool_id: pool.id, dataset_id: datasetId, snapshot_id: snapshotId,
    job_id: job.job_id, executor_id: executor.id, access_token_id: victim.id,
  };
  const webhooks = await server.request('POST', '/webhooks', { token, body: { type: 'webhook_subscription_jobs', url: 'https://93.184.216.34/matrix', name: `matrix ${tag}` } });
  if (webhooks.status === 201 || webhooks.status === 200) ids['webhook_id'] = webhooks.body.id;
  return { companyId, planeId, token, ids };
}

export async function createTenants(server: TestServer): Promise<Tenants> {
  const adminA = (await server.token('all')).token;
  const a = await populate(server, server.companyId, server.dataPlaneId, adminA, 'a', true);
  const other = await server.otherCompany();
  const b = await populate(server, other.companyId, other.dataPlaneId, other.token, 'b', false);
  const plane2 = await ok(server, 'POST', '/data-planes', adminA, { display_name: 'matrix second plane' });
  const operatorToken = (await server.token('jobs:write,datasets:read,data-planes:write', { dataPlaneId: plane2.id })).token;
  const job2 = await ok(server, 'POST', '/jobs', adminA, { type: 'nql-forecast', data_plane_id: plane2.id, input: { nql: 'EXPLAIN SELECT 1', compiled_sql: 'SELECT 1' } });
  return { a, b, a2: { planeId: plane2.id, operatorToken, ids: { data_plane_id: plane2.id, job_id: job2.job_id } } };
}

/** The tokens of the matrix, all of company A except `otherCompany`. */
export async function credentials(server: TestServer, tenants: Tenants): Promise<Record<string, string | null>> {
  const revoked = await server.token('all');
  await server.request('DELETE', `/access-tokens/tokens/${revoked.id}`, { token: tenants.a.token });
  const expired = await server.token('all', { expiresInSeconds: 3600 });
  // The API refuses to mint an expired token: move this one's expiry into the past.
  await server.database.db.query(`UPDATE access_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`, [expired.id]);
  const readOnly = await server.token(parsePermissionList('all').map((p) => `${p.resource}:read`).join(','));
  return {
    none: null,
    expired: expired.token,
    revoked: revoked.token,
    'read-only': readOnly.token,
    write: (await server.token('all')).token,
    'other company': tenants.b.token,
    'operator of another plane': tenants.a2.operatorToken,
  };
}

const INTEGER_KEYS = {
  company_id: ['company_id', 'company_access_list'],
  dataset_id: ['dataset_id', 'dataset_ids', 'id'],
  snapshot_id: ['snapshot_id', 'parent_snapshot_id', 'latest_snapshot_id'],
} as const;

/** A tenant's ids as a leak pattern (see foreignIdsIn). */
export function foreignIds(ids: IdSet, only?: readonly string[]): ForeignIds {
  const out: ForeignIds = { uuids: new Map(), integers: [] };
  for (const [name, value] of Object.entries(ids)) {
    if (only && !only.includes(name)) continue;
    if (typeof value === 'number') {
      const keys = INTEGER_KEYS[name as keyof typeof INTEGER_KEYS];
      if (keys) out.integers.push({ value, label: name, keys });
    } else {
      const uuid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i.exec(value)?.[0];
      if (uuid) out.uuids.set(uuid, name);
    }
  }
  return out;
}
