import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decide, isAllowedMove, type JobState } from '../../src/core/job-states.js';
import { backends } from '../support/backends.js';
import { startTestServer, type TestServer } from '../support/harness.js';

/**
 * Random interleavings of the operations users and executors make (create, claim, run, heartbeat, complete, fail,
 * request-cancellation, cancel, reschedule), against the real server, checked step by step against a model of the
 * state machine: the HTTP status, the job's state, executor and attempt, and every event written. Retries come due
 * at once (backoff 0) so that the model needs no clock.
 */

interface ModelJob {
  id: string;
  order: number;
  state: JobState;
  executor: string | null;
  attempt: number;
  retryDue: boolean;
}

const MAX_ATTEMPTS = 3;
const EXECUTORS = 3;

type Op =
  | { kind: 'create' }
  | { kind: 'claim'; executor: number }
  | { kind: 'run'; job: number; executor: number }
  | { kind: 'heartbeat' | 'complete'; job: number; stale: boolean }
  | { kind: 'fail'; job: number; stale: boolean; retryable: boolean }
  | { kind: 'request_cancellation' | 'cancel'; job: number }
  | { kind: 'reschedule'; job: number; force: boolean };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.constant({ kind: 'create' as const }),
  fc.record({ kind: fc.constant('claim' as const), executor: fc.nat(EXECUTORS - 1) }),
  fc.record({ kind: fc.constant('run' as const), job: fc.nat(7), executor: fc.nat(EXECUTORS - 1) }),
  fc.record({ kind: fc.constantFrom('heartbeat' as const, 'complete' as const), job: fc.nat(7), stale: fc.boolean() }),
  fc.record({ kind: fc.constant('fail' as const), job: fc.nat(7), stale: fc.boolean(), retryable: fc.boolean() }),
  fc.record({ kind: fc.constantFrom('request_cancellation' as const, 'cancel' as const), job: fc.nat(7) }),
  fc.record({ kind: fc.constant('reschedule' as const), job: fc.nat(7), force: fc.boolean() }),
);

const LEASED: JobState[] = ['running', 'pending_cancellation'];

