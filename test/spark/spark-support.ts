/**
 * Support for the Spark suite: a `jobplane serve --engine spark --no-operator` (sample dataset 6402 loaded into
 * Iceberg) and `jobplane operator --engine spark` processes, over the real cluster, each install on a warehouse
 * directory of its own (set per session with JOBPLANE_SPARK_CONF), plus direct looks at Iceberg and Spark's REST API.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { JobplaneClient, type Job } from '../../src/client/index.js';
import { rowsOf } from '../../src/plane/spark/arrow-values.js';
import { appJobs, localClusterConfig } from '../../src/plane/spark/cluster/local-cluster.js';
import { IcebergTable, type IcebergSnapshot } from '../../src/plane/spark/iceberg/iceberg-table.js';
import { SparkConnect } from '../../src/plane/spark/spark-connect.js';
import { freshDatabase, type BackendName, type TestDatabase } from '../support/backends.js';
import { JobplaneProcess } from '../support/jobplane-process.js';
import { waitFor } from '../support/wait-for.js';

export const SPARK_REMOTE = process.env['JOBPLANE_SPARK_REMOTE'] ?? 'sc://127.0.0.1:15002';
export const CLUSTER = localClusterConfig();
/** One backend for the suite (PostgreSQL when DATABASE_URL is set): the plane's logic does not depend on it. */
export const BACKEND: BackendName = process.env['DATABASE_URL'] ? 'postgres' : 'pglite';

