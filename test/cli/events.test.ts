import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/backends.js';
import { SpawnedServer } from '../support/plane-cluster.js';
import { spawnCli } from '../support/spawn.js';
import { waitFor } from '../support/wait-for.js';
import { jp, json, startOperator } from './cli-support.js';

/** `jobplane jobs watch` (the /events feed) and `jobplane webhook ...` against a real server, operator and receiver. */
describe.each(backends())('jobplane jobs watch and webhook commands on %s', (backend) => {
  let server: SpawnedServer;
  let stopOperator: () => Promise<void>;
  let receiver: http.Server;
  const received: Array<{ headers: http.IncomingHttpHeaders; body: string }> = [];
  const cli = (...args: string[]) => jp(server, args);

  beforeAll(async () => {
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c));
      req.on('end', () => { received.push({ headers: req.headers, body }); res.writeHead(200).end('ok'); });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    server = await SpawnedServer.start(backend, { JOBPLANE_WEBHOOK_ALLOW_HTTP_HOSTS: '127.0.0.1', JOBPLANE_WEBHOOK_ALLOW_PRIVATE: 'true' });
    const operator = await startOperator(server, { token: server.adminToken, handlers: ['test/fixtures/handlers/test-fail.ts', 'test/fixtures/handlers/test-sleep.ts'], builtins: false });
    stopOperator = () => operator.proc.kill();
  }, 180_000);
  afterAll(async () => {
    await stopOperator?.();
    await server?.close();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  it('jobs watch --job follows one job live and ends with its exit code; --after 0 replays it from the start', async () => {
    const plane = await server.admin.createDataPlane({ display_name: `watch-${backend}` }); // no operator: it waits
    const job = await server.createJob('test-sleep', { ms: 1 }, { data_plane_id: plane.id });
    // Resume after the create event's cursor: the watch then sees exactly what came after it, whether that
    // happens before or after it connects (the feed is kept, in commit order).
    // The feed shows an event once the sequencer has given it its place (within a poll interval of the commit).
    const created = await waitFor(async () => {
      const records = (await server.admin.listEvents({ job_id: job.job_id })).records;
      return records.length > 0 ? records : undefined;
    }, { timeoutMs: 30_000, message: 'the create event in the feed' });
    expect(created.map((e) => e.type)).toEqual(['job.pending']);
    const live = spawnCli(['jobs', 'watch', '--job', job.job_id, '--after', created[0]!.id, '--json'], { JOBPLANE_API: server.url, JOBPLANE_TOKEN: server.adminToken });
    await server.admin.requestCancellation(job.job_id);
    expect(await live.exited, live.stderr()).toBe(2); // it ended cancelled
    const events = live.stdout().trim().split('\n').map((l) => JSON.parse(l) as { type: string; data: { job_id: string } });
    expect(events.map((e) => [e.type, e.data.job_id])).toEqual([['job.pending_cancellation', job.job_id], ['job.cancelled', job.job_id]]);

    const replay = await cli('jobs', 'watch', '--job', job.job_id, '--after', '0');
    expect(replay.code, replay.stderr).toBe(2);
    const lines = replay.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^CURSOR +AT +EVENT +JOB +TYPE +ATTEMPT$/);
    expect(lines.slice(1).map((l) => l.split(/ +/)[2])).toEqual(['job.pending', 'job.pending_cancellation', 'job.cancelled']);
  }, 120_000);

  it('webhook create, list, get, deliveries, archive: a delivery reaches the receiver', async () => {
    const url = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;
    const created = await cli('webhook', 'create', '--url', url, '--name', `cli-${backend}`, '--state', 'failed', '--type', 'test-fail', '--json');
    expect(created.code, created.stderr).toBe(0);
    const hook = json(created);
    expect(hook).toMatchObject({ url, status: 'active', jobTypes: ['test-fail'], jobStates: ['failed'], secret: expect.stringMatching(/^whsec_/) });
    expect((await cli('webhook', 'list')).stdout).toMatch(new RegExp(`^${hook.id} +cli-${backend} +active +${url} +types test-fail; states failed`, 'm'));
    expect(json(await cli('webhook', 'get', hook.id, '--json'))).toEqual(await server.admin.getWebhook(hook.id));

    const job = await server.createJob('test-fail', { retryable: false });
    await waitFor(() => received.some((r) => r.body.includes(job.job_id)), { timeoutMs: 60_000, message: 'the delivery' });
    const deliveries = await waitFor(async () => {
      const d = json(await cli('webhook', 'deliveries', hook.id, '--job', job.job_id, '--json'));
      return d.records.some((r: { status: string }) => r.status === 'succeeded') ? d : undefined;
    }, { timeoutMs: 60_000, message: 'a succeeded delivery' });
    expect(deliveries.records[0]).toMatchObject({ jobId: job.job_id, eventType: 'job.failed', status: 'succeeded', responseStatus: 200 });
    expect((await cli('webhook', 'deliveries', hook.id)).stdout).toMatch(new RegExp(` job\\.failed +${job.job_id} +succeeded +1 +200 `));

    const archived = await cli('webhook', 'archive', hook.id);
    expect(archived.stdout).toBe(`${hook.id}: archived\n`);
  }, 120_000);
});
