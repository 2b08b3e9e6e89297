import { describe, expect, it } from 'vitest';
import { ApiError, type Executor } from '../../src/client/index.js';
import { ExecutorSession, type ExecutorApi } from '../../src/plane/operator/executor-session.js';
import { OutageLog } from '../../src/plane/operator/outage-log.js';
import { captureLogger, down } from './operator-test-kit.js';

const notFound = new ApiError('POST', '/executors/x/heartbeat', { type: 'x', title: 'Not Found', status: 404, detail: 'gone', instance: '/x', code: 'not_found' });
const executor = (id: string, status: Executor['status'] = 'active'): Executor => ({
  id, data_plane_id: 'plane', compute_pool_id: null, types: ['t'], slots: 1, name: null, status, running_jobs: 0,
  last_heartbeat_at: '', created_at: '',
});

function session(heartbeats: Array<Executor | Error>) {
  let registrations = 0;
  const api = {
    registerExecutor: async () => executor(`job-executor-${++registrations}`),
    heartbeatExecutor: async () => {
      const next = heartbeats.shift()!;
      if (next instanceof Error) throw next;
      return next;
    },
    heartbeatDataPlane: async () => ({}),
    drainExecutor: async (id: string) => executor(id, 'draining'),
    deregisterExecutor: async (id: string) => ({ id, released_jobs: 0 }),
  } as unknown as ExecutorApi;
  const { log, lines } = captureLogger();
  const s = new ExecutorSession({ api, registration: { data_plane_id: 'plane', types: ['t'], slots: 1 }, log, outage: new OutageLog(log), backoff: { initialMs: 1, maxMs: 2 } });
  return { s, lines };
}

describe('ExecutorSession', () => {
  it('registers again under a new id when the server forgot the executor', async () => {
    const { s, lines } = session([notFound]);
    await s.register();
    expect(s.id).toBe('job-executor-1');
    s.startHeartbeats(() => 60_000); // beating, so that a 404 means "register again"
    await s.heartbeat();
    expect(s.id).toBe('job-executor-2');
    expect(lines.some((l) => l['msg'] === 'the control plane no longer knows this executor; registering again')).toBe(true);
    s.stopHeartbeats();
  });

  it('notices a drain asked through the API, and survives an unreachable API', async () => {
    const { s, lines } = session([down(), executor('job-executor-1', 'draining')]);
    await s.register();
    await s.heartbeat();
    expect(s.draining).toBe(false);
    await s.heartbeat();
    expect(s.draining).toBe(true);
    expect(lines.map((l) => l['msg'])).toContain('executor drained through the API: claiming nothing more');
    expect(lines.filter((l) => l['msg'] === 'jobplane API unreachable; retrying with backoff')).toHaveLength(1);
  });
});
