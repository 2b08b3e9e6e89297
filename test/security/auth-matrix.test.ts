import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { backends } from '../support/backends.js';
import { startTestServer, type ApiResponse, type TestServer } from '../support/harness.js';
import { foreignIdsIn, opKey, operationsOf, type ForeignIds, type IdSet, type OpenApiDoc, type Operation } from './openapi-requests.js';
import { matrixRequest, placesOf, type MatrixRequest } from './matrix-requests.js';
import { createTenants, credentials, foreignIds, type Tenants } from './tenants.js';

/**
 * The auth matrix, generated from the server's own /openapi.json: every operation x {no token, expired, revoked,
 * read-only, write, another company's, an operator token of another plane} x company A's and company B's ids in
 * the path, the query and the body. Each answer must have the status the token and the ids call for, and no
 * answer may carry an id of the other tenant (a 4xx may quote back the ids its own request sent). Failures are
 * collected and reported together, one line each, so that one run shows every hole.
 */

const OPERATOR_PERMISSIONS = ['jobs:write', 'datasets:read', 'data-planes:write'];
/** Reads of things the fixtures do not make (an imported snapshot has no column statistics): 404 is right for them. */
const MAY_NOT_EXIST = new Set([
  'GET /datasets/{dataset_id}/snapshots/{snapshot_id}/column-stats',
  // The fixture dataset is not a view with a schedule.
  'GET /datasets/{dataset_id}/refresh-schedule',
]);
/** Served by the dataset's plane's operator; this server runs none, so the honest answer is a 503 problem. */
const NEEDS_OPERATOR = new Set(['GET /datasets/{dataset_id}/snapshots/{snapshot_id}/rows']);
const operatorMissing = (op: Operation, res: ApiResponse) => NEEDS_OPERATOR.has(opKey(op)) && res.status === 503 && isProblem(res);
/**
 * A batch (POST /jobs/complete|fail|heartbeat) answers 200 with one outcome per item, each item refused alone with
 * its reason: a batch whose every item was refused is the batch form of a 4xx.
 */
const refusedPerItem = (res: ApiResponse) => res.status === 200 && Array.isArray(res.body?.results) && res.body.results.length > 0
  && res.body.results.every((r: { problem?: unknown }) => r.problem !== undefined);
const ALL = ['*'];

function allows(granted: readonly string[], need: string | null): boolean {
  if (need === null || granted.includes('*')) return true;
  const [resource, access] = need.split(':');
  return granted.some((g) => {
    const [r, a] = g.split(':');
    return r === resource && (a === 'write' || access === 'read');
  });
}

const isProblem = (res: ApiResponse) => (res.headers.get('content-type') ?? '').includes('application/problem+json');
const brief = (res: ApiResponse) => `${res.status} ${JSON.stringify(res.body)?.slice(0, 160)}`;

