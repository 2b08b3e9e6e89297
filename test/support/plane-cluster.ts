import { readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { JobplaneClient } from '../../src/client/index.js';
import type { Job } from '../../src/client/index.js';
import { freshDatabase, type BackendName, type TestDatabase } from './backends.js';
import { JobplaneProcess, type LogLine } from './jobplane-process.js';
import { waitFor } from './wait-for.js';

export const TEST_JOB_TYPES = ['test-sleep', 'test-echo', 'test-fail'];
const HANDLER_MODULES = TEST_JOB_TYPES.map((t) => `test/fixtures/handlers/${t}.ts`);

/**
 * Timing of the spawned servers: leases of seconds instead of minutes, so that expiry tests run in seconds.
 * Heartbeats every 500 ms keep a 3 s lease alive with a wide margin on a loaded machine.
 */
export const FAST_TIMING = {
  JOBPLANE_LEASE_MS: '3000',
  JOBPLANE_HEARTBEAT_MS: '500',
  JOBPLANE_RETRY_BASE_MS: '200',
  JOBPLANE_RETRY_MAX_MS: '5000',
  JOBPLANE_MAINTENANCE_MS: '250',
};

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** `jobplane serve --no-operator` in its own process, on a fixed port so that it can be restarted in place. */
export class SpawnedServer {
  proc!: JobplaneProcess;
  admin!: JobplaneClient;
  adminToken = '';
  dataPlaneId = '';
  private readonly operators: SpawnedOperator[] = [];

  private constructor(readonly database: TestDatabase, readonly port: number, readonly env: Record<string, string | undefined>) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(backend: BackendName, extraEnv: Record<string, string> = {}): Promise<SpawnedServer> {
    const database = await freshDatabase(backend, { open: false });
    const env = {
      // No 1M-row sample dataset unless a test asks for it: generating it would compete with the test for the CPU.
      ...FAST_TIMING, JOBPLANE_EXTRA_JOB_TYPES: TEST_JOB_TYPES.join(','), JOBPLANE_SAMPLE_DATA: 'false', ...extraEnv,
      JOBPLANE_DATA_DIR: database.dataDir, DATABASE_URL: database.databaseUrl, JOBPLANE_OPERATOR: 'false',
      LOG_LEVEL: 'warn',
    };
    const server = new SpawnedServer(database, await freePort(), env);
    await server.launch();
    server.adminToken = (await readFile(path.join(database.dataDir, 'admin-token'), 'utf8')).trim();
    server.admin = new JobplaneClient({ baseUrl: server.url, token: server.adminToken });
    server.dataPlaneId = (await server.admin.listDataPlanes()).records[0]!.id;
    return server;
  }

  private async launch(): Promise<void> {
    this.proc = new JobplaneProcess(['serve', '--no-operator', '--port', String(this.port)], this.env);
    await waitFor(async () => {
      if (!this.proc.running) throw new Error(`serve exited: ${this.proc.stderr.slice(-2000)}`);
      const res = await fetch(`${this.url}/readyz`).catch(() => undefined);
      return res?.ok;
    }, { timeoutMs: 90_000, intervalMs: 200, message: `the server on port ${this.port} to be ready` });
  }

  /** Kills the server (SIGKILL by default: a crash) and starts it again on the same port and database. */
  async restart(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    this.proc.signal(signal);
    await this.proc.exited;
    await this.launch();
  }

  /**
   * A token bound to one data plane, with what an operator needs (jobs:write, data-planes:write; plus datasets:read
   * with `datasets`, for the built-in handlers that read the plane's datasets).
   */
  async operatorToken(dataPlaneId = this.dataPlaneId, datasets = false): Promise<string> {
    const created = await this.admin.createToken({
      name: 'test operator', data_plane_id: dataPlaneId,
      permissions: [
        { resource: 'jobs', access: 'write' }, { resource: 'data-planes', access: 'write' },
        ...(datasets ? [{ resource: 'datasets' as const, access: 'read' as const }] : []),
      ],
    });
    return created.access_token;
  }

  async spawnOperator(opts: OperatorSpawnOptions = {}): Promise<SpawnedOperator> {
    const dataPlaneId = opts.dataPlaneId ?? this.dataPlaneId;
    const args = ['operator', '--handlers', ...HANDLER_MODULES, '--slots', String(opts.slots ?? 2)];
    if (!opts.builtins) args.push('--no-builtins');
    if (opts.types) args.push('--types', opts.types.join(','));
    if (opts.pool) args.push('--pool', opts.pool);
    if (opts.graceMs !== undefined) args.push('--grace', String(opts.graceMs));
    if (opts.storageRoot !== undefined) args.push('--storage-root', opts.storageRoot);
    const proc = new JobplaneProcess(args, {
      ...opts.env,
      JOBPLANE_API: this.url, JOBPLANE_DATA_PLANE: dataPlaneId,
      JOBPLANE_TOKEN: await this.operatorToken(dataPlaneId, opts.builtins ?? false),
      LOG_LEVEL: 'info', DATABASE_URL: undefined,
    });
    const started = await proc.waitForLog((l) => l.msg === 'operator started', 90_000);
    const operator = new SpawnedOperator(proc, started['executor'] as string);
    this.operators.push(operator);
    return operator;
  }

  async createJob(type: string, input: Record<string, unknown>, extra: Partial<Parameters<JobplaneClient['createJob']>[0]> = {}): Promise<Job> {
    return this.admin.createJob({ type, input, ...extra });
  }

  /** Polls the job until `done(job)` holds, and returns it. */
  waitForJob(jobId: string, done: (job: Job) => boolean, timeoutMs = 30_000, what = 'the job'): Promise<Job> {
    return waitFor(async () => {
      const job = await this.admin.getJob(jobId);
      return done(job) ? job : undefined;
    }, { timeoutMs, intervalMs: 100, message: `${what} (${jobId})` });
  }

  /** Where the server's own data plane keeps dataset files (`<data dir>/storage`; the sample dataset is there). */
  get storageDir(): string {
    return path.join(this.database.dataDir, 'storage');
  }

  /**
   * Stops every operator spawned so far the way an orderly shutdown does (SIGCONT, then SIGTERM: drain and
   * deregister, so that no claim of theirs outlives them), SIGKILLing any still alive after `graceMs`.
   */
  async stopOperators(graceMs = 15_000): Promise<void> {
    await Promise.all(this.operators.splice(0).map(async (o) => {
      if (!o.proc.running) return;
      o.proc.signal('SIGCONT');
      o.proc.signal('SIGTERM');
      const timer = setTimeout(() => o.proc.signal('SIGKILL'), graceMs);
      await o.proc.exited;
      clearTimeout(timer);
    }));
  }

  /** SIGKILLs every operator spawned so far (between tests, so that none takes the next test's jobs). */
  async killOperators(): Promise<void> {
    await Promise.all(this.operators.splice(0).map((o) => o.proc.kill()));
  }

  async close(): Promise<void> {
    await this.killOperators();
    await this.proc?.kill();
    await this.database.drop();
  }
}

export interface OperatorSpawnOptions {
  dataPlaneId?: string;
  pool?: string;
  slots?: number;
  types?: string[];
  graceMs?: number;
  /** Load the built-in handlers (materialize-view, nql-forecast) as well; by default only the test handlers. */
  builtins?: boolean;
  /** `--storage-root`: the plane's dataset files (for the built-in handlers: the server's `storageDir`). */
  storageRoot?: string;
  /** Extra environment of the operator process (e.g. JOBPLANE_SWEEP_MS); the API, token and plane are set anyway. */
  env?: Record<string, string>;
}

export class SpawnedOperator {
  constructor(readonly proc: JobplaneProcess, readonly executorId: string) {}

  /** Log lines about one job. */
  jobLines(jobId: string): LogLine[] {
    return this.proc.lines.filter((l) => l['job_id'] === jobId);
  }
}

export const isTerminal = (job: Job) => ['completed', 'failed', 'cancelled'].includes(job.state) && job.retry_at === null;
