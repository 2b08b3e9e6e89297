import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { backends, freshDatabase, type TestDatabase } from '../support/backends.js';
import { spawnCli, type CliProcess } from '../support/spawn.js';
import { waitFor } from '../support/wait-for.js';
import { SEED_NQL } from '../fixtures/seed.js';
import { SEED_QUERY_DUCKDB } from '../../src/plane/sample-data/seed-query.js';

const serving = (l: Record<string, unknown>) => l['msg'] === 'jobplane serving';
const SAMPLE_ROWS = 40_000;

/** Rows of `sql` (over `ds_6402` and/or `result`) by DuckDB directly on Parquet files, sorted, as JSON text. */
async function duckRows(sql: string, views: Record<string, string[]>): Promise<string[]> {
  const instance = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
  const conn = await instance.connect();
  try {
    await conn.run(`SET TimeZone = 'UTC'`);
    for (const [name, files] of Object.entries(views)) {
      await conn.run(`CREATE VIEW ${name} AS SELECT * FROM read_parquet([${files.map((f) => `'${f.replace(/'/g, "''")}'`).join(', ')}])`);
    }
    const reader = await conn.runAndReadAll(sql);
    return (reader.getRowObjectsJson() as unknown[]).map((r) => JSON.stringify(r)).sort();
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** Rows of `sql` by DuckDB directly on Parquet files, in the query's order, as plain JSON values. */
async function duckRowsInOrder(sql: string, views: Record<string, string[]>): Promise<unknown[]> {
  const instance = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
  const conn = await instance.connect();
  try {
    for (const [name, files] of Object.entries(views)) {
      await conn.run(`CREATE VIEW ${name} AS SELECT * FROM read_parquet([${files.map((f) => `'${f.replace(/'/g, "''")}'`).join(', ')}])`);
    }
    return (await conn.runAndReadAll(sql)).getRowObjectsJson();
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

describe.each(backends())('the seed, end to end through a real server and its operator (%s)', (backend) => {
  let database: TestDatabase;
  let server: CliProcess;
  let url: string;
  let token: string;
  let storage: string;
  const api = async (method: string, p: string, body?: unknown) => {
    const res = await fetch(`${url}${p}`, {
      method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const finished = (jobId: string) => waitFor(async () => {
    const job = (await api('GET', `/jobs/${jobId}`)).body;
    return ['completed', 'failed', 'cancelled'].includes(job.state) ? job : undefined;
  }, { timeoutMs: 120_000, intervalMs: 200, message: `job ${jobId} to finish` });

  beforeAll(async () => {
    database = await freshDatabase(backend, { open: false });
    storage = path.join(database.dataDir, 'storage');
    server = spawnCli(['serve'], {
      JOBPLANE_DATA_DIR: database.dataDir, PORT: '0', DATABASE_URL: database.databaseUrl,
      JOBPLANE_SAMPLE_DATA: 'true', JOBPLANE_SAMPLE_ROWS: String(SAMPLE_ROWS),
    });
    url = (await server.waitForLog(serving, 180_000))['url'] as string;
    token = /jp_[A-Za-z0-9_-]{43}/.exec(server.stderr())![0];
    await waitFor(async () => (await api('GET', '/executors')).body.records?.length > 0, { timeoutMs: 120_000, message: 'in-process operator' });
  }, 240_000);
  afterAll(async () => {
    server?.kill('SIGTERM');
    await server?.exited;
    await database?.drop();
  });

  it('runs the seed\'s CREATE MATERIALIZED VIEW verbatim: a completed job, a new snapshot with the rows DuckDB gives by hand', async () => {
    const sample = (await api('GET', '/datasets/6402')).body;
    expect(sample).toMatchObject({ id: 6402, status: 'active' });
    const sampleSnap = (await api('GET', `/datasets/6402/snapshots/${sample.latest_snapshot_id}`)).body;
    expect(sampleSnap.row_count).toBe(SAMPLE_ROWS);

    const run = await api('POST', '/nql/run', { nql: SEED_NQL });
    expect(run.status, JSON.stringify(run.body)).toBe(201);
    const job = await finished(run.body.id);
    expect(job.state, JSON.stringify(job.failures)).toBe('completed');
    const { dataset_id, snapshot_id, recalculation_id } = job.result;
    expect(dataset_id).toBe(run.body.input.dataset_id);
    expect(Number.isSafeInteger(snapshot_id) && snapshot_id > 0).toBe(true);
    expect(recalculation_id).toMatch(/^[0-9a-f-]{36}$/);

    const dataset = (await api('GET', `/datasets/${dataset_id}`)).body;
    expect(dataset).toMatchObject({ status: 'active', latest_snapshot_id: snapshot_id, name: 'sampleNQL' });
    const snapshot = (await api('GET', `/datasets/${dataset_id}/snapshots/${snapshot_id}`)).body;
    expect(snapshot).toMatchObject({ job_id: job.job_id, operation: 'append', inputs: [{ dataset_id: 6402, snapshot_id: sample.latest_snapshot_id }] });
    expect(snapshot.row_count).toBeGreaterThan(0);

    const abs = (files: Array<{ path: string }>) => files.map((f) => path.join(storage, f.path));
    const materialized = await duckRows('SELECT mobile_id, "day", "hour", latitude, longitude FROM result', { result: abs(snapshot.files) });
    const byHand = await duckRows(SEED_QUERY_DUCKDB, { ds_6402: abs(sampleSnap.files) });
    expect(materialized.length).toBe(snapshot.row_count);
    expect(materialized).toEqual(byHand);

    const stats = (await api('GET', `/datasets/${dataset_id}/snapshots/${snapshot_id}/column-stats`)).body;
    expect(stats.recalculation_id).toBe(recalculation_id);
    expect(stats.stats.row_count).toBe(snapshot.row_count);

    // A forced re-run appends (write_mode append): the new snapshot lists the old files plus new ones.
    const again = await api('POST', `/jobs/${job.job_id}/reschedule`, { force: true });
    expect(again.body.outcome).toBe('rescheduled');
    const second = await finished(job.job_id);
    expect(second.state).toBe('completed');
    expect(second.result.snapshot_id).not.toBe(snapshot_id);
    const appended = (await api('GET', `/datasets/${dataset_id}/snapshots/${second.result.snapshot_id}`)).body;
    expect(appended).toMatchObject({ parent_snapshot_id: snapshot_id, row_count: snapshot.row_count * 2 });
    expect(appended.files.slice(0, snapshot.files.length)).toEqual(snapshot.files);
  });

  it('EXPLAIN forecasts rows and cost exactly on small data (own data is free)', async () => {
    const nql = `EXPLAIN SELECT "hashed_email" FROM company_data."6402" WHERE "country_code" = 'US'`;
    const run = await api('POST', '/nql/run', { nql });
    expect(run.status, JSON.stringify(run.body)).toBe(201);
    const job = await finished(run.body.id);
    expect(job.state, JSON.stringify(job.failures)).toBe('completed');
    const sample = (await api('GET', '/datasets/6402')).body;
    const snap = (await api('GET', `/datasets/6402/snapshots/${sample.latest_snapshot_id}`)).body;
    const expected = await duckRows(`SELECT count(*)::INTEGER AS n FROM ds_6402 WHERE country_code = 'US'`, { ds_6402: snap.files.map((f: any) => path.join(storage, f.path)) });
    expect(job.result).toMatchObject({ rows: JSON.parse(expected[0]!).n, cost: 0, nql_type: 'forecast', type: 'success' });
    const polled = (await api('GET', `/nql/${job.job_id}`)).body;
    expect(polled).toMatchObject({ state: 'completed', result: job.result });
    expect(polled.completed_at).not.toBeNull();
  });

  it('reads a page of a snapshot\'s rows through the plane: nested attributes as objects, in file order, as DuckDB reads them', async () => {
    const sample = (await api('GET', '/datasets/6402')).body;
    const snap = (await api('GET', `/datasets/6402/snapshots/${sample.latest_snapshot_id}`)).body;
    const page = await api('GET', `/datasets/6402/snapshots/${snap.snapshot_id}/rows?limit=7&offset=3`);
    expect(page.status, JSON.stringify(page.body)).toBe(200);
    expect(page.body).toMatchObject({ dataset_id: 6402, snapshot_id: snap.snapshot_id, row_count: 7, offset: 3, limit: 7, total_rows: SAMPLE_ROWS });
    expect(page.body.columns.map((c: { name: string }) => c.name)).toEqual(Object.keys(sample.schema.properties));
    const first = page.body.rows[0];
    expect(first.mobile_id_unique_identifier).toEqual({ value: expect.any(String), type: expect.any(String) });
    expect(typeof first.geographic_location.latitude).toBe('number');
    expect(typeof first.timestamp_object.hour).toBe('number');
    expect(first.event_timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    const files = snap.files.map((f: any) => path.join(storage, f.path));
    const byHand = await duckRowsInOrder('SELECT hashed_email, country_code, mobile_id_unique_identifier.value AS id FROM ds_6402 LIMIT 7 OFFSET 3', { ds_6402: files });
    expect(page.body.rows.map((r: any) => ({ hashed_email: r.hashed_email, country_code: r.country_code, id: r.mobile_id_unique_identifier.value }))).toEqual(byHand);
    // The same page again is the same read (a snapshot never changes), answered by the job that read it.
    const again = await api('GET', `/datasets/6402/snapshots/${snap.snapshot_id}/rows?limit=7&offset=3`);
    expect(again.body.job_id).toBe(page.body.job_id);
    expect((await api('GET', `/datasets/6402/snapshots/${snap.snapshot_id}/rows?limit=1001`)).status).toBe(400);
    expect((await api('GET', `/datasets/6402/snapshots/123456789/rows`)).status).toBe(404);
  });

  it('a bare SELECT ... LIMIT n runs as a preview whose result holds DuckDB\'s first rows of the same ordered query', async () => {
    const nql = `SELECT "hashed_email", "geographic_location"."latitude" AS lat FROM company_data."6402" WHERE "country_code" = 'US' ORDER BY "hashed_email", lat LIMIT 25`;
    const run = await api('POST', '/nql/run', { nql });
    expect(run.status, JSON.stringify(run.body)).toBe(201);
    expect(run.body).toMatchObject({ type: 'nql-preview', inputs: [{ dataset_id: 6402, snapshot_id: null }] });
    const job = await finished(run.body.id);
    expect(job.state, JSON.stringify(job.failures)).toBe('completed');
    const sample = (await api('GET', '/datasets/6402')).body;
    const snap = (await api('GET', `/datasets/6402/snapshots/${sample.latest_snapshot_id}`)).body;
    const byHand = await duckRowsInOrder(
      `SELECT hashed_email, geographic_location.latitude AS lat FROM ds_6402 WHERE country_code = 'US' ORDER BY hashed_email, lat LIMIT 25`,
      { ds_6402: snap.files.map((f: any) => path.join(storage, f.path)) });
    expect(job.result.rows).toEqual(byHand);
    expect(job.result.row_count).toBe(byHand.length);
    const tooMany = await api('POST', '/nql/run', { nql: `SELECT "hashed_email" FROM company_data."6402" LIMIT 1001` });
    expect(tooMany.status).toBe(400);
    const noLimit = await api('POST', '/nql/run', { nql: `SELECT "hashed_email" FROM company_data."6402"` });
    expect(noLimit.status).toBe(400);
  });

  it('a view over a dataset with no snapshot yet completes with an empty snapshot', async () => {
    const ds = await api('POST', '/datasets', { name: 'empty_ints', schema: { type: 'object', properties: { n: { type: 'string' } } } });
    const run = await api('POST', '/nql/run', { nql: `CREATE MATERIALIZED VIEW "broken" AS SELECT CAST("n" AS BIGINT) + 1 AS m FROM company_data."${ds.body.id}"` });
    expect(run.status, JSON.stringify(run.body)).toBe(201);
    const job = await finished(run.body.id);
    // An empty input casts nothing: the job completes with an empty snapshot rather than failing.
    expect(job.state).toBe('completed');
    const snap = (await api('GET', `/datasets/${job.result.dataset_id}/snapshots/${job.result.snapshot_id}`)).body;
    expect(snap.row_count).toBe(0);
  });
});
