import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobState } from '../../src/core/job-states.js';
import { backends } from '../support/backends.js';
import { startTestServer, type TestServer } from '../support/harness.js';
import { eventsOf, jobInState } from '../support/job-factory.js';

const STATES: JobState[] = ['pending', 'running', 'completed', 'failed', 'pending_cancellation', 'cancelled'];

/**
 * The user-facing rows of DESIGN section 3, written out independently of src/core so that a wrong table in core
 * fails here. `to` = the new state; 'noop' = 200 and the job unchanged; 409 = rejected.
 */
const EXPECTED: Record<string, Record<JobState, JobState | 'noop' | 409>> = {
  run: { pending: 'running', failed: 'running', running: 'noop', completed: 'noop', cancelled: 'noop', pending_cancellation: 'noop' },
  reschedule: { pending: 'pending', running: 'pending', pending_cancellation: 'pending', completed: 'noop', failed: 'noop', cancelled: 'noop' },
  reschedule_force: { pending: 'pending', running: 'pending', pending_cancellation: 'pending', completed: 'pending', failed: 'pending', cancelled: 'pending' },
  request_cancellation: { pending: 'pending_cancellation', running: 'pending_cancellation', pending_cancellation: 'noop', completed: 'noop', failed: 'noop', cancelled: 'noop' },
  cancel: { pending_cancellation: 'cancelled', completed: 'noop', failed: 'noop', cancelled: 'noop', pending: 409, running: 409 },
};

const CALLS: Record<string, (id: string) => [string, string, unknown]> = {
  run: (id) => ['POST', `/jobs/${id}/run`, { executor: 'job-executor-new' }],
  reschedule: (id) => ['POST', `/jobs/${id}/reschedule`, undefined],
  reschedule_force: (id) => ['POST', `/jobs/${id}/reschedule`, { force: true }],
  request_cancellation: (id) => ['POST', `/jobs/${id}/request-cancellation`, undefined],
  cancel: (id) => ['POST', `/jobs/${id}/cancel`, undefined],
};

describe.each(backends())('transition table over HTTP (%s)', (backend) => {
  let server: TestServer;
  beforeAll(async () => { server = await startTestServer(backend); });
  afterAll(async () => { await server?.close(); });

  for (const [action, row] of Object.entries(EXPECTED)) {
    for (const from of STATES) {
      const expected = row[from];
      it(`${action} from ${from} -> ${expected}`, async () => {
        const before = await jobInState(server, from);
        expect(before.state).toBe(from);
        const eventsBefore = await eventsOf(server, before.job_id);
        const [method, path, body] = CALLS[action]!(before.job_id);
        const res = await server.request(method, path, { body });
        const job = action.startsWith('reschedule') && res.status === 200 ? res.body.job : res.body;
        const eventsAfter = await eventsOf(server, before.job_id);

        if (expected === 409) {
          expect(res.status).toBe(409);
          expect(res.headers.get('content-type')).toContain('application/problem+json');
          expect(res.body.code).toBe('transition_not_allowed');
          expect(eventsAfter).toEqual(eventsBefore);
          expect((await server.request('GET', `/jobs/${before.job_id}`)).body).toEqual(before);
          return;
        }
        expect(res.status).toBe(200);
        if (expected === 'noop') {
          expect(job).toEqual(before);
          expect(eventsAfter).toEqual(eventsBefore);
          if (action.startsWith('reschedule')) expect(res.body.outcome).toBe('skipped_terminal');
          return;
        }
        expect(job.state).toBe(expected);
        expect(eventsAfter).toHaveLength(eventsBefore.length + 1);
        const event = eventsAfter.at(-1);
        expect(event).toMatchObject({ from_state: from, to_state: expected, job_id: before.job_id, attempt: job.attempt });
        expect(event.actor).toMatchObject({ type: 'api_user', company_id: server.companyId });
        if (action.startsWith('reschedule')) expect(res.body.outcome).toBe('rescheduled');

        // Field-level effects of each action.
        if (expected === 'running') {
          expect(job.executor).toBe('job-executor-new');
          expect(job.attempt).toBe(before.attempt + 1);
          expect(job.dequeued_at).not.toBeNull();
          expect(Date.parse(job.lease_expires_at)).toBeGreaterThan(Date.parse(job.dequeued_at));
          expect(job.ended_at).toBeNull();
          expect(job.failures).toEqual(before.failures); // a re-run keeps the failure history
        }
        if (expected === 'pending') {
          expect(job.executor).toBeNull();
          expect(job.lease_expires_at).toBeNull();
          expect(job.ended_at).toBeNull();
          expect(job.result).toBeNull();
          expect(job.attempt).toBe(before.attempt); // the fencing token survives: an old lease stays stale
        }
        if (expected === 'cancelled') {
          expect(job.ended_at).not.toBeNull();
          expect(job.lease_expires_at).toBeNull();
        }
        if (expected === 'pending_cancellation') {
          expect(job.cancel_requested_at).not.toBeNull();
          expect(job.executor).toBe(before.executor);
        }
        expect(Date.parse(job.updated_at)).toBeGreaterThanOrEqual(Date.parse(before.updated_at));
      });
    }
  }

  it('records create as the first event and renders timestamps as ISO 8601 UTC with microseconds', async () => {
    const job = await jobInState(server, 'pending');
    const events = await eventsOf(server, job.job_id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ action: 'create', from_state: null, to_state: 'pending', attempt: 0 });
    expect(job.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  });

  it('a job taken by a failed run can be run again, keeping its failures', async () => {
    const failed = await jobInState(server, 'failed');
    expect(failed.failures).toHaveLength(1);
    expect(failed.failures[0]).toMatchObject({ message: 'boom', value: { reason: 'test' } });
    expect(failed.ended_at).not.toBeNull();
    const res = await server.request('POST', `/jobs/${failed.job_id}/run`, { body: { executor: 'job-executor-b' } });
    expect(res.body).toMatchObject({ state: 'running', executor: 'job-executor-b', attempt: 2, ended_at: null });
    expect(res.body.failures).toHaveLength(1);
  });
});
