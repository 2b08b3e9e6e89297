import { expect } from 'vitest';
import pino from 'pino';
import { RefreshScheduler } from '../../src/server/scheduler/refresh-scheduler.js';
import type { TestServer } from '../support/harness.js';

/**
 * Support for the view tests that need no data plane: a view over an imported dataset, and its refresh jobs
 * completed through the executor protocol (register, claim, complete with a snapshot manifest) by the test itself,
 * so that when a refresh ends is the test's decision, not an operator's.
 */

export const csv = (from: number, to: number) =>
  `id,kind,v\n${Array.from({ length: to - from }, (_, i) => `${from + i},${(from + i) % 3 === 0 ? 'a' : 'b'},${(from + i) / 2}`).join('\n')}\n`;
export const SCHEMA = { type: 'object', properties: { id: { type: 'long' }, kind: { type: 'string' }, v: { type: 'double' } } };

export async function importRows(server: TestServer, datasetId: number, from: number, to: number): Promise<any> {
  const res = await fetch(`${server.url}/datasets/${datasetId}/import?format=csv`, {
    method: 'POST', headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'text/csv' }, body: csv(from, to),
  });
  const body = await res.json() as any;
  expect(res.status, JSON.stringify(body)).toBe(201);
  return body;
}

let names = 0;
/** An input dataset with rows, and a view over it whose first run (the CMV job) is completed. */
export async function viewWithSnapshot(server: TestServer, opts: { query?: (input: number) => string; options?: string } = {}) {
  const n = ++names;
  const input = (await server.request('POST', '/datasets', { body: { name: `in_${n}_${Date.now()}`, schema: SCHEMA } })).body;
  await importRows(server, input.id, 0, 10);
  const query = opts.query?.(input.id) ?? `SELECT "id", "v" FROM company_data."${input.id}" WHERE "kind" = 'a'`;
  const run = await server.request('POST', '/nql/run', { body: { nql: `CREATE MATERIALIZED VIEW "view_${n}_${Date.now()}" ${opts.options ?? ''} AS ${query}` } });
  expect(run.status, JSON.stringify(run.body)).toBe(201);
  const viewId: number = run.body.input.dataset_id;
  const executor = await registerExecutor(server);
  await completeRefresh(server, executor, run.body.id);
  return { inputId: input.id as number, viewId, executor, cmvJobId: run.body.id as string };
}

export async function registerExecutor(server: TestServer): Promise<string> {
  const res = await server.request('POST', '/executors', { body: { data_plane_id: server.dataPlaneId, types: ['materialize-view'], slots: 100 } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id;
}

/**
 * Runs a pending materialize-view job as an executor would: claims it (run), then completes it with a snapshot of
 * the view that records the inputs' latest snapshots as its lineage (what the DuckDB plane reports).
 */
export async function completeRefresh(server: TestServer, executor: string, jobId: string): Promise<any> {
  const run = await server.request('POST', `/jobs/${jobId}/run`, { body: { executor } });
  expect(run.status, JSON.stringify(run.body)).toBe(200);
  expect(run.body.state).toBe('running');
  const job = run.body;
  const datasetId: number = job.input.dataset_id;
  const view = (await server.request('GET', `/datasets/${datasetId}`)).body;
  const inputs = await Promise.all((job.inputs as Array<{ dataset_id: number }>).map(async (i) => {
    const d = (await server.request('GET', `/datasets/${i.dataset_id}`)).body;
    return { dataset_id: i.dataset_id, snapshot_id: d.latest_snapshot_id as number | null };
  }));
  const snapshotId = Math.floor(Math.random() * 2 ** 40) + 1;
  const files = [{ path: `datasets/${datasetId}/snapshots/${snapshotId}/part-0.parquet`, rows: 1, bytes: 10 }];
  const done = await server.request('POST', `/jobs/${jobId}/complete`, {
    body: {
      executor, attempt: job.attempt, result: { dataset_id: datasetId, snapshot_id: snapshotId, recalculation_id: null },
      snapshot: {
        snapshot_id: snapshotId, dataset_id: datasetId, parent_snapshot_id: view.latest_snapshot_id, operation: 'append',
        files, row_count: 1, bytes: 10, inputs,
      },
      inputs,
    },
  });
  expect(done.status, JSON.stringify(done.body)).toBe(200);
  expect(done.body.state).toBe('completed');
  return done.body;
}

export const quiet = pino({ level: 'silent' });

/** A scheduler as `jobplane serve` runs it, driven by the test's clock through runOnce(now). */
export function scheduler(server: TestServer, now: () => Date = () => new Date()): RefreshScheduler {
  return new RefreshScheduler(server.database.db, { intervalMs: 60_000, now }, quiet, server.app.effects);
}

/** Every materialize-view job the scheduler created for a view. */
export async function scheduledJobs(server: TestServer, viewId: number): Promise<Array<{ job_id: string; state: string; result: any }>> {
  return server.database.db.query(
    `SELECT job_id::text AS job_id, state, result FROM jobs
      WHERE dataset_id = $1 AND type = 'materialize-view' AND request_source->>'name' = 'materialized-view-refresh'
      ORDER BY created_at`,
    [viewId],
  );
}

export async function ticksOf(server: TestServer, viewId: number): Promise<Array<{ tick_at: string; outcome: string; missed: number; job_id: string | null }>> {
  return server.database.db.query(
    `SELECT to_char(tick_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS tick_at, outcome, missed, job_id::text AS job_id
       FROM refresh_ticks WHERE dataset_id = $1 ORDER BY tick_at`,
    [viewId],
  );
}
