import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/backends.js';
import { startTestServer, type TestServer } from '../support/harness.js';
import { dbFingerprint } from '../support/db-fingerprint.js';
import { SEED_SCHEMA, seedNqlFor } from '../fixtures/seed.js';

describe.each(backends())('datasets and the /nql API (%s)', (backend) => {
  let server: TestServer;
  let datasetId: number;
  beforeAll(async () => {
    server = await startTestServer(backend);
    const res = await server.request('POST', '/datasets', { body: { name: 'seed_events', schema: SEED_SCHEMA } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    datasetId = res.body.id;
  });
  afterAll(async () => { await server?.close(); });

  it('creates datasets with integer ids, unique names and validated schemas', async () => {
    expect(datasetId).toBeGreaterThanOrEqual(10_000);
    const dup = await server.request('POST', '/datasets', { body: { name: 'seed_events', schema: SEED_SCHEMA } });
    expect(dup.status).toBe(409);
    const bad = await server.request('POST', '/datasets', { body: { name: 'bad', schema: { type: 'object', properties: { a: { type: 'varchar' } } } } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].pointer).toBe('/schema/properties/a/type');
    const got = await server.request('GET', `/datasets/${datasetId}`);
    expect(got.body).toMatchObject({ id: datasetId, name: 'seed_events', status: 'active', latest_snapshot_id: null });
    const list = await server.request('GET', '/datasets?per_page=1');
    expect(list.body).toMatchObject({ current_page: 1, total_records: 1 });
    expect((await server.request('GET', `/datasets/${datasetId}/snapshots`)).body.records).toEqual([]);
  });

  it('validates the seed query into an AST', async () => {
    const res = await server.request('POST', '/nql/validate', { body: { nql: seedNqlFor(datasetId) } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.type).toBe('create_materialized_view');
  });

  it('reports syntax errors with line and column', async () => {
    const res = await server.request('POST', '/nql/validate', { body: { nql: 'SELECT a,\nFROM company_data."1"' } });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body.code).toBe('nql_syntax_error');
    expect(res.body.errors[0]).toMatchObject({ line: 2, column: 1 });
  });

  it('compiles without creating anything, in the plane\'s dialect or the one asked for', async () => {
    const before = await dbFingerprint(server.database.db);
    const nql = `EXPLAIN SELECT "geographic_location"."latitude" AS lat FROM company_data."${datasetId}"`;
    const duck = await server.request('POST', '/nql/compile', { body: { nql } });
    expect(duck.status, JSON.stringify(duck.body)).toBe(200);
    expect(duck.body).toMatchObject({ kind: 'explain', dialect: 'duckdb', dataset_ids: [datasetId], output_schema: { properties: { lat: { type: 'double' } } } });
    const spark = await server.request('POST', '/nql/compile', { body: { nql, dialect: 'spark' } });
    expect(spark.body.compiled_sql).toContain(`narrative.datasets.ds_${datasetId}`);
    expect(await dbFingerprint(server.database.db)).toEqual(before);
  });

  it('EXPLAIN creates an nql-forecast job with the compiled SQL of the plane\'s engine', async () => {
    const nql = `EXPLAIN SELECT "hashed_email" FROM company_data."${datasetId}" WHERE "country_code" = 'US'`;
    const res = await server.request('POST', '/nql/run', { body: { nql } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ type: 'nql-forecast', state: 'pending', result: null, completed_at: null, company_id: server.companyId });
    expect(res.body.input.nql).toBe(nql);
    expect(res.body.input.compiled_sql).toContain(`ds_${datasetId}`);
    const polled = await server.request('GET', `/nql/${res.body.id}`);
    expect(polled.body).toMatchObject({ id: res.body.id, state: 'pending' });
    const job = await server.request('GET', `/jobs/${res.body.id}`);
    expect(job.body.input).toEqual(res.body.input);
  });

  it('CREATE MATERIALIZED VIEW creates the pending dataset and the materialize-view job together', async () => {
    const res = await server.request('POST', '/nql/run', { body: { nql: seedNqlFor(datasetId, 'presence_v1'), idempotency_key: 'mv-1' } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.type).toBe('materialize-view');
    const { input } = res.body;
    expect(input).toMatchObject({ stats_enabled: true, dataset: { name: 'presence_v1', status: 'pending' } });
    expect(Object.keys(input).sort()).toEqual(['compiled_sql', 'dataset', 'dataset_id', 'nql', 'stats_enabled']);
    const dataset = (await server.request('GET', `/datasets/${input.dataset_id}`)).body;
    expect(dataset).toMatchObject({
      status: 'pending', write_mode: 'append', materialized_view_config: { nql: input.nql }, is_narrative_managed: true,
      retention_policy: { type: 'retain_everything' },
    });
    expect(dataset.tags).toContain('_nio_materialized_view');
    expect(Object.keys(dataset.schema.properties)).toEqual(['mobile_id', 'day', 'hour', 'latitude', 'longitude']);
    const stored = (await server.request('GET', `/jobs/${res.body.id}`)).body;
    expect(Object.keys(stored.input).sort()).toEqual(['compiled_sql', 'dataset_id', 'nql', 'stats_enabled']);

    const before = await dbFingerprint(server.database.db);
    const again = await server.request('POST', '/nql/run', { body: { nql: seedNqlFor(datasetId, 'presence_v1'), idempotency_key: 'mv-1' } });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(res.body.id);
    expect(await dbFingerprint(server.database.db)).toEqual(before);
    const dupName = await server.request('POST', '/nql/run', { body: { nql: seedNqlFor(datasetId, 'presence_v1') } });
    expect(dupName.status).toBe(409);
    expect(await dbFingerprint(server.database.db)).toEqual(before);
  });

  it('refuses unknown datasets, other companies\' datasets, bare SELECTs and bad NQL, creating nothing', async () => {
    const other = await server.otherCompany();
    const theirs = await server.request('POST', '/datasets', { token: other.token, body: { name: 'secret', schema: SEED_SCHEMA } });
    const before = await dbFingerprint(server.database.db);
    const unknown = await server.request('POST', '/nql/run', { body: { nql: 'EXPLAIN SELECT "x" FROM company_data."999999"' } });
    const foreign = await server.request('POST', '/nql/run', { body: { nql: `EXPLAIN SELECT "hashed_email" FROM company_data."${theirs.body.id}"` } });
    expect(unknown.status).toBe(400);
    expect(foreign.status).toBe(400);
    expect(unknown.body.errors[0].message).toContain('unknown dataset');
    expect(foreign.body.errors[0].message.replace(String(theirs.body.id), 'N')).toBe(unknown.body.errors[0].message.replace('999999', 'N'));
    const bare = await server.request('POST', '/nql/run', { body: { nql: `SELECT "hashed_email" FROM company_data."${datasetId}"` } });
    expect(bare.status).toBe(400);
    expect(bare.body.detail).toContain('CREATE MATERIALIZED VIEW');
    const star = await server.request('POST', '/nql/run', { body: { nql: `EXPLAIN SELECT * FROM company_data."${datasetId}"` } });
    expect(star.status).toBe(400);
    const files = await server.request('POST', '/nql/run', { body: { nql: `EXPLAIN SELECT "a" FROM read_csv('/etc/passwd')` } });
    expect(files.status).toBe(400);
    expect(await dbFingerprint(server.database.db)).toEqual(before);
  });

  it('compiles to Spark SQL for a plane whose engine is spark', async () => {
    const plane = await server.request('POST', '/data-planes', { body: { display_name: 'emr', engine: 'spark' } });
    const ds = await server.request('POST', '/datasets', { body: { name: 'on_spark', schema: SEED_SCHEMA, data_plane_id: plane.body.id } });
    const res = await server.request('POST', '/nql/run', { body: { nql: `EXPLAIN SELECT "geographic_location"."latitude" FROM company_data."${ds.body.id}"`, data_plane_id: plane.body.id } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.input.compiled_sql).toContain(`narrative.datasets.ds_${ds.body.id}`);
    expect(res.body.input.compiled_sql).toContain('`');
    const cross = await server.request('POST', '/nql/run', { body: { nql: `EXPLAIN SELECT "hashed_email" FROM company_data."${datasetId}"`, data_plane_id: plane.body.id } });
    expect(cross.status).toBe(400);
  });
});
