import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { backends } from '../support/backends.js';
import { startTestServer, type ApiResponse, type TestServer } from '../support/harness.js';
import { operationsOf, resolve, type OpenApiDoc } from './openapi-requests.js';
import { createTenants, type Tenants } from './tenants.js';
import { describeChange, StateProbe } from './state-fingerprint.js';

/**
 * What the outside probe of issue 17 found, kept as regressions: input PostgreSQL cannot store (NUL, lone
 * surrogates) is a 400 naming the field, at the schema layer, for every field; prototype names are plain values;
 * the framework's own errors are problems; no answer shows a server path; refusals change nothing.
 */

type Json = Record<string, unknown>;

/** Every schema below `schema` that takes a string or a free-form object, with where it is. */
function inputsOf(doc: OpenApiDoc, schema: Json | undefined, at: string, out: Array<{ at: string; schema: Json }>, seen = new Set<Json>()): void {
  const s = resolve(doc, schema) as Json;
  if (!s || seen.has(s)) return;
  seen.add(s);
  const freeForm = s['type'] === 'object' && s['additionalProperties'] === true && Object.keys((s['properties'] as Json) ?? {}).length === 0;
  if ((s['type'] === 'string' && !s['enum'] && s['const'] === undefined) || freeForm) out.push({ at, schema: s });
  for (const [k, v] of Object.entries((s['properties'] as Record<string, Json>) ?? {})) inputsOf(doc, v, `${at}/${k}`, out, seen);
  if (s['items']) inputsOf(doc, s['items'] as Json, `${at}/*`, out, seen);
  for (const key of ['anyOf', 'oneOf', 'allOf']) for (const b of (s[key] as Json[]) ?? []) inputsOf(doc, b, at, out, seen);
}

