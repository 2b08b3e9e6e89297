import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import { ApiError, ApiUnavailableError } from '../../src/client/index.js';
import type { Job } from '../../src/client/index.js';

/** A pino logger whose JSON lines land in `lines`, to assert on what the operator logs. */
export function captureLogger(): { log: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const text of chunk.toString('utf8').split('\n')) if (text) lines.push(JSON.parse(text) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: 'debug' }, stream), lines };
}

export const stale = (path = '/jobs/j/complete') => new ApiError('POST', path, {
  type: 'https://jobplane.dev/problems/stale-lease', title: 'Stale lease', status: 409, detail: 'stale', instance: path, code: 'stale_lease',
});
export const badRequest = (detail: string) => new ApiError('POST', '/jobs/j/complete', {
  type: 'x', title: 'Invalid request', status: 400, detail, instance: '/jobs/j/complete', code: 'validation_failed',
});
export const down = () => new ApiUnavailableError('POST', '/x', 'network', new Error('ECONNREFUSED'));

export function claimedJob(extra: Partial<Job> = {}): Job {
  const now = new Date().toISOString();
  return {
    job_id: '11111111-1111-4111-8111-111111111111', company_id: 1, data_plane_id: '22222222-2222-4222-8222-222222222222',
    compute_pool_id: null, execution_cluster: { type: 'shared' }, request_source: { type: 'api_user', company_id: 1, user_id: 1 },
    state: 'running', type: 'test', input: {}, inputs: [], progress: null, executor: 'job-executor-a', failures: [], idempotency_key: 'k', result: null,
    priority: 0, attempt: 3, max_attempts: 5, lease_expires_at: now, retry_at: null, cancel_requested_at: null,
    created_at: now, updated_at: now, dequeued_at: now, ended_at: null, ...extra,
  };
}

/** Resolves after `ms` (unit tests only: the end-to-end suites poll conditions instead). */
export const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
