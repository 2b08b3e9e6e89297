import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/backends.js';
import { dbFingerprint } from '../support/db-fingerprint.js';
import { startTestServer, type TestServer } from '../support/harness.js';

const LIMIT = 256 * 1024;
type Body = NonNullable<RequestInit['body']>;
const SCHEMA = {
  type: 'object',
  properties: {
    id: { type: 'long' },
    name: { type: 'string' },
    score: { type: 'double' },
    geo: { type: 'object', properties: { lat: { type: 'double' }, lon: { type: 'double' } } },
  },
};
const CSV_SCHEMA = { type: 'object', properties: { id: { type: 'long' }, name: { type: 'string' }, score: { type: 'double' } } };
const csv = (from: number, to: number) => `id,name,score\n${Array.from({ length: to - from }, (_, i) => `${from + i},n${from + i},${(from + i) / 2}`).join('\n')}\n`;
const jsonl = (from: number, to: number) => Array.from({ length: to - from }, (_, i) =>
  JSON.stringify({ id: from + i, name: `j${from + i}`, score: i, geo: { lat: 1.5, lon: -2 } })).join('\n') + '\n';

/** Rows of Parquet files (relative to the storage root), ordered by id, as plain objects. */
async function parquetRows(root: string, files: Array<{ path: string }>): Promise<Array<Record<string, unknown>>> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    const list = files.map((f) => `'${path.join(root, f.path)}'`).join(', ');
    const reader = await conn.runAndReadAll(`SELECT * FROM read_parquet([${list}]) ORDER BY id`);
    return reader.getRowObjectsJson() as Array<Record<string, unknown>>;
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** A Parquet file's bytes, written by DuckDB from a SELECT. */
async function parquetBytes(select: string, dir: string): Promise<Buffer> {
  const file = path.join(dir, `gen-${Math.random().toString(36).slice(2)}.parquet`);
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    await conn.run(`COPY (${select}) TO '${file}' (FORMAT parquet)`);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
  const { readFile } = await import('node:fs/promises');
  return readFile(file);
}

