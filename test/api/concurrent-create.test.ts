import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/backends.js';
import { forecastJob, startTestServer, type TestServer } from '../support/harness.js';
import { eventsOf } from '../support/job-factory.js';

// POST /jobs goes through group commit (src/api/job-writes.ts): concurrent creates share one INSERT. These check
// that sharing a statement changes no outcome: one job per idempotency key, each job its own create event.
describe.each(backends())('concurrent creates (%s)', (backend) => {
  let server: TestServer;
  beforeAll(async () => { server = await startTestServer(backend); });
  afterAll(async () => { await server?.close(); });

  it('with one idempotency key, 50 at once: exactly one job, one 201 and 49 answers naming it', async () => {
    const body = { ...forecastJob(), idempotency_key: `same-${Date.now()}` };
    const responses = await Promise.all(Array.from({ length: 50 }, () => server.request('POST', '/jobs', { body })));
    const ids = new Set(responses.map((r) => r.body.job_id));
    expect(ids.size).toBe(1);
    expect(responses.filter((r) => r.status === 201)).toHaveLength(1);
    expect(responses.filter((r) => r.status === 200)).toHaveLength(49);
    const [id] = [...ids];
    const creates = (await eventsOf(server, id)).filter((e) => e.action === 'create');
    expect(creates).toHaveLength(1);
  });

  it('with one key and different inputs at once: one job; the others are refused with 409 naming it', async () => {
    const key = `clash-${Date.now()}`;
    const bodies = Array.from({ length: 10 }, (_, i) => {
      const job = forecastJob();
      return { ...job, input: { ...job.input, compiled_sql: `${job.input.compiled_sql} LIMIT ${i + 1}` }, idempotency_key: key };
    });
    const responses = await Promise.all(bodies.map((body) => server.request('POST', '/jobs', { body })));
    const created = responses.filter((r) => r.status === 201);
    expect(created).toHaveLength(1);
    const refused = responses.filter((r) => r.status === 409);
    expect(refused).toHaveLength(9);
    for (const r of refused) expect(r.body.detail).toContain(created[0]!.body.job_id);
  });

  it('with distinct keys, 40 at once: 40 jobs, each with its own input and one create event', async () => {
    const bodies = Array.from({ length: 40 }, (_, i) => {
      const job = forecastJob();
      return { ...job, input: { ...job.input, compiled_sql: `${job.input.compiled_sql} LIMIT ${i + 1}` }, idempotency_key: `many-${Date.now()}-${i}` };
    });
    const responses = await Promise.all(bodies.map((body) => server.request('POST', '/jobs', { body })));
    for (const r of responses) expect(r.status).toBe(201);
    expect(new Set(responses.map((r) => r.body.job_id)).size).toBe(40);
    responses.forEach((r, i) => expect(r.body.input.compiled_sql).toBe(bodies[i]!.input.compiled_sql));
    for (const r of responses) {
      const events = await eventsOf(server, r.body.job_id);
      expect(events.map((e) => e.action)).toEqual(['create']);
    }
  });
});
