import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXACT_COUNT_LIMIT } from '../../src/store/jobs.js';
import { backends } from '../support/backends.js';
import { startTestServer, type TestServer } from '../support/harness.js';

/**
 * GET /jobs?count=estimated: total_records exact up to the offset plus EXACT_COUNT_LIMIT matching jobs, the
 * database's estimate beyond (total_records_estimated says which); the default stays an exact count, in Narrative's
 * shape (no extra field).
 */
describe.each(backends())('GET /jobs?count= (%s)', (backend) => {
  let server: TestServer;
  const many = EXACT_COUNT_LIMIT + 500;
  beforeAll(async () => {
    server = await startTestServer(backend);
    // More jobs than the exact limit, in one statement (the API would take minutes), then the statistics
    // autovacuum keeps.
    await server.database.db.query(
      `INSERT INTO jobs (job_id, company_id, data_plane_id, request_source, type, input, idempotency_key, created_at, updated_at)
       SELECT gen_random_uuid(), $1, $2::uuid, '{"type":"api_user"}'::jsonb, CASE WHEN g % 4 = 0 THEN 'materialize-view' ELSE 'nql-forecast' END,
              '{}'::jsonb, 'count-' || g, now() - g * interval '1 second', now()
         FROM generate_series(1, $3::int) g`,
      [server.companyId, server.dataPlaneId, many],
    );
    await server.database.db.query('VACUUM ANALYZE jobs');
  }, 120_000);
  afterAll(async () => { await server?.close(); });

  it('counts exactly by default and with count=exact, in the usual shape', async () => {
    for (const path of ['/jobs?per_page=5', '/jobs?per_page=5&count=exact']) {
      const res = await server.request('GET', path);
      expect(res.status).toBe(200);
      expect(res.body.total_records).toBe(many);
      expect(res.body.total_pages).toBe(Math.ceil(many / 5));
      expect(Object.keys(res.body).sort()).toEqual(['current_page', 'records', 'total_pages', 'total_records']);
    }
  });

  it('estimates past the limit, and says so', async () => {
    const res = await server.request('GET', '/jobs?per_page=5&count=estimated');
    expect(res.status).toBe(200);
    expect(res.body.total_records_estimated).toBe(true);
    expect(res.body.total_records).toBeGreaterThan(EXACT_COUNT_LIMIT);
    expect(Math.abs(res.body.total_records - many) / many).toBeLessThan(0.25);
    expect(res.body.total_pages).toBe(Math.ceil(res.body.total_records / 5));
    expect(res.body.records).toHaveLength(5);
  });

  it('is exact under the limit, and near the end of the list', async () => {
    const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
    const few = await server.request('GET', `/jobs?per_page=5&count=estimated&type=materialize-view&created_after=${encodeURIComponent(hourAgo)}`);
    const [exact] = await server.database.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM jobs WHERE type = 'materialize-view' AND created_at >= $1::timestamptz`, [hourAgo],
    );
    expect(exact!.n).toBeGreaterThan(800); // every 4th of the last hour's jobs (one a second)
    expect(few.body).toMatchObject({ total_records: exact!.n, total_records_estimated: false });
    const last = await server.request('GET', `/jobs?per_page=50&count=estimated&offset=${many - 20}`);
    expect(last.body).toMatchObject({ total_records: many, total_records_estimated: false });
    expect(last.body.records).toHaveLength(20);
  });

  it('refuses an unknown way of counting', async () => {
    const res = await server.request('GET', '/jobs?count=roughly');
    expect(res.status).toBe(400);
  });
});
