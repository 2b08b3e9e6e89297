import { afterAll, describe, expect, it, vi } from 'vitest';
import http from 'node:http';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { freshDatabase } from '../support/backends.js';
import { spawnCli, runCli, type CliProcess } from '../support/spawn.js';
import { ShutdownSequence } from '../../src/server/shutdown.js';

/**
 * `jobplane serve` as a process: a SIGTERM ends an idle server (with its in-process operator) promptly even with an
 * idle keep-alive connection open, while in-flight requests get their answer; a port in use is refused before
 * anything is written; logs are JSON lines off a terminal and pretty lines when asked, without a line per request.
 */
const serving = (l: Record<string, unknown>) => l['msg'] === 'jobplane serving';
const jsonLines = (text: string) => text.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);

describe('jobplane serve lifecycle', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterAll(async () => { for (const fn of cleanup.reverse()) await fn(); });

  async function serve(env: Record<string, string | undefined> = {}, args: string[] = []): Promise<{ proc: CliProcess; url: string; dataDir: string }> {
    const database = await freshDatabase('pglite', { open: false });
    cleanup.push(() => database.drop());
    const proc = spawnCli(['serve', ...args], { JOBPLANE_DATA_DIR: database.dataDir, PORT: '0', DATABASE_URL: undefined, ...env });
    cleanup.push(async () => { proc.kill('SIGKILL'); await proc.exited; });
    const url = (await proc.waitForLog(serving, 120_000))['url'] as string;
    return { proc, url, dataDir: database.dataDir };
  }

  it('SIGTERM on an idle server with its operator: exits, with an idle keep-alive connection open and a long-poll in flight answered', async () => {
    const { proc, url, dataDir } = await serve({ JOBPLANE_OPERATOR: 'true' });
    const admin = (await readFile(path.join(dataDir, 'admin-token'), 'utf8')).trim();
    await proc.waitForLog((l) => l['msg'] === 'operator started', 60_000);
    // A keep-alive connection left idle, as a client (or the operator) leaves one: it must not hold the exit for
    // the 72 s keep-alive timeout.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
    cleanup.push(async () => agent.destroy());
    const get = (p: string, headers: Record<string, string> = {}) => new Promise<{ status: number; body: string }>((resolve, reject) => {
      http.get(`${url}${p}`, { agent, headers }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => { body += d; }).on('end', () => resolve({ status: res.statusCode!, body }));
      }).on('error', reject);
    });
    expect((await get('/healthz')).status).toBe(200);
    // An in-flight request: a cancellation long-poll of a fresh executor, held up to 20 s unless the server closes.
    const executor = await fetch(`${url}/executors`, {
      method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ data_plane_id: (await (await fetch(`${url}/data-planes`, { headers: { authorization: `Bearer ${admin}` } })).json() as any).records[0].id, types: ['x'], slots: 1 }),
    }).then((r) => r.json() as Promise<{ id: string }>);
    const longPoll = get(`/executors/${executor.id}/cancellations?wait_ms=20000`, { authorization: `Bearer ${admin}` });
    proc.kill('SIGTERM');
    const answered = await longPoll;
    expect(answered.status).toBe(200);
    expect(JSON.parse(answered.body)).toEqual({ records: [] });
    // Well below the 72 s keep-alive timeout that used to hold it; the log says what it waited for, and that it is done.
    const code = await Promise.race([proc.exited, new Promise((r) => setTimeout(() => r('still running after 45 s'), 45_000))]);
    expect(code).toBe(0);
    const lines = jsonLines(proc.stdout()).map((l) => String(l['msg']));
    expect(lines).toContain('shutting down');
    expect(lines.some((m) => m.startsWith('shutdown: waiting for the in-process operator'))).toBe(true);
    expect(lines).toContain('operator stopped');
    expect(lines).toContain('shut down');
  }, 240_000);

  it('a port in use is refused before anything happens: no data dir, no admin token', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise((r) => blocker.close(r)));
    const port = (blocker.address() as net.AddressInfo).port;
    const parent = await mkdtemp(path.join(os.tmpdir(), 'jobplane-port-'));
    cleanup.push(() => rm(parent, { recursive: true, force: true }));
    const dataDir = path.join(parent, 'never-created');
    const res = await runCli(['serve', '--port', String(port)], { JOBPLANE_DATA_DIR: dataDir, DATABASE_URL: undefined });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`127.0.0.1:${port} is already in use (EADDRINUSE)`);
    expect(res.stderr).toContain('--port');
    expect(res.stderr).not.toContain('Admin token');
    await expect(access(dataDir)).rejects.toThrow();
  }, 120_000);

  it('logs: JSON lines off a terminal with no line per request at info; pretty lines with --log-format pretty; request lines at debug', async () => {
    // (And the token-free metrics listener of JOBPLANE_METRICS_ADDR, while this server runs.)
    const metricsPort = await freePort();
    const quiet = await serve({ JOBPLANE_OPERATOR: 'false', JOBPLANE_SAMPLE_DATA: 'false', JOBPLANE_METRICS_ADDR: `127.0.0.1:${metricsPort}` });
    for (let i = 0; i < 5; i++) await fetch(`${quiet.url}/healthz`);
    expect((await fetch(`${quiet.url}/metrics`)).status).toBe(401);
    const scraped = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain('jobplane_http_request_duration_seconds');
    expect((await fetch(`http://127.0.0.1:${metricsPort}/jobs`)).status).toBe(404);
    quiet.proc.kill('SIGTERM');
    expect(await quiet.proc.exited).toBe(0);
    const lines = jsonLines(quiet.proc.stdout());
    expect(lines.length).toBeGreaterThan(3);
    expect(lines.filter((l) => l['msg'] === 'request' || l['msg'] === 'incoming request')).toEqual([]);

    const pretty = await serveText(['--log-format', 'pretty'], { LOG_LEVEL: 'debug' });
    expect(pretty).toMatch(/INFO.*jobplane serving/);
    expect(pretty).toMatch(/DEBUG.*\(api\) request .*"url":"\/healthz"/);
    expect(pretty.split('\n').filter((l) => l.startsWith('{'))).toEqual([]);
  }, 240_000);

    /** Runs serve with `args` until it serves, hits /healthz once, stops it, and returns its stdout. */
  async function serveText(args: string[], env: Record<string, string>): Promise<string> {
    const database = await freshDatabase('pglite', { open: false });
    cleanup.push(() => database.drop());
    const proc = spawnCli(['serve', '--no-operator', ...args], { JOBPLANE_DATA_DIR: database.dataDir, PORT: '0', DATABASE_URL: undefined, ...env });
    cleanup.push(async () => { proc.kill('SIGKILL'); await proc.exited; });
    const deadline = Date.now() + 120_000;
    let url: string | undefined;
    while (!url && Date.now() < deadline) {
      url = /jobplane serving.*"url":"(http:[^"]+)"/.exec(proc.stdout())?.[1];
      if (!url) await new Promise((r) => setTimeout(r, 200));
    }
    expect(url, proc.stderr()).toBeDefined();
    await fetch(`${url}/healthz`);
    proc.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
    return proc.stdout();
  }
});

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('the shutdown sequence', () => {
  it('stops in reverse order, shares one grace period, carries on past a failing step, and a second call ends the grace', async () => {
    vi.useFakeTimers();
    try {
      const log = pino({ level: 'silent' });
      const seq = new ShutdownSequence(log);
      const order: string[] = [];
      let graceSignal: AbortSignal | undefined;
      seq.add({ what: () => 'database', run: async () => { order.push('database'); } });
      seq.add({ what: () => 'broken', run: async () => { order.push('broken'); throw new Error('boom'); } });
      seq.add({
        what: () => 'operator', run: (grace) => {
          order.push('operator');
          graceSignal = grace;
          return new Promise<void>((resolve) => grace.addEventListener('abort', () => resolve()));
        },
      });
      const done = seq.run(10_000);
      await vi.advanceTimersByTimeAsync(9_999);
      expect(order).toEqual(['operator']);
      expect(graceSignal!.aborted).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      await done;
      expect(graceSignal!.aborted).toBe(true);
      expect(order).toEqual(['operator', 'broken', 'database']);

      const again = new ShutdownSequence(log);
      let cut: AbortSignal | undefined;
      again.add({ what: () => 'slow', run: (grace) => { cut = grace; return new Promise<void>((r) => grace.addEventListener('abort', () => r())); } });
      const first = again.run(60_000);
      await vi.advanceTimersByTimeAsync(10);
      expect(again.run(60_000)).toBe(first);
      await first;
      expect(cut!.aborted).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });
});
