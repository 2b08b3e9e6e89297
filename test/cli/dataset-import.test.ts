import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, freshDatabase, type TestDatabase } from '../support/backends.js';
import { runCli, spawnCli, type CliProcess } from '../support/spawn.js';
import { waitFor } from '../support/wait-for.js';

const rows = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe.each(backends())('jobplane dataset import, into a real server with its operator (%s)', (backend) => {
  let database: TestDatabase;
  let server: CliProcess;
  let url: string;
  let token: string;
  let dir: string;
  const cli = (args: string[]) => runCli(['dataset', 'import', ...args], { JOBPLANE_API: url, JOBPLANE_TOKEN: token });
  const api = async (method: string, p: string, body?: unknown) => {
    const res = await fetch(`${url}${p}`, {
      method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return res.json() as Promise<any>;
  };

  beforeAll(async () => {
    database = await freshDatabase(backend, { open: false });
    dir = await mkdtemp(path.join(os.tmpdir(), 'jp-cli-import-'));
    server = spawnCli(['serve'], { JOBPLANE_DATA_DIR: database.dataDir, PORT: '0', DATABASE_URL: database.databaseUrl });
    url = (await server.waitForLog((l) => l['msg'] === 'jobplane serving', 120_000))['url'] as string;
    token = /jp_[A-Za-z0-9_-]{43}/.exec(server.stderr())![0];
    await writeFile(path.join(dir, 'a.csv'), `trip_id,city,km\n${rows(0, 60).map((i) => `${i},${i % 2 ? 'Oslo' : 'Lima'},${i / 4}`).join('\n')}\n`);
    await writeFile(path.join(dir, 'b.csv'), `trip_id,city,km\n${rows(60, 100).map((i) => `${i},Rome,${i / 4}`).join('\n')}\n`);
    await writeFile(path.join(dir, 'more.jsonl'), rows(100, 110).map((i) => JSON.stringify({ trip_id: i, city: 'Oslo', km: 1.25 })).join('\n'));
    await writeFile(path.join(dir, 'bad.csv'), 'trip_id,city,km\n200,Oslo,1.5\n201,Lima,far\n');
  }, 180_000);
  afterAll(async () => {
    server?.kill('SIGTERM');
    await server?.exited;
    await database?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('creates a dataset from files, appends more, refuses a bad file naming its line, and a view reads it all', async () => {
    const created = await cli(['--create', 'trips', '--display-name', 'Trips', path.join(dir, 'a.csv'), path.join(dir, 'b.csv')]);
    expect(created.code, created.stderr).toBe(0);
    const { dataset, snapshot } = JSON.parse(created.stdout);
    expect(dataset).toMatchObject({ name: 'trips', display_name: 'Trips', latest_snapshot_id: snapshot.snapshot_id });
    // As the server has it after the commit (needs src/api/dataset-import.ts to answer with the committed row).
    expect(dataset.last_snapshot_created_at).toBe(snapshot.created_at);
    expect(dataset).toEqual(await api('GET', `/datasets/${dataset.id}`));
    expect(dataset.schema.properties).toEqual({ trip_id: { type: 'long' }, city: { type: 'string' }, km: { type: 'double' } });
    expect(snapshot).toMatchObject({ row_count: 100, files: [expect.anything(), expect.anything()] });

    const appended = await cli(['--dataset', String(dataset.id), path.join(dir, 'more.jsonl')]);
    expect(appended.code, appended.stderr).toBe(0);
    expect(JSON.parse(appended.stdout)).toMatchObject({ parent_snapshot_id: snapshot.snapshot_id, row_count: 110 });

    const bad = await cli(['--dataset', String(dataset.id), path.join(dir, 'bad.csv')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^bad\.csv:3: column "km": error: .*far/mu);
    expect((await api('GET', `/datasets/${dataset.id}/snapshots`)).total_records).toBe(2);

    // The imported rows are data like any other: a materialized view over them runs on the operator.
    const run = await api('POST', '/nql/run', {
      nql: `CREATE MATERIALIZED VIEW "trips_by_city" AS SELECT "city", SUM("km") AS "total_km" FROM company_data."trips" GROUP BY "city"`,
    });
    const job = await waitFor(async () => {
      const j = await api('GET', `/jobs/${run.job_id ?? run.id}`);
      return ['completed', 'failed', 'cancelled'].includes(j.state) ? j : undefined;
    }, { timeoutMs: 90_000, intervalMs: 200, message: 'the view over the imported dataset' });
    expect(job.state, JSON.stringify(job.failures)).toBe('completed');
    expect((await api('GET', `/datasets/${job.result.dataset_id}/snapshots/${job.result.snapshot_id}`)).row_count).toBe(3);
  }, 180_000);

  it('says what is wrong with the command line before uploading anything', async () => {
    const neither = await cli([path.join(dir, 'a.csv')]);
    expect(neither.code).toBe(1);
    expect(neither.stderr).toContain('--dataset ID or --create NAME');
    const mixed = await cli(['--create', 'mixed', path.join(dir, 'a.csv'), path.join(dir, 'more.jsonl')]);
    expect(mixed.code).toBe(1);
    expect(mixed.stderr).toContain('mix formats');
    const missing = await cli(['--create', 'missing', path.join(dir, 'nope.csv')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('nope.csv: no such file');
    expect((await api('GET', '/datasets')).records.map((d: { name: string }) => d.name)).not.toContain('mixed');
  }, 60_000);
});
