import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobplaneClient, type Job } from '../../src/client/index.js';
import { OPERATOR_PERMISSIONS } from '../../src/core/permissions.js';
import { backends } from '../support/backends.js';
import { SpawnedServer } from '../support/plane-cluster.js';
import { jp, json, startOperator } from './cli-support.js';

const SAMPLE_ROWS = 2_500; // three pages of the rows endpoint (1,000 each) for the export

/**
 * The data commands against a real server and a real operator that runs with the `--operator` token preset:
 * `nql run --wait` through a retry, `--preview`, `dataset list|get|snapshots|stats|rows|export`.
 * The forecast handler fails every job's first attempt (test/fixtures/handlers/flaky-forecast.ts).
 */
describe.each(backends())('jobplane nql and dataset commands on %s', (backend) => {
  let server: SpawnedServer;
  let dir: string;
  let operatorToken: string;
  let stopOperator: () => Promise<void>;
  const cli = (...args: string[]) => jp(server, args);

  beforeAll(async () => {
    server = await SpawnedServer.start(backend, { JOBPLANE_SAMPLE_DATA: 'true', JOBPLANE_SAMPLE_ROWS: String(SAMPLE_ROWS) });
    dir = await mkdtemp(path.join(os.tmpdir(), 'jp-cli-data-'));
    const minted = await cli('token', 'create', '--operator', '--data-plane', server.dataPlaneId, '--name', 'test operator', '--json');
    expect(minted.code, minted.stderr).toBe(0);
    operatorToken = json(minted).access_token;
    const operator = await startOperator(server, { token: operatorToken, handlers: ['test/fixtures/handlers/flaky-forecast.ts'] });
    stopOperator = () => operator.proc.kill();
  }, 240_000);
  afterAll(async () => {
    await stopOperator?.();
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('token create --operator mints exactly the preset, bound to the plane; each permission is one the operator uses', async () => {
    const tokens = json<{ records: Array<{ name: string; permissions: unknown; data_plane_id: string }> }>(await cli('token', 'list', '--json'));
    const preset = tokens.records.find((t) => t.name === 'test operator')!;
    expect(preset).toMatchObject({ permissions: [...OPERATOR_PERMISSIONS].sort(byResource), data_plane_id: server.dataPlaneId });
    expect((await cli('token', 'list')).stdout).toMatch(/ test operator +jobs:write,datasets:read,data-planes:write +[0-9a-f-]{36} +never /);

    // Minimal: without any one of them, the call an operator makes for it is refused.
    const calls: Record<string, (c: JobplaneClient) => Promise<unknown>> = {
      'jobs:write': (c) => c.claimJobs({ executor: 'job-executor-00000000-0000-4000-8000-000000000000', data_plane_id: server.dataPlaneId }),
      'datasets:read': (c) => c.getDataset(6402),
      'data-planes:write': (c) => c.registerExecutor({ data_plane_id: server.dataPlaneId, types: ['nql-forecast'], slots: 1 }),
    };
    for (const missing of Object.keys(calls)) {
      const rest = OPERATOR_PERMISSIONS.filter((p) => `${p.resource}:${p.access}` !== missing);
      const limited = await server.admin.createToken({ name: `without ${missing}`, permissions: rest, data_plane_id: server.dataPlaneId });
      const refused = await calls[missing]!(new JobplaneClient({ baseUrl: server.url, token: limited.access_token })).catch((e: unknown) => e);
      expect((refused as { status?: number }).status, missing).toBe(403);
    }

    const spare = (await server.admin.listTokens()).records.find((t) => t.name === 'without jobs:write')!;
    const revoked = await cli('token', 'revoke', spare.id);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toBe(`revoked ${spare.id} (without jobs:write)\n`);
    expect((await cli('token', 'list')).stdout).not.toContain('without jobs:write');
    expect((await cli('token', 'list', '--all')).stdout).toContain('without jobs:write');
  }, 180_000);

  it('nql run --wait waits through a retried first attempt and exits 0 with the completed job', async () => {
    const file = path.join(dir, 'forecast.nql');
    await writeFile(file, 'EXPLAIN SELECT "hashed_email" FROM company_data."6402" WHERE "country_code" = \'US\'');
    const run = await cli('nql', 'run', '--wait', '--json', file);
    expect(run.code, run.stderr).toBe(0);
    const job = json<Job>(run);
    expect(job).toMatchObject({ state: 'completed', attempt: 2, result: { nql_type: 'forecast', type: 'success' } });
    expect(job.failures.map((f) => f.message)).toEqual(['transient failure on attempt 1 (flaky-forecast fixture)']);
    expect(run.stderr).toBe('');
    const human = await cli('nql', 'run', '--wait', file);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/^state: +completed$/m);
    expect(human.stdout).toMatch(/^result: +\{.*"rows":\d+/m);
  }, 240_000);

  it('a materialized view, then dataset list, get, snapshots and stats, in tables and as the API\'s JSON', async () => {
    const file = path.join(dir, 'view.nql');
    await writeFile(file, `CREATE MATERIALIZED VIEW "by_country_${backend}" AS
      SELECT "country_code", COUNT(1) AS "pings" FROM company_data."6402" GROUP BY "country_code"`);
    const run = await cli('nql', 'run', '--wait', '--field', 'result.dataset_id', file);
    expect(run.code, run.stderr).toBe(0);
    const id = Number(run.stdout.trim());
    expect(id).toBeGreaterThan(0);

    const dataset = await server.admin.getDataset(id);
    expect(json(await cli('dataset', 'get', String(id), '--json'))).toEqual(dataset);
    const shown = await cli('dataset', 'get', String(id));
    expect(shown.stdout).toMatch(new RegExp(`^name: +by_country_${backend}$`, 'm'));
    expect(shown.stdout).toMatch(/^schema:\n {2}ATTRIBUTE +TYPE\n {2}country_code +string\n {2}pings +long$/m);
    expect(json(await cli('dataset', 'list', '--json'))).toEqual(await server.admin.listDatasets({ per_page: 50 }));
    expect((await cli('dataset', 'list')).stdout).toMatch(new RegExp(`^${id} +by_country_${backend} +active +${dataset.latest_snapshot_id} `, 'm'));

    const snapshots = json<{ records: Array<{ snapshot_id: number; row_count: number; operation: string }> }>(await cli('dataset', 'snapshots', String(id), '--json'));
    expect(snapshots).toEqual(await server.admin.listSnapshots(id, { per_page: 25 }));
    const rows = snapshots.records[0]!.row_count;
    expect((await cli('dataset', 'snapshots', String(id))).stdout).toMatch(new RegExp(`^${dataset.latest_snapshot_id} +\\S+ +${snapshots.records[0]!.operation} +${rows} `, 'm'));

    const stats = await cli('dataset', 'stats', String(id), '--json');
    expect(stats.code, stats.stderr).toBe(0);
    expect(json(stats)).toEqual(await server.admin.getColumnStats(id, dataset.latest_snapshot_id!));
    expect((await cli('dataset', 'stats', String(id))).stdout).toMatch(/^COLUMN +TYPE +NULLS +DISTINCT \(APPROX\) +MIN +MAX\n(pings|country_code) +\S+ +0 /m);

    const none = await cli('dataset', 'rows', '999999');
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('404 not_found');
  }, 300_000);

  // Needs the rows endpoint (GET /datasets/{id}/snapshots/{sid}/rows, lead).
  it('dataset rows prints one page, nested attributes as objects, the same as the API', async () => {
    const sample = await server.admin.getDataset(6402);
    const page = await cli('dataset', 'rows', '6402', '--limit', '5', '--offset', '10', '--json');
    expect(page.code, page.stderr).toBe(0);
    const body = json(page);
    // The API's answer (each read is its own datasets_sample job, so only job_id differs).
    const direct = await server.admin.getSnapshotRows(6402, sample.latest_snapshot_id!, { limit: 5, offset: 10 });
    expect({ ...body, job_id: direct.job_id }).toEqual(direct);
    expect(body).toMatchObject({ dataset_id: 6402, snapshot_id: sample.latest_snapshot_id, row_count: 5, offset: 10, limit: 5, total_rows: SAMPLE_ROWS });
    expect(body.rows[0].geographic_location).toEqual({ latitude: expect.any(Number), longitude: expect.any(Number) });
    const table = await cli('dataset', 'rows', '6402', '--limit', '3');
    expect(table.stdout).toMatch(/^MOBILE_ID_UNIQUE_IDENTIFIER +TIMESTAMP_OBJECT +GEOGRAPHIC_LOCATION /);
    expect(table.stdout).toContain(`rows 1-3 of ${SAMPLE_ROWS.toLocaleString('en-US')} (snapshot ${sample.latest_snapshot_id})`);
  }, 180_000);

  // Needs the rows endpoint too.
  it('dataset export writes every row as JSON lines, CSV and Parquet: as many rows as the snapshot has', async () => {
    const jsonl = await cli('dataset', 'export', '6402', '--format', 'jsonl', '--out', path.join(dir, 'all.jsonl'));
    expect(jsonl.code, jsonl.stderr).toBe(0);
    expect(jsonl.stdout).toMatch(new RegExp(`^${SAMPLE_ROWS.toLocaleString('en-US')} rows of dataset 6402 \\(snapshot \\d+\\) written to .*all\\.jsonl \\(jsonl\\)$`, 'm'));
    const lines = (await readFile(path.join(dir, 'all.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(SAMPLE_ROWS);
    // The pages join up: the rows are those of the rows endpoint, in its order.
    const sample = await server.admin.getDataset(6402);
    const page2 = await server.admin.getSnapshotRows(6402, sample.latest_snapshot_id!, { limit: 3, offset: 1000 });
    expect(lines.slice(1000, 1003)).toEqual(page2.rows);

    const csv = await cli('dataset', 'export', '6402', '--out', path.join(dir, 'all.csv'));
    expect(csv.code, csv.stderr).toBe(0);
    const csvLines = (await readFile(path.join(dir, 'all.csv'), 'utf8')).trim().split('\n');
    expect(csvLines).toHaveLength(SAMPLE_ROWS + 1);
    expect(csvLines[0]).toBe('mobile_id_unique_identifier.value,mobile_id_unique_identifier.type,timestamp_object.day,timestamp_object.hour,' +
      'geographic_location.latitude,geographic_location.longitude,event_timestamp,hashed_email,country_code,horizontal_accuracy');

    const stdout = await cli('dataset', 'export', '6402', '--format', 'jsonl');
    expect(stdout.stdout.trim().split('\n')).toHaveLength(SAMPLE_ROWS);

    const parquet = path.join(dir, 'all.parquet');
    const pq = await cli('dataset', 'export', '6402', '--out', parquet, '--parallel', '3');
    expect(pq.code, pq.stderr).toBe(0);
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    try {
      const read = await con.runAndReadAll(`SELECT count(*)::INT AS n, count(DISTINCT geographic_location.latitude)::INT AS lats,
        typeof(any_value(geographic_location)) AS t, typeof(any_value(event_timestamp)) AS ts FROM read_parquet('${parquet}')`);
      const [row] = read.getRowObjectsJS() as Array<{ n: number; lats: number; t: string; ts: string }>;
      expect(row).toMatchObject({ n: SAMPLE_ROWS, t: 'STRUCT(latitude DOUBLE, longitude DOUBLE)', ts: 'TIMESTAMP WITH TIME ZONE' });
      expect(row!.lats).toBe(new Set(lines.map((l) => l.geographic_location?.latitude).filter((v) => v !== null && v !== undefined)).size);
    } finally {
      con.disconnectSync();
      db.closeSync();
    }
    const refused = await cli('dataset', 'export', '6402', '--format', 'parquet');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('--format parquet needs --out FILE');
  }, 600_000);

  // Needs the preview (a bare SELECT ... LIMIT n through POST /nql/run, lead).
  it('nql run --preview prints the rows of a SELECT ... LIMIT n; refuses another kind of statement', async () => {
    const file = path.join(dir, 'preview.nql');
    await writeFile(file, 'SELECT "country_code", COUNT(1) AS "pings" FROM company_data."6402" GROUP BY "country_code" ORDER BY "country_code" LIMIT 2');
    const json1 = await cli('nql', 'run', '--preview', '--timeout', '90s', '--json', file);
    expect(json1.code, json1.stderr).toBe(0);
    const result = json(json1);
    expect(result).toMatchObject({ row_count: 2, columns: [{ name: 'country_code' }, { name: 'pings' }] });
    expect(result.rows).toHaveLength(2);
    const table = await cli('nql', 'run', '--preview', '--timeout', '90s', file);
    expect(table.stdout).toMatch(new RegExp(`^COUNTRY_CODE +PINGS\\n${result.rows[0].country_code} +${result.rows[0].pings}\\n`));
    expect(table.stdout).toMatch(/^2 rows( \(limit 2\))?$/m);

    const explain = path.join(dir, 'explain.nql');
    await writeFile(explain, 'EXPLAIN SELECT "country_code" FROM company_data."6402"');
    const refused = await cli('nql', 'run', '--preview', explain);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('--preview runs a bare SELECT ... LIMIT n');
  }, 300_000);
});

const byResource = (a: { resource: string }, b: { resource: string }) => ORDER.indexOf(a.resource) - ORDER.indexOf(b.resource);
const ORDER = ['jobs', 'datasets', 'data-planes', 'access-tokens', 'nql', 'webhooks', 'metrics'];
