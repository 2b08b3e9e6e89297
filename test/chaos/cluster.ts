import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { JobplaneProcess } from '../support/jobplane-process.js';
import { waitFor } from '../support/wait-for.js';

/** The handlers the chaos operators load (test-sleep only: a job that takes a while and says who ran it). */
const HANDLERS = ['test/fixtures/handlers/test-sleep.ts'];

export interface ClusterTiming {
  leaseMs: number;
  heartbeatMs: number;
  maintenanceMs: number;
}

/** A chaos operator: a real `jobplane operator` process and its executor id. */
export interface ChaosOperator {
  proc: JobplaneProcess;
  executor: string;
  /** Set while SIGSTOPped. */
  stopped: boolean;
}

/**
 * The system under chaos: one `jobplane serve --no-operator` on a fixed port (so that it can be killed and started
 * again in place) over the run's own PostgreSQL, and N `jobplane operator` processes on its default data plane.
 */
export class ChaosCluster {
  server!: JobplaneProcess;
  adminToken = '';
  dataPlaneId = '';
  operatorToken = '';
  readonly operators: ChaosOperator[] = [];

  constructor(
    readonly opts: { databaseUrl: string; port: number; dataDir: string; timing: ClusterTiming; slots: number; log: (msg: string) => void },
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.opts.port}`;
  }

  async start(operators: number): Promise<void> {
    await this.launchServer();
    this.adminToken = (await readFile(path.join(this.opts.dataDir, 'admin-token'), 'utf8')).trim();
    const planes = await this.api<{ records: Array<{ id: string }> }>('GET', '/data-planes');
    this.dataPlaneId = planes.records[0]!.id;
    const token = await this.api<{ access_token: string }>('POST', '/access-tokens/tokens', {
      name: 'chaos operators', data_plane_id: this.dataPlaneId,
      permissions: [{ resource: 'jobs', access: 'write' }, { resource: 'data-planes', access: 'write' }],
    });
    this.operatorToken = token.access_token;
    await Promise.all(Array.from({ length: operators }, () => this.spawnOperator()));
  }

  private async launchServer(): Promise<void> {
    const t = this.opts.timing;
    this.server = new JobplaneProcess(['serve', '--no-operator', '--port', String(this.opts.port)], {
      DATABASE_URL: this.opts.databaseUrl, JOBPLANE_DATA_DIR: this.opts.dataDir, JOBPLANE_OPERATOR: 'false',
      JOBPLANE_SAMPLE_DATA: 'false', JOBPLANE_EXTRA_JOB_TYPES: 'test-sleep', JOBPLANE_LOG_FORMAT: 'json', LOG_LEVEL: 'warn',
      JOBPLANE_LEASE_MS: String(t.leaseMs), JOBPLANE_HEARTBEAT_MS: String(t.heartbeatMs), JOBPLANE_MAINTENANCE_MS: String(t.maintenanceMs),
      JOBPLANE_RETRY_BASE_MS: '100', JOBPLANE_RETRY_MAX_MS: '2000', JOBPLANE_DRAIN_GRACE_MS: '2000',
    });
    await waitFor(async () => {
      if (!this.server.running) throw new Error(`serve exited: ${this.server.stderr.slice(-2000)}`);
      const res = await fetch(`${this.url}/readyz`).catch(() => undefined);
      return res?.ok;
    }, { timeoutMs: 300_000, intervalMs: 100, message: 'the API server to be ready' });
  }

  /** SIGKILLs the API server and starts it again on the same port and database; resolves once it is ready. */
  async restartServer(): Promise<void> {
    await this.server.kill();
    await this.launchServer();
  }

  async spawnOperator(): Promise<ChaosOperator> {
    const proc = new JobplaneProcess(['operator', '--handlers', ...HANDLERS, '--no-builtins', '--slots', String(this.opts.slots)], {
      JOBPLANE_API: this.url, JOBPLANE_DATA_PLANE: this.dataPlaneId, JOBPLANE_TOKEN: this.operatorToken,
      JOBPLANE_LOG_FORMAT: 'json', LOG_LEVEL: 'info', DATABASE_URL: undefined,
    });
    const started = await proc.waitForLog((l) => l.msg === 'operator started', 120_000);
    const operator: ChaosOperator = { proc, executor: String(started['executor']), stopped: false };
    this.operators.push(operator);
    return operator;
  }

  /** SIGKILLs an operator (a crash) and starts a replacement, so that the number of live operators stays the same. */
  async killOperator(victim: ChaosOperator): Promise<ChaosOperator> {
    await victim.proc.kill();
    this.operators.splice(this.operators.indexOf(victim), 1);
    return this.spawnOperator();
  }

  /**
   * A call to the API as the admin, retried while the API or its database is down (a restart in progress, which
   * on a loaded machine takes a minute: the server's TypeScript is compiled as it starts).
   */
  async api<T = unknown>(method: string, p: string, body?: unknown, patienceMs = 300_000): Promise<T> {
    let last = '';
    const deadline = Date.now() + patienceMs;
    while (Date.now() < deadline) {
      const res = await fetch(`${this.url}${p}`, {
        method, headers: { authorization: `Bearer ${this.adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      }).catch((err: Error) => err);
      if (!(res instanceof Error) && res.status < 500) {
        const text = await res.text();
        if (res.status >= 400) throw new Error(`${method} ${p}: ${res.status} ${text.slice(0, 300)}`);
        return (text ? JSON.parse(text) : undefined) as T;
      }
      last = res instanceof Error ? res.message : `${res.status}`;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`${method} ${p}: no answer for ${patienceMs} ms (${last})`);
  }

  async stop(): Promise<void> {
    await Promise.all(this.operators.splice(0).map((o) => o.proc.kill()));
    await this.server?.kill();
  }
}