describe.each(backends())('auth matrix over every operation of /openapi.json (%s)', (backend) => {
  let server: TestServer;
  let storage: string;
  let doc: OpenApiDoc;
  let ops: Operation[];
  let tenants: Tenants;
  let creds: Record<string, string | null>;

  beforeAll(async () => {
    storage = await mkdtemp(path.join(os.tmpdir(), 'jobplane-matrix-'));
    server = await startTestServer(backend, {}, { storageRoot: storage });
    doc = (await server.request('GET', '/openapi.json', { token: null })).body;
    ops = operationsOf(doc).filter((op) => !op.public);
    tenants = await createTenants(server);
    creds = await credentials(server, tenants);
  }, 180_000);
  afterAll(async () => {
    await server?.close();
    if (storage) await rm(storage, { recursive: true, force: true });
  });

  const send = (op: Operation, req: MatrixRequest, token: string | null) => server.request(op.method, req.path, {
    token, headers: req.headers, ...(req.rawBody !== undefined ? { rawBody: req.rawBody } : req.body !== undefined ? { body: req.body } : {}),
  });

  /** Runs `check` for each case and fails once, listing every case that did not hold. */
  async function expectAll(cases: Array<() => Promise<string | null>>): Promise<void> {
    const failures: string[] = [];
    for (const c of cases) {
      const why = await c();
      if (why) failures.push(why);
    }
    expect(failures, `${failures.length} case(s) failed:\n${failures.join('\n')}`).toEqual([]);
  }

  it('covers a meaningful API: every operation but /whoami names its permission (x-permission)', () => {
    expect(ops.length).toBeGreaterThan(30);
    const unnamed = ops.filter((op) => op.permission === null).map(opKey);
    expect(unnamed).toEqual(['GET /whoami']);
  });

  it('without a token, or with an expired or revoked one: 401 problem on every operation', async () => {
    await expectAll(ops.flatMap((op) => (['none', 'expired', 'revoked'] as const).map((who) => async () => {
      const res = await send(op, matrixRequest(doc, op, tenants.a.ids), creds[who]!);
      if (res.status !== 401 || !isProblem(res) || res.body?.code !== 'unauthenticated') return `${opKey(op)} as ${who}: ${brief(res)}`;
      return null;
    })));
  });

  it('a read-only token: 403 on every write operation, an answer (not 401/403/5xx) on every read', async () => {
    await expectAll(ops.map((op) => async () => {
      const res = await send(op, matrixRequest(doc, op, tenants.a.ids), creds['read-only']!);
      const write = op.permission?.endsWith(':write') ?? false;
      if (write && res.status !== 403) return `${opKey(op)} read-only (a write): expected 403, got ${brief(res)}`;
      if (!write && !operatorMissing(op, res) && (res.status === 401 || res.status === 403 || res.status >= 500)) return `${opKey(op)} read-only (a read): ${brief(res)}`;
      return null;
    }));
  });

  /**
   * A caller who must not reach `victim`'s resources sends requests naming them: 403 when its token lacks the
   * permission anyway, else 404 when the path names one of them, else a 4xx when the body does; and nothing of
   * the victim's in the answer but the ids this request itself quoted (in a 4xx).
   */
  async function crossing(who: string, token: string, granted: readonly string[], req: MatrixRequest, op: Operation, foreign: ForeignIds, victimIds: IdSet): Promise<string | null> {
    const res = await send(op, req, token);
    const label = `${opKey(op)} as ${who} (${req.path.slice(0, 120)})`;
    if (res.status >= 500) return `${label}: ${brief(res)}`;
    const sent = Object.values(victimIds).filter((v) => placesOf(req, v).size > 0);
    const inPath = Object.values(victimIds).some((v) => placesOf(req, v).has('path'));
    const inBody = Object.values(victimIds).some((v) => placesOf(req, v).has('body'));
    if (!allows(granted, op.permission)) {
      if (res.status !== 403) return `${label}: lacks ${op.permission}, expected 403, got ${brief(res)}`;
    } else if (inPath) {
      if (res.status !== 404) return `${label}: names another tenant's resource in its path, expected 404, got ${brief(res)}`;
    } else if (inBody && res.status < 400 && !refusedPerItem(res)) {
      return `${label}: names another tenant's resource in its body, expected a 4xx, got ${brief(res)}`;
    }
    // A refusal may quote what the request itself sent ("executor job-executor-<uuid> was not found").
    const quoted = res.status >= 400 || refusedPerItem(res) ? sent.map(String) : [];
    const leaks = foreignIdsIn(res.body, foreign).filter((l) => !quoted.some((q) => q.includes(l.split(' ').pop()!)));
    if (leaks.length > 0) return `${label}: the answer (${res.status}) shows the other tenant's ${leaks.join(', ')}`;
    return null;
  }

  it('another company\'s token on company A\'s ids: 404 (or 403), nothing of company A in any answer', async () => {
    const foreign = foreignIds(tenants.a.ids);
    await expectAll(ops.map((op) => () =>
      crossing('company B', creds['other company']!, ALL, matrixRequest(doc, op, tenants.a.ids), op, foreign, tenants.a.ids)));
  });

  it('an operator token of another plane of the company: nothing of the first plane\'s jobs, executors, pools and datasets', async () => {
    // Same company: its company id, tokens and webhooks are not the other plane's to hide; its plane's are.
    const planeScoped = ['data_plane_id', 'compute_pool_id', 'dataset_id', 'snapshot_id', 'job_id', 'executor_id'];
    const foreign = foreignIds(tenants.a.ids, planeScoped);
    const victim = Object.fromEntries(Object.entries(tenants.a.ids).filter(([k]) => planeScoped.includes(k)));
    await expectAll(ops.map((op) => () =>
      crossing('operator of plane 2', creds['operator of another plane']!, OPERATOR_PERMISSIONS, matrixRequest(doc, op, tenants.a.ids), op, foreign, victim)));
  });

  it('company A\'s token with company B\'s ids in the path, the query or the body (one id at a time): refused, nothing of B shown', async () => {
    const foreign = foreignIds(tenants.b.ids);
    const cases: Array<() => Promise<string | null>> = [];
    for (const op of ops) {
      // All path ids B's at once (the resource is B's), then each id name alone swapped into A's own request.
      cases.push(() => crossing('company A, B\'s ids', creds['write']!, ALL, matrixRequest(doc, op, tenants.b.ids), op, foreign, tenants.b.ids));
      for (const name of Object.keys(tenants.b.ids)) {
        const mixed = { ...tenants.a.ids, [name]: tenants.b.ids[name]! };
        const req = matrixRequest(doc, op, mixed);
        if (placesOf(req, tenants.b.ids[name]!).size === 0) continue; // this operation does not take that id
        const victim = { [name]: tenants.b.ids[name]! };
        cases.push(() => crossing(`company A, B's ${name}`, creds['write']!, ALL, req, op, foreign, victim));
      }
    }
    await expectAll(cases);
  });

  it('targeted: a job for another company\'s (or a made-up) dataset, a job on another plane, a snapshot for another company\'s dataset are refused', async () => {
    const a = tenants.a.ids;
    const b = tenants.b.ids;
    const write = creds['write']!;
    const snapshotsOfB = async () => (await server.request('GET', `/datasets/${b['dataset_id']}/snapshots`, { token: tenants.b.token })).body;
    const before = await snapshotsOfB();
    const failures: string[] = [];
    const refuse = async (what: string, res: Promise<ApiResponse>) => {
      const r = await res;
      if (r.status < 400 || r.status >= 500) failures.push(`${what}: expected a 4xx, got ${brief(r)}`);
    };
    const mv = (datasetId: number | string, extra: Record<string, unknown> = {}) => ({
      type: 'materialize-view', ...extra,
      input: { nql: 'CREATE MATERIALIZED VIEW "x" AS SELECT 1 AS a', dataset_id: datasetId, stats_enabled: false, compiled_sql: 'SELECT 1 AS a' },
    });
    await refuse('materialize-view into company B\'s dataset', server.request('POST', '/jobs', { token: write, body: mv(b['dataset_id']!) }));
    await refuse('materialize-view into a dataset that does not exist', server.request('POST', '/jobs', { token: write, body: mv(987_654_321) }));
    await refuse('operator of plane 2 creates a job on plane 1', server.request('POST', '/jobs', {
      token: creds['operator of another plane']!, body: { type: 'nql-forecast', data_plane_id: a['data_plane_id'], input: { nql: 'EXPLAIN SELECT 1', compiled_sql: 'SELECT 1' } },
    }));

    // An operator of plane 2 claims a job of its plane and completes it with a snapshot of company B's dataset.
    const op = creds['operator of another plane']!;
    const plane2 = tenants.a2.planeId;
    const executor = await server.request('POST', '/executors', { token: op, body: { data_plane_id: plane2, types: [], slots: 5 } });
    expect(executor.status, brief(executor)).toBe(201);
    const claimed = await server.request('POST', '/jobs/claim', { token: op, body: { executor: executor.body.id, data_plane_id: plane2, limit: 5 } });
    expect(claimed.status, brief(claimed)).toBe(200);
    const job = claimed.body.records.find((j: { job_id: string }) => j.job_id === tenants.a2.ids['job_id']);
    expect(job, 'the plane-2 fixture job was claimed').toBeDefined();
    const snapshot = (datasetId: unknown) => ({
      snapshot_id: 8_000_000_000_001, dataset_id: datasetId, parent_snapshot_id: before.records?.[0]?.snapshot_id ?? null, operation: 'append',
      files: [], row_count: 0, bytes: 0, inputs: [],
    });
    await refuse('complete with a snapshot of company B\'s dataset', server.request('POST', `/jobs/${job.job_id}/complete`, {
      token: op, body: { executor: executor.body.id, attempt: job.attempt, result: {}, snapshot: snapshot(b['dataset_id']) },
    }));
    await refuse('complete naming company B\'s dataset as an input', server.request('POST', `/jobs/${job.job_id}/complete`, {
      token: op, body: { executor: executor.body.id, attempt: job.attempt, result: {}, inputs: [{ dataset_id: b['dataset_id'], snapshot_id: b['snapshot_id'] }] },
    }));
    expect(await snapshotsOfB(), 'company B\'s snapshots are unchanged').toEqual(before);
    expect(failures, failures.join('\n')).toEqual([]);
  });

  it('company A\'s write token on its own resources: every operation answers (no 401/403/5xx), every read succeeds', async () => {
    // Reads first, then writes (which change the fixtures: a job run, a token revoked, an executor deleted).
    const ordered = [...ops].sort((x, y) => Number(x.method !== 'GET') - Number(y.method !== 'GET'));
    await expectAll(ordered.map((op) => async () => {
      const res = await send(op, matrixRequest(doc, op, tenants.a.ids), creds['write']!);
      if (operatorMissing(op, res)) return null;
      if (res.status === 401 || res.status === 403 || res.status >= 500) return `${opKey(op)} own: ${brief(res)}`;
      if (op.method === 'GET' && res.status >= 300 && !(res.status === 404 && MAY_NOT_EXIST.has(opKey(op)))) {
        return `${opKey(op)} own read: expected 2xx, got ${brief(res)}`;
      }
      return null;
    }));
  });
});
