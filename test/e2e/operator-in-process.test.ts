import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobplaneClient } from '../../src/client/index.js';
import { startOperator, type JobHandler, type RunningOperator } from '../../src/plane/operator/index.js';
import { backends } from '../support/backends.js';
import { startTestServer, type TestServer } from '../support/harness.js';
import { runCli } from '../support/spawn.js';
import { waitFor } from '../support/wait-for.js';
import { captureLogger } from '../plane/operator-test-kit.js';

/** `startOperator` as `jobplane serve` uses it: in-process, handlers passed as values, stop() to drain. */
describe.each(backends())('startOperator in-process on %s', (backend) => {
  let server: TestServer;
  let client: JobplaneClient;
  beforeAll(async () => {
    server = await startTestServer(backend, { extraJobTypes: ['in-process-echo'], heartbeatMs: 200, leaseMs: 2_000 });
    client = new JobplaneClient({ baseUrl: server.url, token: server.adminToken });
  }, 120_000);
  afterAll(async () => server?.close());

  it('registers, runs jobs through the HTTP API, and deregisters on stop', async () => {
    const echo: JobHandler = { type: 'in-process-echo', run: async (job, ctx) => ({ echo: job.input, by: ctx.executor }) };
    const { log, lines } = captureLogger();
    const operator: RunningOperator = await startOperator({
      apiUrl: server.url, token: (await server.token('jobs:write,data-planes:write', { dataPlaneId: server.dataPlaneId })).token,
      dataPlaneId: server.dataPlaneId, handlers: [echo], builtins: false, slots: 2, claimWaitMs: 5_000, logger: log, name: 'in-process',
    });
    expect(operator.types).toEqual(['in-process-echo']);
    const listed = await client.listExecutors({ data_plane_id: server.dataPlaneId });
    expect(listed.records.find((e) => e.id === operator.executorId)).toMatchObject({ name: 'in-process', slots: 2, types: ['in-process-echo'], status: 'active' });

    const job = await client.createJob({ type: 'in-process-echo', input: { n: 1 } });
    const done = await waitFor(async () => {
      const j = await client.getJob(job.job_id);
      return j.state === 'completed' ? j : undefined;
    }, { timeoutMs: 30_000, message: 'the job to complete' });
    expect(done).toMatchObject({ state: 'completed', executor: operator.executorId, result: { echo: { n: 1 }, by: operator.executorId } });

    await operator.stop();
    await expect(client.getExecutor(operator.executorId)).rejects.toMatchObject({ status: 404 });
    const messages = lines.map((l) => l['msg']);
    expect(messages).toContain('operator started');
    expect(messages.at(-1)).toBe('operator stopped');
  }, 60_000);
});

describe('jobplane operator (CLI)', () => {
  it('says which setting is missing', async () => {
    const res = await runCli(['operator', '--api', 'http://127.0.0.1:9'], { JOBPLANE_TOKEN: undefined, JOBPLANE_DATA_PLANE: undefined });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('--token (or env JOBPLANE_TOKEN) is required');
  }, 120_000);
});
