import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOperator, type RunningOperator } from '../../src/plane/operator/index.js';
import { backends } from '../support/backends.js';
import { startTestServer, type TestServer } from '../support/harness.js';
import { waitFor } from '../support/wait-for.js';

const SCHEMA = { type: 'object', properties: { id: { type: 'long' }, kind: { type: 'string' }, v: { type: 'double' } } };
const csv = (from: number, to: number) =>
  `id,kind,v\n${Array.from({ length: to - from }, (_, i) => `${from + i},${['a', 'b', 'c'][(from + i) % 3]},${(from + i) / 4}`).join('\n')}\n`;

/** Rows of `sql` by DuckDB directly over Parquet files (views named after `files`' keys), sorted, as JSON text. */
async function duckRows(sql: string, files: Record<string, string[]>): Promise<string[]> {
  const instance = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
  const conn = await instance.connect();
  try {
    for (const [name, list] of Object.entries(files)) {
      const relation = list.length === 0 ? 'SELECT NULL::BIGINT AS id, NULL::VARCHAR AS kind, NULL::DOUBLE AS v WHERE false'
        : `SELECT * FROM read_parquet([${list.map((f) => `'${f.replace(/'/g, "''")}'`).join(', ')}])`;
      await conn.run(`CREATE VIEW ${name} AS ${relation}`);
    }
    return (await conn.runAndReadAll(sql)).getRowObjectsJson().map((r) => JSON.stringify(r)).sort();
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/**
 * Incremental refresh, result reuse and statistics recalculation end to end: a real server, its real DuckDB
 * operator (in process, through the HTTP API), real Parquet files.
 */
