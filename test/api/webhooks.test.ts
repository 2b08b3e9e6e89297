import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/backends.js';
import { startTestServer, type TestServer } from '../support/harness.js';
import { isPublicAddress } from '../../src/api/webhook-url-policy.js';
import { subscribe } from './webhooks-helpers.js';

const HOOK = 'https://93.184.215.14/hooks/jobplane'; // a public IP literal: no DNS needed to accept it

describe('isPublicAddress', () => {
  it('refuses private, loopback, link-local, shared, reserved and mapped forms; accepts public ones', () => {
    for (const a of ['10.1.2.3', '127.0.0.1', '169.254.169.254', '172.16.0.1', '172.31.255.255', '192.168.1.1', '100.64.0.1',
      '0.0.0.0', '224.0.0.1', '255.255.255.255', '::1', '::', 'fe80::1', 'fc00::1', 'fd12:3456::1', '::ffff:127.0.0.1',
      '::ffff:10.0.0.1', '64:ff9b::a00:1', 'ff02::1', 'not-an-ip']) {
      expect(isPublicAddress(a), a).toBe(false);
    }
    for (const a of ['93.184.215.14', '8.8.8.8', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']) expect(isPublicAddress(a), a).toBe(true);
  });
});

describe.each(backends())('webhook subscriptions on %s', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend);
  });
  afterAll(async () => server?.close());

  it('creates a subscription in Narrative\'s shape, showing the secret once', async () => {
    const created = await subscribe(server, HOOK, { name: 'ops', states: ['completed', 'failed'], job_types: ['nql-forecast'] });
    expect(created).toMatchObject({
      type: 'webhook_subscription_jobs', name: 'ops', url: HOOK, status: 'active', companyId: server.companyId,
      jobIds: null, jobTypes: ['nql-forecast'], jobStates: ['completed', 'failed'], disabledReason: null,
    });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(created.createdAt).toMatch(/Z$/);
    const got = (await server.request('GET', `/webhooks/${created.id}`)).body;
    expect(got).not.toHaveProperty('secret');
    const { secret: _secret, ...withoutSecret } = created;
    expect(got).toEqual(withoutSecret);
    const list = (await server.request('GET', '/webhooks?status=active')).body;
    expect(list.records.map((w: any) => w.id)).toContain(created.id);
    expect(JSON.stringify(list)).not.toContain(created.secret);
    expect((await subscribe(server, HOOK)).secret).not.toBe(created.secret);
  });

  it('refuses URLs that are not https, carry credentials or reach private networks, saying why', async () => {
    const cases: Array<[string, RegExp]> = [
      ['http://93.184.215.14/hook', /must be https/],
      ['ftp://93.184.215.14/hook', /must be https/],
      ['https://user:pw@93.184.215.14/hook', /credentials/],
      ['https://127.0.0.1/hook', /private, loopback or link-local/],
      ['https://localhost:8443/hook', /resolves to .*(127\.0\.0\.1|::1)/],
      ['https://10.0.0.8/hook', /10\.0\.0\.8/],
      ['https://169.254.169.254/latest/meta-data', /169\.254\.169\.254/],
      ['https://[::1]/hook', /::1/],
      ['https://[::ffff:192.168.0.1]/hook', /private/],
      ['https://no-such-host.invalid/hook', /does not resolve/],
      ['not a url', /absolute URL/],
    ];
    for (const [url, why] of cases) {
      const res = await server.request('POST', '/webhooks', { body: { type: 'webhook_subscription_jobs', url } });
      expect(res.status, url).toBe(400);
      expect(res.body.errors[0], url).toMatchObject({ pointer: '/url' });
      expect(res.body.detail, url).toMatch(why);
    }
    const before = (await server.request('GET', '/webhooks')).body.total_records;
    for (const body of [
      { type: 'webhook_subscription_app', url: HOOK },
      { type: 'webhook_subscription_jobs', url: HOOK, job_ids: [] },
      { type: 'webhook_subscription_jobs', url: HOOK, states: ['done'] },
      { type: 'webhook_subscription_jobs', url: HOOK, job_ids: ['x'] },
      { type: 'webhook_subscription_jobs', url: HOOK, extra: 1 },
      { type: 'webhook_subscription_jobs' },
    ]) {
      expect((await server.request('POST', '/webhooks', { body })).status, JSON.stringify(body)).toBe(400);
    }
    expect((await server.request('GET', '/webhooks')).body.total_records).toBe(before);
  });

  it('accepts http and private addresses only where the operator allows them', async () => {
    const own = await startTestServer(backend, { webhookUrlPolicy: { allowHttpHosts: ['127.0.0.1'], allowPrivate: true } });
    try {
      expect((await own.request('POST', '/webhooks', { body: { type: 'webhook_subscription_jobs', url: 'http://127.0.0.1:9/x' } })).status).toBe(201);
      expect((await own.request('POST', '/webhooks', { body: { type: 'webhook_subscription_jobs', url: 'https://10.0.0.8/x' } })).status).toBe(201);
      const other = await own.request('POST', '/webhooks', { body: { type: 'webhook_subscription_jobs', url: 'http://10.0.0.8/x' } });
      expect(other.status).toBe(400);
      expect(other.body.detail).toMatch(/JOBPLANE_WEBHOOK_ALLOW_HTTP_HOSTS/);
    } finally {
      await own.close();
    }
  });

  it('needs webhooks permissions (and jobs:read to create); operator tokens manage none', async () => {
    const reader = await server.token('webhooks:read,jobs:read');
    const writerWithoutJobs = await server.token('webhooks:write');
    const jobsOnly = await server.token('jobs:write');
    const body = { type: 'webhook_subscription_jobs', url: HOOK };
    expect((await server.request('POST', '/webhooks', { token: reader.token, body })).status).toBe(403);
    const noJobs = await server.request('POST', '/webhooks', { token: writerWithoutJobs.token, body });
    expect(noJobs.status).toBe(403);
    expect(noJobs.body.detail).toMatch(/jobs:read/);
    expect((await server.request('GET', '/webhooks', { token: jobsOnly.token })).status).toBe(403);
    expect((await server.request('GET', '/webhooks', { token: reader.token })).status).toBe(200);
    const operator = await server.token('webhooks:write,jobs:write', { dataPlaneId: server.dataPlaneId });
    expect((await server.request('POST', '/webhooks', { token: operator.token, body })).status).toBe(403);
    expect((await server.request('GET', '/webhooks', { token: null })).status).toBe(401);
  });

  it('keeps companies apart: another company\'s subscription is a 404 everywhere', async () => {
    const other = await server.otherCompany();
    const theirs = await subscribe(server, HOOK, {}, other.token);
    expect(theirs.companyId).toBe(other.companyId);
    const mine = (await server.request('GET', '/webhooks?per_page=500')).body.records;
    expect(mine.some((w: any) => w.id === theirs.id)).toBe(false);
    for (const [method, path] of [
      ['GET', `/webhooks/${theirs.id}`], ['POST', `/webhooks/${theirs.id}/archive`], ['POST', `/webhooks/${theirs.id}/enable`],
      ['GET', `/webhooks/${theirs.id}/deliveries`],
      ['POST', `/webhooks/${theirs.id}/deliveries/00000000-0000-4000-8000-000000000000/retry`],
    ] as const) {
      expect((await server.request(method, path)).status, `${method} ${path}`).toBe(404);
    }
    expect((await server.request('GET', `/webhooks/${theirs.id}`, { token: other.token })).body.status).toBe('active');
  });

  it('archives for good: idempotent, and enable refuses an archived subscription', async () => {
    const sub = await subscribe(server, HOOK);
    const archived = await server.request('POST', `/webhooks/${sub.id}/archive`);
    expect(archived.body).toMatchObject({ id: sub.id, status: 'archived' });
    expect((await server.request('POST', `/webhooks/${sub.id}/archive`)).body.status).toBe('archived');
    const enable = await server.request('POST', `/webhooks/${sub.id}/enable`);
    expect(enable.status).toBe(409);
    expect((await server.request('GET', '/webhooks?status=archived')).body.records.map((w: any) => w.id)).toContain(sub.id);
    expect((await server.request('GET', '/webhooks/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await server.request('GET', '/webhooks/not-a-uuid')).status).toBe(400);
  });
});
