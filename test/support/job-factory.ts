import type { JobState } from '../../src/core/job-states.js';
import { jobComplete, jobFail } from '../../src/store/job-transitions.js';
import { forecastJob, type TestServer } from './harness.js';

const executorActor = (executor: string) => ({ type: 'executor' as const, executor });

/**
 * Puts a new job into `state` through the real transitions (never by writing the row), so that every field is
 * what the system itself would produce for that state.
 */
export async function jobInState(server: TestServer, state: JobState, executor = 'job-executor-factory'): Promise<any> {
  const created = await server.request('POST', '/jobs', { body: forecastJob() });
  if (created.status !== 201) throw new Error(`create failed: ${JSON.stringify(created.body)}`);
  const id: string = created.body.job_id;
  if (state === 'pending') return created.body;
  const scope = { companyId: server.companyId };
  if (state === 'pending_cancellation' || state === 'cancelled') {
    await server.request('POST', `/jobs/${id}/request-cancellation`);
    if (state === 'cancelled') await server.request('POST', `/jobs/${id}/cancel`);
    return (await server.request('GET', `/jobs/${id}`)).body;
  }
  const run = await server.request('POST', `/jobs/${id}/run`, { body: { executor } });
  if (state === 'running') return run.body;
  const fence = { executor, attempt: run.body.attempt };
  if (state === 'completed') {
    await jobComplete(server.database.db, id, scope, fence, { rows: 1, cost: 0, nql_type: 'forecast', type: 'success' }, executorActor(executor));
  } else {
    await jobFail(server.database.db, id, scope, fence, {
      failure: { message: 'boom', timestamp: new Date().toISOString(), value: { reason: 'test' } },
      retryable: false, retry: { baseMs: 0, maxMs: 0 },
    }, executorActor(executor));
  }
  return (await server.request('GET', `/jobs/${id}`)).body;
}

export async function eventsOf(server: TestServer, jobId: string): Promise<any[]> {
  const res = await server.request('GET', `/jobs/${jobId}/events`);
  return res.body.records;
}
