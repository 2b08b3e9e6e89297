import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { freshDatabase, type BackendName, type TestDatabase } from '../../support/backends.js';
import { JobplaneProcess } from '../../support/jobplane-process.js';
import { FAST_TIMING } from '../../support/plane-cluster.js';
import { waitFor } from '../../support/wait-for.js';
import { freePort } from './free-port.js';

/**
 * A real `jobplane serve` with its in-process operator (materialize-view, nql-forecast) over the sample dataset,
 * for the browser tests: its own database, its own port. `test-sleep` jobs are accepted too, run by a second
 * operator process (`sleepOperator()`), so that a job can be caught while it runs; `test-echo` jobs are accepted
 * and run by nobody, so that one can be seen waiting.
 */
export class DashboardServer {
  proc!: JobplaneProcess;
  adminToken = '';
  dataPlaneId = '';
  private operators: JobplaneProcess[] = [];

  private constructor(readonly database: TestDatabase, readonly port: number) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(backend: BackendName): Promise<DashboardServer> {
    const database = await freshDatabase(backend, { open: false });
    const server = new DashboardServer(database, await freePort());
    server.proc = new JobplaneProcess(['serve', '--port', String(server.port)], {
      // Short retries and maintenance passes, but leases long enough for a loaded CI machine: an expired lease
      // would add a second attempt to the jobs whose pages the tests read.
      ...FAST_TIMING, JOBPLANE_LEASE_MS: '20000', JOBPLANE_HEARTBEAT_MS: '1000',
      JOBPLANE_DATA_DIR: database.dataDir, DATABASE_URL: database.databaseUrl,
      JOBPLANE_SAMPLE_DATA: 'true', JOBPLANE_SAMPLE_ROWS: '3000',
      JOBPLANE_EXTRA_JOB_TYPES: 'test-sleep,test-echo', LOG_LEVEL: 'warn',
    });
    const outcome = await waitFor(async () => {
      if (!server.proc.running) return 'exited';
      return (await fetch(`${server.url}/readyz`).catch(() => undefined))?.ok && 'ready';
    }, { timeoutMs: 180_000, intervalMs: 250, message: 'the dashboard server to be ready' });
    if (outcome === 'exited') {
      await database.drop();
      throw new Error(`jobplane serve exited before it was ready:\n${server.proc.stderr.slice(-3000)}`);
    }
    server.adminToken = (await readFile(path.join(database.dataDir, 'admin-token'), 'utf8')).trim();
    server.dataPlaneId = (await server.api<{ records: Array<{ id: string }> }>('GET', '/data-planes')).records[0]!.id;
    return server;
  }

  /** A call with the admin token (or `token`); throws on an error status. */
  async api<T = any>(method: string, p: string, body?: unknown, token = this.adminToken): Promise<T> {
    const res = await fetch(`${this.url}${p}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? null : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** A token of the bootstrap company with these permissions. */
  async token(permissions: Array<[string, 'read' | 'write']>, extra: Record<string, unknown> = {}): Promise<string> {
    const created = await this.api<{ access_token: string }>('POST', '/access-tokens/tokens', {
      name: `ui test ${permissions.map((p) => p.join(':')).join(',')}`,
      permissions: permissions.map(([resource, access]) => ({ resource, access })), ...extra,
    });
    return created.access_token;
  }

  /** `jobplane operator` running only test-sleep jobs (the in-process operator has the built-in types). */
  async sleepOperator(): Promise<void> {
    const token = await this.token([['jobs', 'write'], ['data-planes', 'write']], { data_plane_id: this.dataPlaneId });
    const proc = new JobplaneProcess(
      ['operator', '--handlers', 'test/fixtures/handlers/test-sleep.ts', '--no-builtins', '--types', 'test-sleep', '--slots', '2', '--name', 'sleeper'],
      { JOBPLANE_API: this.url, JOBPLANE_DATA_PLANE: this.dataPlaneId, JOBPLANE_TOKEN: token, LOG_LEVEL: 'info', DATABASE_URL: undefined },
    );
    this.operators.push(proc);
    await proc.waitForLog((l) => l.msg === 'operator started', 120_000);
  }

  async waitForJob(jobId: string, done: (job: any) => boolean, what: string, timeoutMs = 60_000): Promise<any> {
    return waitFor(async () => {
      const job = await this.api('GET', `/jobs/${jobId}`);
      return done(job) ? job : undefined;
    }, { timeoutMs, intervalMs: 200, message: `${what} (${jobId})` });
  }

  async close(): Promise<void> {
    await Promise.all(this.operators.map((o) => o.kill()));
    await this.proc?.kill();
    await this.database.drop();
  }
}