/** Short leases and a retry backoff long enough to outlast a restart of the Spark Connect server. */
export const SPARK_TIMING = {
  JOBPLANE_LEASE_MS: '3000', JOBPLANE_HEARTBEAT_MS: '500', JOBPLANE_MAINTENANCE_MS: '250',
  JOBPLANE_RETRY_BASE_MS: '2000', JOBPLANE_RETRY_MAX_MS: '20000',
};

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export class SparkInstall {
  admin!: JobplaneClient;
  /** The admin token (for CLI commands against the install). */
  token = '';
  dataPlaneId = '';
  readonly operators: JobplaneProcess[] = [];
  connect!: SparkConnect;

  private constructor(
    readonly database: TestDatabase, readonly port: number, readonly warehouse: string, readonly server: JobplaneProcess,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Settings the operators' sessions get beyond the warehouse (`--spark-conf`, `key=value;key=value`). */
  operatorSparkConf = '';

  get sparkConf(): string {
    return [`spark.sql.catalog.narrative.warehouse=file://${this.warehouse}`, ...(this.operatorSparkConf ? [this.operatorSparkConf] : [])].join(';');
  }

  static async start(sampleRows: number): Promise<SparkInstall> {
    const database = await freshDatabase(BACKEND, { open: false });
    const warehouse = await mkdtemp(path.join(os.tmpdir(), 'jobplane-spark-warehouse-'));
    const port = await freePort();
    const server = new JobplaneProcess(['serve', '--no-operator', '--port', String(port)], {
      ...SPARK_TIMING, JOBPLANE_DATA_DIR: database.dataDir, DATABASE_URL: database.databaseUrl, JOBPLANE_OPERATOR: 'false',
      JOBPLANE_ENGINE: 'spark', JOBPLANE_SPARK_REMOTE: SPARK_REMOTE,
      JOBPLANE_SPARK_CONF: `spark.sql.catalog.narrative.warehouse=file://${warehouse}`,
      JOBPLANE_SAMPLE_DATA: 'true', JOBPLANE_SAMPLE_ROWS: String(sampleRows), LOG_LEVEL: 'warn',
    });
    const install = new SparkInstall(database, port, warehouse, server);
    // Loading the sample into Iceberg runs Spark jobs: minutes on a busy 2-core machine.
    const died = server.exited.then((code) => { throw new Error(`serve exited (${code}): ${server.stderr.slice(-3000)}`); });
    await Promise.race([died, waitFor(async () => (await fetch(`${install.url}/readyz`).catch(() => undefined))?.ok,
      { timeoutMs: 480_000, intervalMs: 500, message: 'serve --engine spark to be ready (sample dataset in Iceberg)' })]);
    died.catch(() => undefined);
    const token = (await readFile(path.join(database.dataDir, 'admin-token'), 'utf8')).trim();
    install.token = token;
    install.admin = new JobplaneClient({ baseUrl: install.url, token });
    install.dataPlaneId = (await install.admin.listDataPlanes()).records[0]!.id;
    install.connect = await SparkConnect.open(SPARK_REMOTE, { sessionConf: { 'spark.sql.catalog.narrative.warehouse': `file://${warehouse}` } });
    return install;
  }

  /** `jobplane operator --engine spark` for the default plane (its own process, one slot). */
  async spawnOperator(env: Record<string, string> = {}): Promise<JobplaneProcess> {
    const created = await this.admin.createToken({
      name: 'spark operator', data_plane_id: this.dataPlaneId,
      permissions: [{ resource: 'jobs', access: 'write' }, { resource: 'data-planes', access: 'write' }, { resource: 'datasets', access: 'read' }],
    });
    const proc = new JobplaneProcess(['operator', '--engine', 'spark', '--spark-remote', SPARK_REMOTE, '--slots', '1'], {
      JOBPLANE_API: this.url, JOBPLANE_DATA_PLANE: this.dataPlaneId, JOBPLANE_TOKEN: created.access_token,
      JOBPLANE_SPARK_CONF: this.sparkConf, LOG_LEVEL: 'info', DATABASE_URL: undefined, ...env,
    });
    this.operators.push(proc);
    await proc.waitForLog((l) => l.msg === 'operator started', 120_000);
    return proc;
  }

  waitForJob(jobId: string, done: (job: Job) => boolean, what = 'the job', timeoutMs = 480_000): Promise<Job> {
    return waitFor(async () => {
      const job = await this.admin.getJob(jobId);
      return done(job) ? job : undefined;
    }, { timeoutMs, intervalMs: 250, message: `${what} (${jobId})` });
  }

  /** A dataset on the Spark plane (schema `{n: long}` unless given). */
  async dataset(name: string, writeMode: 'append' | 'overwrite', schema: Record<string, unknown> = { type: 'object', properties: { n: { type: 'long' } } }) {
    return this.admin.createDataset({ name, schema, write_mode: writeMode, data_plane_id: this.dataPlaneId } as never);
  }

  /** A materialize-view job writing `compiledSql` (Spark SQL, run as given) into `datasetId`. */
  materialize(datasetId: number, compiledSql: string, extra: Record<string, unknown> = {}): Promise<Job> {
    return this.admin.createJob({
      type: 'materialize-view', data_plane_id: this.dataPlaneId,
      input: { nql: `CREATE MATERIALIZED VIEW "v" AS SELECT 1`, dataset_id: datasetId, stats_enabled: false, compiled_sql: compiledSql },
      inputs: [], ...extra,
    } as never);
  }

  /** Runs `sql` on the install's warehouse, rows as JSON. */
  async rows(sql: string): Promise<Array<Record<string, unknown>>> {
    const session = await this.connect.openSession();
    try {
      return rowsOf((await session.query(sql)).batches);
    } finally {
      await session.release();
    }
  }

  async table<T>(datasetId: number, look: (t: IcebergTable) => Promise<T>): Promise<T> {
    const session = await this.connect.openSession();
    try {
      return await look(new IcebergTable(session, datasetId));
    } finally {
      await session.release();
    }
  }

  current(datasetId: number): Promise<string | null> {
    return this.table(datasetId, (t) => t.currentSnapshotId());
  }

  snapshots(datasetId: number): Promise<IcebergSnapshot[]> {
    return this.table(datasetId, (t) => t.snapshots());
  }

  async killOperators(): Promise<void> {
    await Promise.all(this.operators.splice(0).map((o) => o.kill()));
  }

  async close(): Promise<void> {
    await this.killOperators();
    await this.server.kill();
    this.connect?.close();
    await this.database.drop();
    await rm(this.warehouse, { recursive: true, force: true });
  }
}

/** The Spark jobs (driver REST API) that ran for a jobplane job: tagged `jobplane-job-<id>` by the plane. */
export async function sparkJobsOf(jobId: string) {
  return (await appJobs(CLUSTER)).filter((j) => (j.jobTags ?? []).some((t) => t.endsWith(`_Tag_jobplane-job-${jobId}`)));
}

/** A write that takes about `seconds` (two partitions, each sleeping row by row): interruptible like any Spark task. */
export const slowWriteSql = (seconds: number, rows = 20) =>
  `SELECT id AS n FROM range(0, ${rows}, 1, 2) WHERE length(coalesce(reflect('java.lang.Thread', 'sleep', CAST(${Math.round((seconds * 2000) / rows)} + id * 0 AS BIGINT)), '')) >= 0`;