describe.each(backends())('the state machine, against a model (%s)', (backend) => {
  let server: TestServer;
  let executors: string[] = [];
  beforeAll(async () => {
    server = await startTestServer(backend, { extraJobTypes: ['model'], retry: { baseMs: 0, maxMs: 0 } });
    for (let i = 0; i < EXECUTORS; i++) {
      const res = await server.request('POST', '/executors', { body: { data_plane_id: server.dataPlaneId, types: ['model'], slots: 100 } });
      executors.push(res.body.id);
    }
  });
  afterAll(async () => { await server?.close(); });

  it('every interleaving leaves each job where the model says, with only allowed events', async () => {
    let order = 0;
    await fc.assert(fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 30 }), async (ops) => {
      // Each run starts with an empty queue: finish whatever an earlier run left claimable or running.
      await settle(server);
      const jobs: ModelJob[] = [];
      const pick = (i: number) => jobs[i % Math.max(jobs.length, 1)];
      for (const o of ops) {
        if (o.kind === 'create') {
          const res = await server.request('POST', '/jobs', { body: { type: 'model', input: {}, max_attempts: MAX_ATTEMPTS } });
          expect(res.status).toBe(201);
          jobs.push({ id: res.body.job_id, order: order++, state: 'pending', executor: null, attempt: 0, retryDue: false });
          continue;
        }
        if (o.kind === 'claim') {
          const executor = executors[o.executor]!;
          const claimable = jobs.filter((j) => j.state === 'pending' || (j.state === 'failed' && j.retryDue)).sort((a, b) => a.order - b.order);
          const res = await server.request('POST', '/jobs/claim', { body: { executor, data_plane_id: server.dataPlaneId, types: ['model'], limit: 1 } });
          expect(res.status).toBe(200);
          const expected = claimable[0];
          expect(res.body.records.map((j: any) => j.job_id)).toEqual(expected ? [expected.id] : []);
          if (expected) Object.assign(expected, { state: 'running', executor, attempt: expected.attempt + 1, retryDue: false });
          continue;
        }
        const job = pick(o.job);
        if (!job) continue;
        const before = { ...job };
        // A lease names attempt 1 or more (the schema's minimum): a job never started is fenced out by its executor.
        const lease = { executor: o.kind === 'run' ? executors[o.executor]! : (job.executor ?? executors[0]!), attempt: Math.max(job.attempt, 1) };
        const fence = 'stale' in o && o.stale ? { ...lease, attempt: lease.attempt + 1 } : lease;
        const fenced = job.executor !== null && LEASED.includes(job.state) && !('stale' in o && o.stale);
        let status: number;
        switch (o.kind) {
          case 'run': {
            status = (await server.request('POST', `/jobs/${job.id}/run`, { body: { executor: lease.executor } })).status;
            expect(status).toBe(200);
            if (decide('run', job.state) === 'apply') Object.assign(job, { state: 'running', executor: lease.executor, attempt: job.attempt + 1, retryDue: false });
            break;
          }
          case 'heartbeat':
            status = (await server.request('POST', `/jobs/${job.id}/heartbeat`, { body: fence })).status;
            expect(status).toBe(fenced ? 200 : 409);
            break;
          case 'complete':
            status = (await server.request('POST', `/jobs/${job.id}/complete`, { body: { ...fence, result: {} } })).status;
            expect(status).toBe(fenced ? 200 : 409);
            if (fenced) Object.assign(job, { state: 'completed' });
            break;
          case 'fail':
            status = (await server.request('POST', `/jobs/${job.id}/fail`, { body: { ...fence, failure: { message: 'x' }, retryable: o.retryable } })).status;
            expect(status).toBe(fenced ? 200 : 409);
            if (fenced && job.state === 'running') Object.assign(job, { state: 'failed', retryDue: o.retryable && job.attempt < MAX_ATTEMPTS });
            else if (fenced) Object.assign(job, { state: 'cancelled', retryDue: false });
            break;
          case 'request_cancellation':
            status = (await server.request('POST', `/jobs/${job.id}/request-cancellation`)).status;
            expect(status).toBe(200);
            if (decide('request_cancellation', job.state) === 'apply') job.state = 'pending_cancellation';
            break;
          case 'cancel': {
            const outcome = decide('cancel', job.state);
            status = (await server.request('POST', `/jobs/${job.id}/cancel`)).status;
            expect(status).toBe(outcome === 'conflict' ? 409 : 200);
            if (outcome === 'apply') Object.assign(job, { state: 'cancelled', retryDue: false });
            break;
          }
          case 'reschedule': {
            const outcome = decide(o.force ? 'reschedule_forced' : 'reschedule', job.state);
            const res = await server.request('POST', `/jobs/${job.id}/reschedule`, { body: { force: o.force } });
            expect(res.status).toBe(200);
            expect(res.body.outcome).toBe(outcome === 'apply' ? 'rescheduled' : 'skipped_terminal');
            if (outcome === 'apply') Object.assign(job, { state: 'pending', executor: null, retryDue: false });
            break;
          }
        }
        const actual = (await server.request('GET', `/jobs/${job.id}`)).body;
        const context = `${JSON.stringify(o)} on ${JSON.stringify(before)}`;
        expect({ state: actual.state, attempt: actual.attempt, executor: actual.executor }, context)
          .toEqual({ state: job.state, attempt: job.attempt, executor: job.executor });
      }
      for (const j of jobs) {
        const events = (await server.request('GET', `/jobs/${j.id}/events`)).body.records as Array<{ action: string; from_state: JobState | null; to_state: JobState }>;
        for (const e of events) expect(isAllowedMove(e.action, e.from_state, e.to_state), JSON.stringify(e)).toBe(true);
        expect(events.at(-1)!.to_state).toBe(j.state);
      }
    }), { numRuns: 12, seed: Number(process.env['JOBPLANE_MODEL_SEED'] ?? Date.now() % 2 ** 31), verbose: 1 });
  }, 300_000);
});

/** Ends every open job of the model's type, so that the next run's claims only see its own jobs. */
async function settle(server: TestServer): Promise<void> {
  for (const state of ['pending', 'running', 'pending_cancellation', 'failed']) {
    const open = await server.request('GET', `/jobs?per_page=500&type=model&state=${state}`);
    for (const j of open.body.records) {
      if (state === 'failed') {
        if (j.retry_at !== null) await server.request('POST', `/jobs/${j.job_id}/reschedule`, { body: { force: true } });
        else continue;
      }
      await server.request('POST', `/jobs/${j.job_id}/request-cancellation`);
      await server.request('POST', `/jobs/${j.job_id}/cancel`);
    }
  }
  // A failed job that was waiting for its retry was re-queued above: cancel it too.
  const left = await server.request('GET', '/jobs?per_page=500&type=model&state=pending');
  for (const j of left.body.records) {
    await server.request('POST', `/jobs/${j.job_id}/request-cancellation`);
    await server.request('POST', `/jobs/${j.job_id}/cancel`);
  }
}