describe.each(backends())('materialized views that stay fresh, end to end (%s)', (backend) => {
  let server: TestServer;
  let operator: RunningOperator;
  let root: string;
  const api = (method: string, p: string, body?: unknown) => server.request(method, p, body === undefined ? {} : { body });
  const abs = (files: Array<{ path: string }>) => files.map((f) => path.join(root, f.path));
  const finished = (jobId: string) => waitFor(async () => {
    const job = (await api('GET', `/jobs/${jobId}`)).body;
    return ['completed', 'cancelled'].includes(job.state) || (job.state === 'failed' && job.retry_at === null) ? job : undefined;
  }, { timeoutMs: 120_000, intervalMs: 100, message: `job ${jobId} to finish` });
  const importRows = async (datasetId: number, from: number, to: number) => {
    const res = await fetch(`${server.url}/datasets/${datasetId}/import?format=csv`, {
      method: 'POST', headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'text/csv' }, body: csv(from, to),
    });
    const body = await res.json() as any;
    expect(res.status, JSON.stringify(body)).toBe(201);
    return body;
  };
  const dataset = async (name: string, extra: object = {}) => {
    const res = await api('POST', '/datasets', { name: `${name}_${backend}`, schema: SCHEMA, ...extra });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.id as number;
  };
  /** CREATE MATERIALIZED VIEW, run to completion: the view's id. */
  const createView = async (name: string, options: string, query: string) => {
    const run = await api('POST', '/nql/run', { nql: `CREATE MATERIALIZED VIEW "${name}_${backend}" ${options} AS ${query}` });
    expect(run.status, JSON.stringify(run.body)).toBe(201);
    const job = await finished(run.body.id);
    expect(job.state, JSON.stringify(job.failures)).toBe('completed');
    return run.body.input.dataset_id as number;
  };
  const refresh = async (viewId: number, body: object) => {
    const res = await api('POST', `/datasets/${viewId}/refresh-materialized-view`, body);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const job = await finished(res.body.job_id);
    expect(job.state, JSON.stringify(job.failures)).toBe('completed');
    return { created: res.body, job };
  };
  const latest = async (datasetId: number) => {
    const d = (await api('GET', `/datasets/${datasetId}`)).body;
    return (await api('GET', `/datasets/${datasetId}/snapshots/${d.latest_snapshot_id}`)).body;
  };

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'jp-views-e2e-'));
    server = await startTestServer(backend, {}, { storageRoot: root });
    operator = await startOperator({
      apiUrl: server.url, token: (await server.token('jobs:write,data-planes:write,datasets:read', { dataPlaneId: server.dataPlaneId })).token,
      dataPlaneId: server.dataPlaneId, storageRoot: root, builtins: true, types: ['materialize-view', 'datasets_calculate_column_stats'],
      slots: 2, claimWaitMs: 2_000, logger: pino({ level: 'silent' }), name: 'views-e2e', orphanSweep: false,
    });
  }, 120_000);
  afterAll(async () => {
    await operator?.stop();
    await server?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('incremental refreshes over several appends give the rows a full refresh gives, reading only the new files', async () => {
    const a = await dataset('inc_a');
    const b = await dataset('inc_b');
    await importRows(a, 0, 500);
    await importRows(b, 10_000, 10_100);
    const query = (x: number, y: number) =>
      `SELECT "id", "v" * 2 AS "v2", "kind" FROM company_data."${x}" WHERE "kind" <> 'c' UNION ALL SELECT "id", "v" AS "v2", "kind" FROM company_data."${y}"`;
    const inc = await createView('inc_view', '', query(a, b)); // write_mode append (the default)
    const full = await createView('full_view', `WRITE_MODE = 'overwrite'`, query(a, b));
    const byHand = `SELECT id, v * 2 AS v2, kind FROM ds_a WHERE kind <> 'c' UNION ALL SELECT id, v AS v2, kind FROM ds_b`;
    const viewRows = (files: Array<{ path: string }>) => duckRows('SELECT * FROM v', { v: abs(files) });

    const appends: Array<[number, number, number]> = [[a, 500, 530], [b, 10_100, 10_107], [a, 530, 531], [a, 531, 600]];
    let parent = await latest(inc);
    for (const [target, from, to] of appends) {
      await importRows(target, from, to);
      const { job } = await refresh(inc, { type: 'incremental' });
      expect(job.input.refresh).toEqual({ type: 'incremental', since: expect.any(Array) });
      expect(job.result.refresh).toMatchObject({ type: 'incremental', files_read: 1, rows_read: to - from });
      const snap = await latest(inc);
      expect(snap).toMatchObject({ parent_snapshot_id: parent.snapshot_id, operation: 'append' });
      expect(snap.files.slice(0, parent.files.length)).toEqual(parent.files); // the view's earlier files, by reference
      expect(snap.inputs).toEqual(expect.arrayContaining([
        { dataset_id: a, snapshot_id: (await latest(a)).snapshot_id }, { dataset_id: b, snapshot_id: (await latest(b)).snapshot_id },
      ]));
      await refresh(full, { type: 'full' });
      const fullSnap = await latest(full);
      const expected = await duckRows(byHand, { ds_a: abs((await latest(a)).files), ds_b: abs((await latest(b)).files) });
      expect(await viewRows(snap.files)).toEqual(expected);
      expect(await viewRows(fullSnap.files)).toEqual(expected);
      expect(snap.row_count).toBe(expected.length);
      parent = snap;
    }
  }, 300_000);

  it('a refresh whose inputs did not change reuses the snapshot without running the engine; not after an append, nor with force', async () => {
    const a = await dataset('reuse_a');
    await importRows(a, 0, 50);
    const view = await createView('reuse_view', '', `SELECT "id", "kind" FROM company_data."${a}" WHERE "v" > 2`);
    const before = await latest(view);
    for (const type of ['full', 'incremental']) {
      const res = await api('POST', `/datasets/${view}/refresh-materialized-view`, { type });
      expect(res.status).toBe(201);
      // Completed in the answer itself: no executor ran it.
      expect(res.body).toMatchObject({ state: 'completed', executor: null, attempt: 0, result: { reused: true, snapshot_id: before.snapshot_id } });
      expect(res.body.inputs).toEqual([{ dataset_id: a, snapshot_id: (await latest(a)).snapshot_id }]);
    }
    expect((await latest(view)).snapshot_id).toBe(before.snapshot_id);

    await importRows(a, 50, 60);
    const { created, job } = await refresh(view, { type: 'incremental' });
    expect(created.state).toBe('pending');
    expect(job.result.reused).toBeUndefined();
    expect(job.result.snapshot_id).not.toBe(before.snapshot_id);
    const forced = await refresh(view, { type: 'full', force: true });
    expect(forced.created.state).toBe('pending');
    expect(forced.job.result.snapshot_id).not.toBe(job.result.snapshot_id);
  }, 180_000);

  it('incremental on a view that is not distributive runs in full, and the job says why', async () => {
    const a = await dataset('agg_a');
    await importRows(a, 0, 90);
    const agg = await createView('agg_view', `WRITE_MODE = 'overwrite'`, `SELECT "kind", COUNT(1) AS "n" FROM company_data."${a}" GROUP BY "kind"`);
    await importRows(a, 90, 120);
    const { created, job } = await refresh(agg, { type: 'incremental' });
    expect(created.input.refresh).toEqual({ type: 'full', reason: 'not incremental: the query groups rows (GROUP BY/HAVING)' });
    expect(job.result.refresh).toEqual({ type: 'full', reason: 'not incremental: the query groups rows (GROUP BY/HAVING)' });
    expect(await duckRows('SELECT * FROM v', { v: abs((await latest(agg)).files) })).toEqual(
      await duckRows('SELECT kind, count(*) AS n FROM ds GROUP BY kind', { ds: abs((await latest(a)).files) }));

    // An input that was overwritten, not appended to: no delta to read.
    const o = await dataset('ow_a', { write_mode: 'overwrite' });
    await importRows(o, 0, 20);
    const view = await createView('ow_view', '', `SELECT "id" FROM company_data."${o}"`);
    await importRows(o, 100, 105);
    const ow = await refresh(view, { type: 'incremental' });
    expect(ow.job.result.refresh).toEqual({ type: 'full', reason: expect.stringContaining(`dataset ${o} was overwritten since snapshot`) });
  }, 180_000);

  it('POST columns-stats/recalculate answers with a recalculation id and the snapshot\'s statistics change once its job completed', async () => {
    const a = await dataset('stats_a');
    const imported = await importRows(a, 0, 40);
    const before = await api('GET', `/datasets/${a}/snapshots/${imported.snapshot_id}/column-stats`);
    const res = await api('POST', `/datasets/${a}/columns-stats/recalculate`);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toEqual({
      recalculation_id: expect.stringMatching(/^[0-9a-f-]{36}$/), snapshots: [String(imported.snapshot_id)], job_id: expect.any(String),
      from_snapshot_timestamp: imported.created_at, until_snapshot_timestamp: imported.created_at,
    });
    const job = await finished(res.body.job_id);
    expect(job.state, JSON.stringify(job.failures)).toBe('completed');
    expect(job.result).toMatchObject({ recalculation_id: res.body.recalculation_id, snapshot_id: imported.snapshot_id, row_count: 40 });
    const after = (await api('GET', `/datasets/${a}/snapshots/${imported.snapshot_id}/column-stats`)).body;
    expect(after.recalculation_id).toBe(res.body.recalculation_id);
    expect(after.recalculation_id).not.toBe(before.body?.recalculation_id);
    expect(after.stats.row_count).toBe(40);
    const id = after.stats.columns.find((c: any) => c.path === 'id');
    expect(id).toMatchObject({ null_count: 0, min: 0, max: 39 });

    // A view's snapshot, whose refresh computed statistics already: the recalculation replaces them.
    const view = await createView('stats_view', '', `SELECT "id" FROM company_data."${a}" WHERE "id" < 10`);
    const viewSnap = await latest(view);
    const first = (await api('GET', `/datasets/${view}/snapshots/${viewSnap.snapshot_id}/column-stats`)).body;
    const again = await api('POST', `/datasets/${view}/columns-stats/recalculate`, { snapshot_id: viewSnap.snapshot_id });
    expect((await finished(again.body.job_id)).state).toBe('completed');
    const second = (await api('GET', `/datasets/${view}/snapshots/${viewSnap.snapshot_id}/column-stats`)).body;
    expect(second.recalculation_id).toBe(again.body.recalculation_id);
    expect(second.recalculation_id).not.toBe(first.recalculation_id);
    expect(second.stats.row_count).toBe(10);
    expect((await api('POST', `/datasets/${view}/columns-stats/recalculate`, { snapshot_id: 12345 })).status).toBe(404);
  }, 180_000);
});
