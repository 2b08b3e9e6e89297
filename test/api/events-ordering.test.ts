import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Queryable } from '../../src/store/db/types.js';
import { jobRequestCancellation, jobRun } from '../../src/store/job-transitions.js';
import { backends } from '../support/backends.js';
import { forecastJob, startTestServer, type TestServer } from '../support/harness.js';
import { waitFor } from '../support/wait-for.js';
import { allEvents, SseReader } from './events-helpers.js';

const actor = { type: 'process' as const, name: 'ordering-test' };

/** A PostgreSQL session of the test's own, to hold a transaction open while the API commits others. */
async function session(server: TestServer): Promise<{ client: pg.Client; q: Queryable }> {
  const client = new pg.Client({ connectionString: server.database.databaseUrl });
  await client.connect();
  return { client, q: { query: async (text, values) => (await client.query(text, values as unknown[])).rows } };
}

async function createJob(server: TestServer): Promise<string> {
  const res = await server.request('POST', '/jobs', { body: forecastJob() });
  return res.body.job_id;
}

describe.skipIf(!backends().includes('postgres'))('the feed under concurrent transactions on postgres', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('postgres');
  });
  afterAll(async () => server?.close());

  it('hands out an event whose transaction commits after later ids became visible, after them, not never', async () => {
    const slow = await createJob(server);
    const fast = await createJob(server);
    const start = (await allEvents(server)).at(-1).id;
    const live = await SseReader.open(server, { lastEventId: start });

    // The slow transaction writes its event first (so it draws the lower id) and stays open.
    const { client, q } = await session(server);
    await client.query('BEGIN');
    const held = await jobRequestCancellation(q, slow, { companyId: server.companyId }, actor);
    expect(held.outcome).toBe('applied');
    const [{ id: heldId }] = await client.query(`SELECT id FROM job_events WHERE job_id = $1 AND to_state = 'pending_cancellation'`, [slow]).then((r) => r.rows);

    // Meanwhile two transitions of another job commit, with higher ids, and are handed out.
    await server.request('POST', `/jobs/${fast}/run`, { body: { executor: 'job-executor-ordering' } });
    await server.request('POST', `/jobs/${fast}/request-cancellation`);
    const firstTwo = await live.next(2);
    expect(firstTwo.map((g) => `${g.event.data.job_id}:${g.event.type}`)).toEqual([`${fast}:job.running`, `${fast}:job.pending_cancellation`]);
    const fastIds = await client.query('SELECT id FROM job_events WHERE job_id = $1 AND seq IS NOT NULL ORDER BY id', [fast]).then((r) => r.rows.map((x) => Number(x.id)));
    expect(Math.min(...fastIds.slice(-2))).toBeGreaterThan(Number(heldId)); // the trap: a reader of id > cursor would skip it
    expect(live.buffered).toBe(0);

    await client.query('COMMIT');
    const [late] = await live.next(1);
    expect(late!.event).toMatchObject({ type: 'job.pending_cancellation', data: { job_id: slow } });
    expect(Number(late!.event.id)).toBeGreaterThan(Number(firstTwo[1]!.event.id));
    live.close();
    await client.end();

    // The JSON pages agree: every event once, positions increasing.
    const after = await allEvents(server, { after: start });
    expect(after.map((e) => e.id)).toEqual([...firstTwo.map((g) => g.event.id), late!.event.id]);
  });

  it('keeps each job\'s events in transition order when a transition waits for the job\'s row lock', async () => {
    const job = await createJob(server);
    const start = (await allEvents(server)).at(-1).id;
    const { client, q } = await session(server);
    await client.query('BEGIN');
    // An unrelated write first: this transaction's id is assigned before the API's request starts.
    await client.query('SELECT pg_current_xact_id()');
    expect((await jobRun(q, job, { companyId: server.companyId }, 'job-executor-lock', 30_000, actor)).outcome).toBe('applied');
    // The API's request-cancellation of the same job waits for our row lock.
    const cancelling = server.request('POST', `/jobs/${job}/request-cancellation`);
    await waitFor(async () => {
      const rows = await server.database.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted AND locktype = 'transactionid'`);
      return rows[0]!.n > 0;
    }, { message: 'the API request to wait for the row lock' });
    await client.query('COMMIT');
    expect((await cancelling).status).toBe(200);
    await client.end();
    const events = (await allEvents(server, { after: start })).filter((e) => e.data.job_id === job);
    expect(events.map((e) => e.type)).toEqual(['job.running', 'job.pending_cancellation']);
  });

  it('orders by commit, not by transaction id: an older transaction\'s later event comes after', async () => {
    const job = await createJob(server);
    const start = (await allEvents(server)).at(-1).id;
    const { client, q } = await session(server);
    await client.query('BEGIN');
    const [{ xid }] = await client.query('SELECT pg_current_xact_id()::text AS xid').then((r) => r.rows);
    // A younger transaction (the API's) moves the job and commits first...
    expect((await server.request('POST', `/jobs/${job}/run`, { body: { executor: 'job-executor-xid' } })).status).toBe(200);
    // ...then the older one moves it again.
    expect((await jobRequestCancellation(q, job, { companyId: server.companyId }, actor)).outcome).toBe('applied');
    await client.query('COMMIT');
    await client.end();
    const events = (await allEvents(server, { after: start })).filter((e) => e.data.job_id === job);
    expect(events.map((e) => e.type)).toEqual(['job.running', 'job.pending_cancellation']);
    expect(Number(xid)).toBeGreaterThan(0);
  });

  it('does not stall behind a long transaction that wrote no event', async () => {
    const { client } = await session(server);
    await client.query('BEGIN');
    await client.query('SELECT pg_current_xact_id()'); // holds back the xmin horizon
    const live = await SseReader.open(server);
    const job = await createJob(server);
    const [got] = await live.next(1, 10_000);
    expect(got!.event.data.job_id).toBe(job);
    live.close();
    await client.query('ROLLBACK');
    await client.end();
  });
});

describe.each(backends())('two API servers on one %s database', (backend) => {
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    a = await startTestServer(backend);
    b = await startTestServer(backend, {}, { shareDatabaseOf: a });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('give every reader the same events in the same order, whichever server wrote or serves them', async () => {
    const start = (await allEvents(a)).at(-1)?.id ?? '0';
    const onA = await SseReader.open(a, { lastEventId: start });
    const onB = await SseReader.open(b, { lastEventId: start });
    // Jobs driven through both servers at once: each server's sequencer competes for the stamping.
    const drive = async (server: TestServer, other: TestServer) => {
      const ids: string[] = [];
      for (let i = 0; i < 10; i++) {
        const id = (await server.request('POST', '/jobs', { body: forecastJob() })).body.job_id;
        await other.request('POST', `/jobs/${id}/run`, { body: { executor: 'job-executor-two' } });
        await server.request('POST', `/jobs/${id}/request-cancellation`);
        ids.push(id);
      }
      return ids;
    };
    const ids = (await Promise.all([drive(a, b), drive(b, a), drive(a, b)])).flat();
    const fromA = (await onA.next(90, 60_000)).map((g) => g.event);
    const fromB = (await onB.next(90, 60_000)).map((g) => g.event);
    onA.close();
    onB.close();
    expect(fromB.map((e) => e.id)).toEqual(fromA.map((e) => e.id));
    expect(fromB).toEqual(fromA);
    expect(new Set(fromA.map((e) => e.data.job_id))).toEqual(new Set(ids));
    const positions = fromA.map((e) => Number(e.id));
    expect(positions).toEqual([...positions].sort((x, y) => x - y));
    for (const id of ids) {
      expect(fromA.filter((e) => e.data.job_id === id).map((e) => e.type)).toEqual(['job.pending', 'job.running', 'job.pending_cancellation']);
    }
    // And the JSON pages of either server say the same.
    expect((await allEvents(b, { after: start })).map((e) => e.id)).toEqual(fromA.map((e) => e.id));
  }, 120_000);
});
