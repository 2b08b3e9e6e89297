import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/store/db/types.js';
import { bootstrap } from '../../src/store/bootstrap.js';
import { dataPlaneCreate } from '../../src/store/data-planes.js';
import { jobList, jobListStatements, type JobListFilter } from '../../src/store/jobs.js';
import { jobStats } from '../../src/store/job-stats.js';
import { JOB_STATES, type JobState } from '../../src/core/job-states.js';
import { backends, freshDatabase, type TestDatabase } from '../support/backends.js';

/**
 * The jobs list's count (`total_records`) for every combination of its filters: exact, and answered by an index
 * alone (jobs_counts and jobs_stats, migration 0009), so that a count by data plane or by type and state within a
 * time range does not read the table's rows (it did, at 100 to 150 ms a count at 100,000 jobs: bench/results/ui.md).
 */
describe.each(backends())('the jobs list counts (%s)', (backend) => {
  let t: TestDatabase;
  let db: Db;
  let companyId: number;
  let planes: string[];
  const HOUR = 3_600_000;
  const now = Date.now();
  /** Every job seeded, as the filters see it. */
  let rows: Array<{ state: JobState; type: string; plane: string; dataset: number | null; created: number }>;

  beforeAll(async () => {
    t = await freshDatabase(backend);
    db = t.db;
    const boot = await bootstrap(db);
    companyId = boot.companyId;
    const other = await dataPlaneCreate(db, { companyId, displayName: 'second', description: null, engine: 'duckdb', tags: [] });
    planes = [boot.dataPlaneId, other.id];
    // 1,200 jobs: every state, two types, two planes, datasets for one type, one created every minute back from now.
    await db.query(
      `INSERT INTO jobs (job_id, company_id, data_plane_id, request_source, state, type, input, dataset_id, executor,
                         idempotency_key, lease_expires_at, created_at, updated_at, ended_at)
       SELECT gen_random_uuid(), $1, CASE WHEN g % 3 = 0 THEN $3::uuid ELSE $2::uuid END, '{"type":"api_user"}'::jsonb,
              s.state, CASE WHEN g % 5 < 2 THEN 'materialize-view' ELSE 'nql-forecast' END, '{}'::jsonb,
              CASE WHEN g % 5 < 2 THEN 10000 + g % 7 END,
              CASE WHEN s.state IN ('running', 'pending_cancellation') THEN 'job-executor-t' END, 'count-' || g,
              CASE WHEN s.state IN ('running', 'pending_cancellation') THEN now() + interval '1 hour' END,
              to_timestamp($4::float8 / 1000) - g * interval '1 minute', now(),
              CASE WHEN s.state IN ('completed', 'failed', 'cancelled') THEN now() END
         FROM generate_series(1, 1200) g,
              LATERAL (SELECT (ARRAY['pending', 'running', 'completed', 'failed', 'pending_cancellation', 'cancelled'])[1 + (g / 7) % 6] AS state) s`,
      [companyId, planes[0], planes[1], now],
    );
    // As autovacuum leaves a table: statistics, and the visibility map that index-only scans need.
    await db.query('VACUUM ANALYZE jobs');
    rows = (await db.query<{ state: JobState; type: string; plane: string; dataset: number | null; created: string }>(
      `SELECT state, type, data_plane_id::text AS plane, dataset_id AS dataset, (extract(epoch FROM created_at) * 1000)::text AS created
         FROM jobs WHERE company_id = $1`, [companyId],
    )).map((r) => ({ ...r, created: Number(r.created) }));
    expect(rows).toHaveLength(1200);
  });
  afterAll(async () => { await t?.drop(); });

  /** The filters a person combines on the dashboard: each state, type, plane and time window, and mixes. */
  const filters = (): Array<Partial<JobListFilter>> => {
    const out: Array<Partial<JobListFilter>> = [{}];
    const after = new Date(now - 5 * HOUR).toISOString();
    const before = new Date(now - HOUR).toISOString();
    for (const state of [undefined, 'completed', 'running'] as const) {
      for (const type of [undefined, 'materialize-view'] as const) {
        for (const dataPlaneId of [undefined, planes[1]!]) {
          for (const [createdAfter, createdBefore] of [[undefined, undefined], [after, undefined], [after, before]] as const) {
            out.push({ state, type, dataPlaneId, createdAfter, createdBefore });
          }
        }
      }
    }
    out.push({ datasetId: 10003 }, { datasetId: 10003, state: 'failed', dataPlaneId: planes[0]! });
    return out;
  };
  const matches = (f: Partial<JobListFilter>) => rows.filter((r) =>
    (f.state === undefined || r.state === f.state) && (f.type === undefined || r.type === f.type)
    && (f.dataPlaneId === undefined || r.plane === f.dataPlaneId) && (f.datasetId === undefined || r.dataset === f.datasetId)
    && (f.createdAfter === undefined || r.created >= Date.parse(f.createdAfter))
    && (f.createdBefore === undefined || r.created < Date.parse(f.createdBefore))).length;
  const list = (f: Partial<JobListFilter>): JobListFilter => ({ orderBy: 'created_at_desc', limit: 10, offset: 0, ...f });

  it('counts exactly, for every combination of filters', async () => {
    for (const f of filters()) {
      const { total, records } = await jobList(db, { companyId }, list(f));
      const expected = matches(f);
      expect(total, JSON.stringify(f)).toBe(expected);
      expect(records.length, JSON.stringify(f)).toBe(Math.min(10, expected));
    }
  });

  it('has an index that answers each count alone, without reading the table (but for the dataset filter)', async () => {
    // Which indexes cover the count, rather than the plan the planner picks for 1,200 rows (where a few rows of the
    // table through another index can be cheaper than a whole index): an index whose columns hold every column the
    // count's WHERE reads can answer it with an index-only scan, whatever the filters select.
    const indexes = await db.query<{ name: string; columns: string[] | string }>(
      `SELECT i.relname AS name, array_agg(a.attname::text ORDER BY k.ord) AS columns
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
         CROSS JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, ord)
         JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
        WHERE t.relname = 'jobs' AND x.indpred IS NULL AND k.ord <= x.indnkeyatts
        GROUP BY i.relname`,
    );
    const columnsOf = (c: string[] | string) => (Array.isArray(c) ? c : c.replace(/^\{|\}$/g, '').split(','));
    const referenced = (text: string) => [...new Set([...text.matchAll(/\bj\.(\w+)/g)].map((m) => m[1]!))];
    for (const f of filters().filter((x) => x.datasetId === undefined)) {
      const { count } = jobListStatements({ companyId }, list(f));
      const read = referenced(count.text);
      const covering = indexes.filter((i) => columnsOf(i.columns)[0] === 'company_id' && read.every((c) => columnsOf(i.columns).includes(c)));
      expect(covering.map((i) => i.name), `${JSON.stringify(f)} reads ${read.join(', ')}`).not.toEqual([]);
    }
    // One index covers them all; another, without the time (so its entries deduplicate), those without a time range.
    const named = (name: string) => { const i = indexes.find((x) => x.name === name); return i && columnsOf(i.columns); };
    expect(named('jobs_counts')).toEqual(['company_id', 'type', 'created_at', 'state', 'data_plane_id']);
    expect(named('jobs_stats')).toEqual(['company_id', 'type', 'state', 'data_plane_id']);
  });

  it('estimates beyond the limit it was given: exact up to the offset plus that many, the planner\'s estimate beyond', async () => {
    const estimated = (f: Partial<JobListFilter>, exactCountLimit: number, offset = 0) =>
      jobList(db, { companyId }, { ...list(f), offset, count: 'estimated', exactCountLimit });
    // Fewer match than the limit: exact, and said to be.
    const running = await estimated({ state: 'running' }, 1_000);
    expect(running).toMatchObject({ total: matches({ state: 'running' }), estimated: false });
    // More: PostgreSQL's estimate from the table's statistics, never below what was counted.
    const all = await estimated({}, 100);
    expect(all.estimated).toBe(true);
    expect(all.total).toBeGreaterThan(100);
    expect(Math.abs(all.total - 1200)).toBeLessThanOrEqual(300);
    expect(all.records).toHaveLength(10);
    const two = await estimated({ state: 'completed', type: 'materialize-view' }, 10);
    expect(two.estimated).toBe(true);
    expect(two.total).toBeGreaterThan(10);
    expect(two.total / matches({ state: 'completed', type: 'materialize-view' })).toBeGreaterThan(0.5);
    expect(two.total / matches({ state: 'completed', type: 'materialize-view' })).toBeLessThan(2);
    // Near the end of the list (the offset plus the limit reach past it): exact again, so the last page is right.
    expect(await estimated({}, 100, 1_150)).toMatchObject({ total: 1200, estimated: false });
    // The default counts exactly, however many match.
    expect(await jobList(db, { companyId }, list({}))).toMatchObject({ total: 1200, estimated: false });
  });

  it('agrees with the statistics by state, for a plane and a type', async () => {
    for (const dataPlaneId of [undefined, planes[1]!]) {
      for (const type of [undefined, 'materialize-view']) {
        const stats = await jobStats(db, { companyId }, { dataPlaneId, type });
        for (const state of JOB_STATES) {
          expect(stats.counts[state], `${dataPlaneId} ${type} ${state}`).toBe(matches({ dataPlaneId, type, state }));
        }
        expect(stats.total).toBe(matches({ dataPlaneId, type }));
      }
    }
  });
});