describe.each(backends())('importing files through the API (%s)', (backend) => {
  let server: TestServer;
  let root: string;
  let scratch: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'jp-import-api-'));
    scratch = await mkdtemp(path.join(os.tmpdir(), 'jp-import-src-'));
    server = await startTestServer(backend, { importLimitBytes: LIMIT }, { storageRoot: root });
  });
  afterAll(async () => {
    await server?.close();
    await rm(root, { recursive: true, force: true });
    await rm(scratch, { recursive: true, force: true });
  });

  const upload = async (p: string, body: Body, headers: Record<string, string> = {}, token = server.adminToken) => {
    const res = await fetch(`${server.url}${p}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, ...headers }, body });
    return { status: res.status, type: res.headers.get('content-type'), body: await res.json() as any };
  };
  const createDataset = async (name: string, schema: object = CSV_SCHEMA, extra: object = {}) =>
    (await server.request('POST', '/datasets', { body: { name, schema, ...extra } })).body as { id: number };
  const multipart = (files: Array<[string, Body]>) => {
    const form = new FormData();
    for (const [name, content] of files) form.append('file', new Blob([content as string]), name);
    return form;
  };
  const stagingLeft = async () => (await readdir(path.join(root, 'imports')).catch(() => [])).length;
  const snapshotDirs = async (datasetId: number) => readdir(path.join(root, 'datasets', String(datasetId), 'snapshots')).catch(() => [] as string[]);

  it('imports a raw CSV body into a new snapshot, typed by the dataset schema; a second import appends', async () => {
    const ds = await createDataset('imp_csv');
    const first = await upload(`/datasets/${ds.id}/import?format=csv`, csv(0, 100), { 'content-type': 'application/octet-stream' });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ dataset_id: ds.id, parent_snapshot_id: null, operation: 'append', row_count: 100, job_id: null });
    const second = await upload(`/datasets/${ds.id}/import`, csv(100, 150), { 'content-type': 'text/csv' });
    expect(second.status).toBe(201);
    expect(second.body).toMatchObject({ parent_snapshot_id: first.body.snapshot_id, row_count: 150 });
    const tabs = await upload(`/datasets/${ds.id}/import`, 'id\tname\tscore\n150\tt,150\t1.5\n', { 'content-type': 'text/tab-separated-values' });
    expect(tabs.status, JSON.stringify(tabs.body)).toBe(201);
    expect((await parquetRows(root, tabs.body.files)).at(-1)).toEqual({ id: '150', name: 't,150', score: 1.5 });
    expect(second.body.files.slice(0, first.body.files.length)).toEqual(first.body.files);
    const rows = await parquetRows(root, second.body.files);
    expect(rows).toHaveLength(150);
    expect(rows[149]).toEqual({ id: '149', name: 'n149', score: 74.5 }); // long as BIGINT (JSON string), double
    const dataset = (await server.request('GET', `/datasets/${ds.id}`)).body;
    expect(dataset.latest_snapshot_id).toBe(tabs.body.snapshot_id);
    expect(await stagingLeft()).toBe(0);
  });

  it('replaces the rows of an overwrite dataset', async () => {
    const ds = await createDataset('imp_overwrite', CSV_SCHEMA, { write_mode: 'overwrite' });
    await upload(`/datasets/${ds.id}/import?format=csv`, csv(0, 10));
    const second = await upload(`/datasets/${ds.id}/import?format=csv`, csv(10, 13));
    expect(second.body).toMatchObject({ operation: 'overwrite', row_count: 3 });
    expect((await parquetRows(root, second.body.files)).map((r) => r['id'])).toEqual(['10', '11', '12']);
  });

  it('takes JSON lines (by Content-Type), Parquet, and several files in one multipart body as one snapshot', async () => {
    const ds = await createDataset('imp_formats', SCHEMA);
    const lines = await upload(`/datasets/${ds.id}/import`, jsonl(0, 5), { 'content-type': 'application/x-ndjson' });
    expect(lines.status).toBe(201);
    expect((await parquetRows(root, lines.body.files))[0]).toMatchObject({ id: '0', geo: { lat: 1.5, lon: -2 } });

    const pq = await parquetBytes(`SELECT range::BIGINT AS id, 'p' || range AS name, 0.5 AS score, {'lat': 3.0, 'lon': 4.0} AS geo FROM range(5, 8)`, scratch);
    const parquet = await upload(`/datasets/${ds.id}/import?format=parquet`, pq);
    expect(parquet.status).toBe(201);
    expect(parquet.body.row_count).toBe(8);

    const both = await upload(`/datasets/${ds.id}/import`, multipart([['a.jsonl', jsonl(8, 10)], ['b.jsonl.gz', gzipSync(jsonl(10, 13))]]));
    expect(both.status, JSON.stringify(both.body)).toBe(201);
    expect(both.body.row_count).toBe(13);
    expect(both.body.files).toHaveLength(parquet.body.files.length + 2);
    expect((await parquetRows(root, both.body.files)).map((r) => Number(r['id']))).toEqual(Array.from({ length: 13 }, (_, i) => i));
  });

  it('creates a dataset from files, its schema inferred, in one step', async () => {
    const created = await upload('/datasets/import?name=imp_created&display_name=Imported', multipart([['part1.csv', csv(0, 20)], ['part2.csv', csv(20, 30)]]));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.dataset).toMatchObject({ name: 'imp_created', display_name: 'Imported', status: 'active', latest_snapshot_id: created.body.snapshot.snapshot_id });
    expect(created.body.dataset.schema.properties).toEqual({ id: { type: 'long' }, name: { type: 'string' }, score: { type: 'double' } });
    expect(created.body.snapshot).toMatchObject({ dataset_id: created.body.dataset.id, row_count: 30 });
    const again = await upload('/datasets/import?name=imp_created&format=csv', csv(0, 1));
    expect(again.status).toBe(409);
  });

  it('refuses bad files with the file, line and column, and commits nothing', async () => {
    const ds = await createDataset('imp_bad', SCHEMA);
    await upload(`/datasets/${ds.id}/import?format=jsonl`, jsonl(0, 3));
    const before = await dbFingerprint(server.database.db);
    const dirsBefore = await snapshotDirs(ds.id);

    const badCsv = await upload(`/datasets/${ds.id}/import?format=csv`, 'id,name,score,geo\n1,a,0.5,\n2,b,not-a-number,\n');
    expect(badCsv.status).toBe(400);
    expect(badCsv.type).toContain('application/problem+json');
    expect(badCsv.body.errors[0]).toMatchObject({ file: 'request body', line: 3, column: 'score' });

    const badJson = await upload(`/datasets/${ds.id}/import`, multipart([['ok.jsonl', jsonl(3, 5)], ['broken.jsonl', `${jsonl(5, 7)}{"id": 8, "name": \n`]]));
    expect(badJson.status).toBe(400);
    expect(badJson.body.errors[0]).toMatchObject({ file: 'broken.jsonl', line: 3 });
    expect(badJson.body.detail).toContain('broken.jsonl');

    const badParquet = await upload(`/datasets/${ds.id}/import`, multipart([['data.parquet', 'PAR1 this is not parquet at all']]));
    expect(badParquet.status).toBe(400);
    expect(badParquet.body.errors[0].file).toBe('data.parquet');

    const mismatch = await upload(`/datasets/${ds.id}/import?format=csv`, 'id,nickname\n1,x\n');
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.detail).toMatch(/does not match the dataset schema/u);

    expect(await dbFingerprint(server.database.db)).toEqual(before);
    expect(await snapshotDirs(ds.id)).toEqual(dirsBefore);
    expect(await stagingLeft()).toBe(0);
  });

  it('answers 4xx for what it cannot take, before and without changing anything', async () => {
    const ds = await createDataset('imp_refusals');
    const mv = (await server.database.db.query<{ id: number }>(
      `UPDATE datasets SET materialized_view_config = '{"nql": "x"}'::jsonb WHERE id = (SELECT id FROM datasets WHERE name = 'imp_bad') RETURNING id`,
    ))[0]!;
    const other = await server.otherCompany();
    const before = await dbFingerprint(server.database.db);
    const cases: Array<[string, Body, Record<string, string>, number, string?]> = [
      [`/datasets/${ds.id}/import`, csv(0, 2), { 'content-type': 'application/octet-stream' }, 400, 'format'],
      [`/datasets/${ds.id}/import?format=xls`, csv(0, 2), {}, 400],
      [`/datasets/${ds.id}/import?format=csv`, '', {}, 400, 'empty'],
      [`/datasets/${ds.id}/import?format=csv`, 'x'.repeat(LIMIT + 1), {}, 413],
      [`/datasets/${ds.id}/import`, multipart([['big.csv', `id\n${'1\n'.repeat(LIMIT)}`]]), {}, 413],
      [`/datasets/${ds.id}/import`, multipart([['notes.txt', 'id\n1\n']]), {}, 400, 'format'],
      [`/datasets/999999/import?format=csv`, csv(0, 2), {}, 404],
      [`/datasets/${mv.id}/import?format=csv`, csv(0, 2), {}, 409, 'materialized view'],
      ['/datasets/import?name=bad-name!&format=csv', csv(0, 2), {}, 400],
      ['/datasets/import?format=csv', csv(0, 2), {}, 400],
    ];
    for (const [p, body, headers, status, mention] of cases) {
      const res = await upload(p, body, headers);
      expect(res.status, `${p}: ${JSON.stringify(res.body)}`).toBe(status);
      expect(res.type).toContain('application/problem+json');
      if (mention) expect(res.body.detail).toContain(mention);
    }
    expect((await upload(`/datasets/${ds.id}/import?format=csv`, csv(0, 2), {}, other.token)).status).toBe(404);
    expect(await dbFingerprint(server.database.db)).toEqual(before);
    expect(await stagingLeft()).toBe(0);
  });
});

describe.each(backends())('a server that holds no data plane\'s files (%s)', (backend) => {
  let server: TestServer;
  beforeAll(async () => { server = await startTestServer(backend); });
  afterAll(async () => { await server?.close(); });

  it('says so with 409 instead of importing', async () => {
    const ds = (await server.request('POST', '/datasets', { body: { name: 'nowhere', schema: CSV_SCHEMA } })).body;
    const res = await fetch(`${server.url}/datasets/${ds.id}/import?format=csv`, {
      method: 'POST', headers: { authorization: `Bearer ${server.adminToken}` }, body: csv(0, 2),
    });
    expect(res.status).toBe(409);
    expect(((await res.json()) as any).detail).toContain('holds no data plane');
  });
});
