import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, JobplaneClient, type FeedEvent } from '../../src/client/index.js';
import { backends } from '../support/backends.js';
import { startTestServer, type TestServer } from '../support/harness.js';
import { waitFor } from '../support/wait-for.js';
import { allEvents } from './events-helpers.js';
import { FOUR_STATES, jobThroughFourStates } from './webhooks-helpers.js';

/** A TCP relay in front of the server whose connections the test can cut, as a network or a proxy would. */
async function relay(target: string): Promise<{ url: string; cut(): void; close(): Promise<void> }> {
  const { port } = new URL(target);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((down) => {
    const up = net.connect(Number(port), '127.0.0.1');
    for (const s of [down, up]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    down.pipe(up).pipe(down);
    down.on('close', () => up.destroy());
    up.on('close', () => down.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    cut: () => { for (const s of sockets) s.destroy(); },
    close: () => new Promise((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); }),
  };
}

describe.each(backends())('the SDK\'s event stream on %s', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend, { sseHeartbeatMs: 500 });
  });
  afterAll(async () => server?.close());

  it('resumes after a dropped connection without losing or repeating an event', async () => {
    const proxy = await relay(server.url);
    const client = new JobplaneClient({ baseUrl: proxy.url, token: server.adminToken });
    const stop = new AbortController();
    const got: FeedEvent[] = [];
    const reconnects: Array<string | undefined> = [];
    const reading = (async () => {
      for await (const e of client.streamEvents({ signal: stop.signal, onReconnect: ({ after }) => reconnects.push(after) })) got.push(e);
    })();
    try {
      // The stream starts "now": wait until it is open (its first heartbeat went through the relay).
      await waitFor(async () => (await server.request('GET', '/metrics')).body.includes('jobplane_event_feed_clients 1'), { message: 'the stream to open' });
      const start = (await allEvents(server)).at(-1)?.id ?? '0';
      const first = await jobThroughFourStates(server);
      await waitFor(() => got.length >= 4, { message: 'the first job\'s events' });
      proxy.cut();
      // While the client is reconnecting (or not yet aware), more transitions happen.
      const second = await jobThroughFourStates(server);
      const third = await jobThroughFourStates(server);
      await waitFor(() => got.length >= 12, { message: 'every event after the drop', timeoutMs: 30_000 });
      expect(reconnects.length).toBeGreaterThanOrEqual(1);
      expect(got.map((e) => e.id)).toEqual((await allEvents(server, { after: start })).map((e) => e.id));
      for (const job of [first, second, third]) expect(got.filter((e) => e.data.job_id === job).map((e) => e.type)).toEqual(FOUR_STATES);
    } finally {
      stop.abort();
      await reading;
      await proxy.close();
    }
  });

  it('pages with listEvents, and ends the iteration with the server\'s refusal', async () => {
    const client = new JobplaneClient({ baseUrl: server.url, token: server.adminToken });
    const job = await jobThroughFourStates(server);
    await server.app.eventFeed.sequenceNow({ wait: true });
    const page = await client.listEvents({ job_id: job });
    expect(page.records.map((e) => e.type)).toEqual(FOUR_STATES);
    expect(page.next_cursor).toBe(page.records[3]!.id);
    const iterate = async () => {
      for await (const _ of new JobplaneClient({ baseUrl: server.url, token: 'jp_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }).streamEvents()) break;
    };
    const err = await iterate().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(401);
  });
});
