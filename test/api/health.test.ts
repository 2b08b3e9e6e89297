import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/backends.js';
import { startTestServer, type TestServer } from '../support/harness.js';

describe.each(backends())('readiness (%s)', (backend) => {
  let server: TestServer;
  beforeAll(async () => { server = await startTestServer(backend); });
  afterAll(async () => { await server?.close(); });

  it('is 503 while the server is starting up and while it shuts down, 200 in between', async () => {
    server.app.readiness.starting = 'preparing the sample dataset';
    const starting = await server.request('GET', '/readyz', { token: null });
    expect(starting.status).toBe(503);
    expect(starting.headers.get('content-type')).toContain('application/problem+json');
    expect(starting.body.detail).toBe('the server is starting: preparing the sample dataset');
    expect((await server.request('GET', '/healthz', { token: null })).status).toBe(200);

    server.app.readiness.starting = null;
    expect(await server.request('GET', '/readyz', { token: null })).toMatchObject({ status: 200, body: { status: 'ready', database: expect.any(String) } });

    // What preClose does when the server starts closing.
    server.app.closing.abort();
    const closing = await server.request('GET', '/readyz', { token: null });
    expect(closing.status).toBe(503);
    expect(closing.body.detail).toBe('the server is shutting down');
  });
});