describe.each(backends())('refused input (%s)', (backend) => {
  let server: TestServer;
  let storage: string;
  let doc: OpenApiDoc;
  let tenants: Tenants;
  let probe: StateProbe;

  beforeAll(async () => {
    storage = await mkdtemp(path.join(os.tmpdir(), 'jobplane-refusals-'));
    server = await startTestServer(backend, {}, { storageRoot: storage });
    doc = (await server.request('GET', '/openapi.json', { token: null })).body;
    tenants = await createTenants(server);
    probe = await StateProbe.open(server.database.db, storage);
  }, 180_000);
  afterAll(async () => {
    await server?.close();
    if (storage) await rm(storage, { recursive: true, force: true });
  });

  /** Sends, and checks that the answer is a problem with `status` that changed nothing. */
  async function refused(method: string, p: string, opts: Parameters<TestServer['request']>[2], status = 400): Promise<ApiResponse> {
    const before = await probe.take();
    const res = await server.request(method, p, opts);
    expect(res.status, `${method} ${p}: ${JSON.stringify(res.body)}`).toBe(status);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(describeChange(before, await probe.take()), `${method} ${p} changed nothing`).toBe('');
    return res;
  }
  const pointers = (res: ApiResponse) => (res.body.errors ?? []).map((e: { pointer: string }) => e.pointer);

  it('every string and free-form object a request can carry refuses what PostgreSQL cannot store (x-storable)', () => {
    const missing: string[] = [];
    for (const op of operationsOf(doc)) {
      const found: Array<{ at: string; schema: Json }> = [];
      for (const p of [...op.pathParams, ...op.query]) inputsOf(doc, p.schema, `${op.method} ${op.path} ${p.name}`, found);
      if (op.body) inputsOf(doc, op.body, `${op.method} ${op.path} body`, found);
      for (const f of found) if (f.schema['x-storable'] !== true) missing.push(f.at);
    }
    expect(missing, 'use Text() / JsonObject() of src/api/schemas/common.ts for these').toEqual([]);
  });

  it('a NUL or a lone surrogate in any field is a 400 naming the field (the inputs of issue 17)', async () => {
    const a = tenants.a.ids;
    const forecast = { type: 'nql-forecast', input: { nql: 'EXPLAIN SELECT 1', compiled_sql: 'SELECT 1' } };
    const cases: Array<[string, string, unknown, string]> = [
      ['POST', '/jobs', { ...forecast, idempotency_key: 'k\u0000' }, '/idempotency_key'],
      ['POST', '/jobs', { type: 'materialize-view', input: { nql: 'x\u0000', dataset_id: a['dataset_id'], stats_enabled: false, compiled_sql: 'SELECT 1 AS a' } }, '/input/nql'],
      ['POST', '/jobs', { ...forecast, input: { ...forecast.input, compiled_sql: 'SELECT \uD800' } }, '/input/compiled_sql'],
      ['POST', '/datasets', { name: 'nul_display', display_name: 'a\u0000b', schema: { type: 'object', properties: {} } }, '/display_name'],
      ['POST', '/datasets', { name: 'nul_description', description: '\u0000', schema: { type: 'object', properties: {} } }, '/description'],
      ['POST', '/datasets', { name: 'nul_schema', schema: { type: 'object', properties: { 'a\u0000': { type: 'string' } } } }, '/schema/properties/a\\u0000'],
      ['POST', '/access-tokens/tokens', { name: 't\u0000', permissions: [{ resource: 'jobs', access: 'read' }] }, '/name'],
      ['POST', '/data-planes', { display_name: 'p\uDC00' }, '/display_name'],
      ['POST', '/nql/validate', { nql: 'SELECT * FROM company_data."6402\u0000"' }, '/nql'],
      ['POST', '/nql/compile', { nql: 'SELECT * FROM company_data."6402\u0000"' }, '/nql'],
      ['POST', '/nql/run', { nql: 'SELECT * FROM company_data."6402\u0000"' }, '/nql'],
      ['POST', `/jobs/${a['job_id']}/heartbeat`, { executor: a['executor_id'], attempt: 1, progress: { note: 'x\u0000' } }, '/progress/note'],
      ['POST', `/jobs/${a['job_id']}/fail`, { executor: a['executor_id'], attempt: 1, failure: { message: 'm', value: { deep: ['\uD800'] } } }, '/failure/value/deep/0'],
      ['POST', `/jobs/${a['job_id']}/complete`, { executor: a['executor_id'], attempt: 1, result: { '\u0000': 1 } }, '/result/\\u0000'],
    ];
    for (const [method, p, body, pointer] of cases) {
      const res = await refused(method, p, { body });
      expect(pointers(res), `${method} ${p}`).toContain(pointer);
      expect(res.body.detail).toMatch(/NUL|surrogate/);
    }
    // Query strings too.
    const q = await refused('GET', '/jobs?type=a%00b', {});
    expect(pointers(q)).toContain('/type');
    // Deeper than any real document: refused before PostgreSQL's recursive jsonb parser has to say so.
    const deep = await refused('POST', '/jobs', { rawBody: JSON.stringify(forecast).replace('"input":{', `"input":{"d":${'['.repeat(200)}${']'.repeat(200)},`) });
    expect(deep.body.detail).toContain('nests deeper than');
  });

  it('prototype names are plain values: an unknown type "constructor", a field "__proto__"', async () => {
    for (const type of ['constructor', 'toString', 'hasOwnProperty', '__proto__', 'prototype']) {
      const res = await refused('POST', '/jobs', { body: { type, input: {} } });
      expect(pointers(res), type).toContain('/type');
    }
    const proto = await refused('POST', '/jobs', { rawBody: '{"type":"nql-forecast","input":{"nql":"x","compiled_sql":"y"},"__proto__":{"admin":true}}' });
    expect(pointers(proto)).toContain('/__proto__');
  });

  it('an import whose CSV is NUL bytes is a 400 from the import, leaving no file or row behind', async () => {
    const res = await refused('POST', '/datasets/import?name=nul_bytes', { rawBody: '\u0000'.repeat(64), headers: { 'content-type': 'text/csv' } });
    expect(res.body.detail).toMatch(/name|header/);
  });

  it('no answer shows a server path: a Parquet import of a non-Parquet body', async () => {
    const res = await refused('POST', '/datasets/import?name=not_parquet', { rawBody: 'this is not parquet', headers: { 'content-type': 'application/vnd.apache.parquet' } });
    const text = JSON.stringify(res.body);
    for (const dir of [storage, os.tmpdir(), process.cwd()]) expect(text, `mentions ${dir}`).not.toContain(dir);
  });

  it('the framework\'s own errors are problems: bad JSON, unknown route, 413, 414, 415, 431, an undecodable URL', async () => {
    const bad = await refused('POST', '/jobs', { rawBody: '{"type": ' });
    expect(pointers(bad)).toContain('/');
    await refused('GET', '/no-such-route', {}, 404);
    await refused('POST', '/jobs', { rawBody: JSON.stringify({ type: 'x', input: { big: 'x'.repeat(1_100_000) } }) }, 413);
    await refused('GET', `/jobs/${'a'.repeat(200)}`, {}, 414);
    await refused('POST', '/jobs', { rawBody: 'type=x', headers: { 'content-type': 'text/plain' } }, 415);
    await refused('GET', '/jobs/%E0%A4%A', {}, 400);
    // Raised by Node's HTTP parser before Fastify has a request: answered on the socket, still as problems.
    for (const [request, status] of [
      [`GET /jobs?q=${'a'.repeat(70_000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 414],
      [`GET /jobs HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
      ['NOT HTTP AT ALL\r\n\r\n', 400],
    ] as const) {
      const raw = await rawExchange(server.url, request);
      expect(raw, request.slice(0, 40)).toMatch(new RegExp(`^HTTP/1.1 ${status} `));
      expect(raw.toLowerCase()).toContain('content-type: application/problem+json');
      const body = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4));
      expect(body).toMatchObject({ status, type: expect.stringContaining('https://jobplane.dev/problems/'), detail: expect.any(String) });
    }
  });

  it('/metrics needs a token with metrics:read', async () => {
    await refused('GET', '/metrics', { token: null }, 401);
    await refused('GET', '/metrics', { token: (await server.token('jobs:read')).token }, 403);
    const ok = await server.request('GET', '/metrics', { token: (await server.token('metrics:read')).token });
    expect(ok.status).toBe(200);
    expect(String(ok.body)).toContain('jobplane_http_request_duration_seconds');
  });
});

/** Writes `request` on a raw socket and returns everything the server answers until it closes. */
function rawExchange(url: string, request: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolvePromise, reject) => {
    const socket = net.connect(Number(port), hostname, () => socket.end(request));
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => { data += d; });
    socket.on('close', () => resolvePromise(data));
    socket.on('error', (err: NodeJS.ErrnoException) => (data ? resolvePromise(data) : reject(err)));
  });
}
