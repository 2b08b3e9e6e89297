import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/backends.js';
import { forecastJob, startTestServer, type TestServer } from '../support/harness.js';
import { allEvents, SseReader } from './events-helpers.js';

/** create -> run -> request-cancellation -> cancel: four events, states pending, running, pending_cancellation, cancelled. */
async function jobThroughFourStates(server: TestServer, token?: string): Promise<string> {
  const opts = token ? { token } : {};
  const created = await server.request('POST', '/jobs', { ...opts, body: forecastJob() });
  if (created.status !== 201) throw new Error(`create: ${JSON.stringify(created.body)}`);
  const id = created.body.job_id as string;
  for (const [path, body] of [['run', { executor: 'job-executor-feed' }], ['request-cancellation', undefined], ['cancel', undefined]] as const) {
    const res = await server.request('POST', `/jobs/${id}/${path}`, { ...opts, ...(body ? { body } : {}) });
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
  }
  return id;
}

const FOUR_STATES = ['job.pending', 'job.running', 'job.pending_cancellation', 'job.cancelled'];

/** Per job, the event types in feed order. */
function typesByJob(events: any[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const e of events) out.set(e.data.job_id, [...(out.get(e.data.job_id) ?? []), e.type]);
  return out;
}

describe.each(backends())('GET /events on %s', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend, { sseHeartbeatMs: 200 });
  });
  afterAll(async () => server?.close());

  it('pages the feed in order; resuming after a cursor gives exactly the remaining events', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await jobThroughFourStates(server));
    const all = (await allEvents(server)).filter((e) => ids.includes(e.data.job_id));
    expect(all).toHaveLength(20);
    const positions = all.map((e) => Number(e.id));
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(new Set(positions).size).toBe(20);
    for (const id of ids) expect(typesByJob(all).get(id)).toEqual(FOUR_STATES);

    // Every cut resumes exactly: the events after it, nothing before, nothing twice.
    const everything = await allEvents(server);
    for (const cut of [0, 3, 7, 19]) {
      const cursor = all[cut].id;
      const rest = await allEvents(server, { after: cursor });
      expect(rest.map((e) => e.id)).toEqual(everything.filter((e) => Number(e.id) > Number(cursor)).map((e) => e.id));
    }
    // A page ends at next_cursor; an empty page keeps the cursor.
    const page = await server.request('GET', `/events?format=json&limit=3&after=${all[0].id}`);
    expect(page.body.records.map((e: any) => e.id)).toEqual(everything.filter((e) => Number(e.id) > Number(all[0].id)).slice(0, 3).map((e) => e.id));
    expect(page.body.next_cursor).toBe(page.body.records[2].id);
    const head = everything.at(-1).id;
    expect((await server.request('GET', `/events?format=json&after=${head}`)).body).toEqual({ records: [], next_cursor: head });
    // Accept: application/json also gives a page.
    const byAccept = await server.request('GET', `/events?limit=2`, { headers: { accept: 'application/json' } });
    expect(byAccept.headers.get('content-type')).toMatch(/application\/json/);
    expect(byAccept.body.records).toHaveLength(2);
  });

  it('each event carries the job as it was at that moment, in the shape GET /jobs/{id} returns', async () => {
    const id = await jobThroughFourStates(server);
    const events = (await allEvents(server)).filter((e) => e.data.job_id === id);
    const now = (await server.request('GET', `/jobs/${id}`)).body;
    expect(now.state).toBe('cancelled');
    expect(events.map((e) => e.data.state)).toEqual(['pending', 'running', 'pending_cancellation', 'cancelled']);
    for (const e of events) {
      expect(Object.keys(e).sort()).toEqual(['created_at', 'data', 'id', 'type']);
      expect(Object.keys(e.data).sort()).toEqual(Object.keys(now).sort());
      expect(e.data.input).toEqual(now.input);
      expect(e.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    }
    expect(events[0].data).toMatchObject({ executor: null, attempt: 0, dequeued_at: null, cancel_requested_at: null });
    expect(events[1].data).toMatchObject({ executor: 'job-executor-feed', attempt: 1, ended_at: null });
    expect(events[3].data).toEqual(now);
  });

  it('streams as SSE with id and event lines, heartbeats as comments, and resumes after Last-Event-ID', async () => {
    const before = (await allEvents(server)).at(-1)?.id ?? '0';
    const live = await SseReader.open(server);
    expect(live.response.status).toBe(200);
    expect(live.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const start = live.response.headers.get('x-jobplane-cursor');
    expect(Number(start)).toBeGreaterThanOrEqual(Number(before));
    const id = await jobThroughFourStates(server);
    const got = await live.next(4);
    expect(got.map((g) => g.event.type)).toEqual(FOUR_STATES);
    for (const g of got) {
      expect(g.frame.id).toBe(g.event.id);
      expect(g.frame.event).toBe(g.event.type);
      expect(g.event.data.job_id).toBe(id);
    }
    await live.until(() => live.comments.includes('heartbeat'), 'a heartbeat comment');
    live.close();

    // Resume after the second event: exactly the third and fourth, then the next job's.
    const resumed = await SseReader.open(server, { lastEventId: got[1]!.event.id, query: 'after=0' });
    const again = await resumed.next(2);
    expect(again.map((g) => g.event.id)).toEqual([got[2]!.event.id, got[3]!.event.id]);
    const next = await jobThroughFourStates(server);
    const more = await resumed.next(4);
    expect(more.map((g) => g.event.data.job_id)).toEqual([next, next, next, next]);
    resumed.close();
  });

  it('1,000 transitions while a client is away arrive complete and in order when it comes back', async () => {
    const first = await SseReader.open(server);
    const warm = await jobThroughFourStates(server);
    const seen = await first.next(4);
    expect(seen.every((s) => s.event.data.job_id === warm)).toBe(true);
    const cursor = seen.at(-1)!.event.id;
    first.close();

    // 250 jobs, four transitions each, ten at a time: events of different jobs interleave in the feed.
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) ids.push(...await Promise.all(Array.from({ length: 10 }, () => jobThroughFourStates(server))));
    const back = await SseReader.open(server, { lastEventId: cursor });
    const events = (await back.next(1000, 60_000)).map((g) => g.event);
    back.close();
    expect(new Set(events.map((e) => e.id)).size).toBe(1000);
    const positions = events.map((e) => Number(e.id));
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(new Set(events.map((e) => e.data.job_id))).toEqual(new Set(ids));
    for (const [, types] of typesByJob(events)) expect(types).toEqual(FOUR_STATES);
    // Nothing was skipped: exactly what the JSON pages hold after the cursor.
    expect(events.map((e) => e.id)).toEqual((await allEvents(server, { after: cursor })).map((e) => e.id));
  }, 180_000);

  it('filters by job, state, type and data plane', async () => {
    const a = await jobThroughFourStates(server);
    const b = await jobThroughFourStates(server);
    const after = (await allEvents(server)).find((e) => e.data.job_id === a).id;
    const start = String(Number(after) - 1);
    const byJob = await allEvents(server, { after: start, query: `job_id=${b}` });
    expect(byJob.map((e) => e.type)).toEqual(FOUR_STATES);
    const byState = await allEvents(server, { after: start, query: 'state=running,cancelled' });
    expect(byState.map((e) => `${e.data.job_id}:${e.type}`)).toEqual([`${a}:job.running`, `${a}:job.cancelled`, `${b}:job.running`, `${b}:job.cancelled`]);
    expect(await allEvents(server, { after: start, query: 'type=materialize-view' })).toEqual([]);
    expect(await allEvents(server, { after: start, query: 'type=nql-forecast' })).toHaveLength(8);
    expect(await allEvents(server, { after: start, query: `data_plane_id=${server.dataPlaneId}` })).toHaveLength(8);
    expect(await allEvents(server, { after: start, query: 'data_plane_id=00000000-0000-4000-8000-000000000000' })).toEqual([]);

    const live = await SseReader.open(server, { query: 'state=completed,cancelled' });
    const c = await jobThroughFourStates(server);
    const [only] = await live.next(1);
    expect(only!.event).toMatchObject({ type: 'job.cancelled', data: { job_id: c } });
    live.close();
  });

  it('shows a company only its own jobs\' events; an operator token its plane\'s', async () => {
    const other = await server.otherCompany();
    const mine = await jobThroughFourStates(server);
    const theirs = await jobThroughFourStates(server, other.token);
    const seenByMe = await allEvents(server);
    const seenByThem = await allEvents(server, { token: other.token });
    expect(seenByMe.some((e) => e.data.job_id === theirs)).toBe(false);
    expect(seenByThem.map((e) => e.data.job_id)).toEqual([theirs, theirs, theirs, theirs]);
    expect(seenByThem.every((e) => e.data.company_id === other.companyId)).toBe(true);
    expect(seenByMe.some((e) => e.data.job_id === mine)).toBe(true);

    const live = await SseReader.open(server, { token: other.token });
    await jobThroughFourStates(server);
    const theirNext = await jobThroughFourStates(server, other.token);
    const got = await live.next(4);
    expect(got.map((g) => g.event.data.job_id)).toEqual([theirNext, theirNext, theirNext, theirNext]);
    live.close();

    const operator = await server.token('jobs:write', { companyId: other.companyId, dataPlaneId: other.dataPlaneId });
    const byPlane = await allEvents(server, { token: operator.token });
    expect(new Set(byPlane.map((e) => e.data.data_plane_id))).toEqual(new Set([other.dataPlaneId]));
  });

  it('refuses bad cursors, filters and tokens with a problem that says what to fix', async () => {
    for (const [query, pointer] of [['after=abc', '/after'], ['state=done', '/state'], ['type=Not A Type', '/type'], ['limit=0', '/limit'], ['bogus=1', '/']] as const) {
      const res = await server.request('GET', `/events?format=json&${query}`);
      expect(res.status, query).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(JSON.stringify(res.body.errors), query).toContain(pointer);
    }
    expect((await server.request('GET', '/events', { headers: { 'last-event-id': 'x1' } })).status).toBe(400);
    expect((await server.request('GET', '/events?format=json', { token: null })).status).toBe(401);
    const noJobs = await server.token('datasets:read');
    expect((await server.request('GET', '/events?format=json', { token: noJobs.token })).status).toBe(403);
  });

  it('ends open streams when the server closes', async () => {
    const own = await startTestServer(backend, { sseHeartbeatMs: 60_000 });
    const stream = await SseReader.open(own);
    await stream.until(() => stream.comments.length > 0, 'the opening comment');
    const closed = own.close();
    await stream.until(() => stream.ended, 'the end of the stream', 20_000);
    expect(stream.ended).toBe(true);
    await closed;
  });
});
