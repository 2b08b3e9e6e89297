import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOperator, type RunningOperator } from '../../src/plane/operator/index.js';
import { backends } from '../support/backends.js';
import { startTestServer, type TestServer } from '../support/harness.js';
import { importRows, SCHEMA } from '../api/views-helpers.js';
import { jp, json } from './cli-support.js';

/** `jobplane view refresh|schedule` against a real server and its DuckDB operator (in the test's process). */
describe.each(backends())('jobplane view commands on %s', (backend) => {
  let server: TestServer;
  let operator: RunningOperator;
  let root: string;
  let viewId: number;
  let inputId: number;
  const cli = (...args: string[]) => jp(server, args);

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'jp-cli-views-'));
    server = await startTestServer(backend, {}, { storageRoot: root });
    operator = await startOperator({
      apiUrl: server.url, token: (await server.token('jobs:write,data-planes:write,datasets:read', { dataPlaneId: server.dataPlaneId })).token,
      dataPlaneId: server.dataPlaneId, storageRoot: root, builtins: true, types: ['materialize-view'], slots: 1, claimWaitMs: 2_000,
      logger: pino({ level: 'silent' }), orphanSweep: false,
    });
    inputId = (await server.request('POST', '/datasets', { body: { name: 'cli_views_in', schema: SCHEMA } })).body.id;
    await importRows(server, inputId, 0, 30);
    const run = await server.request('POST', '/nql/run', { body: { nql: `CREATE MATERIALIZED VIEW "cli_view" AS SELECT "id", "kind" FROM company_data."${inputId}" WHERE "kind" = 'a'` } });
    expect(run.status, JSON.stringify(run.body)).toBe(201);
    viewId = run.body.input.dataset_id;
    const waited = await cli('job', 'wait', run.body.id, '--json');
    expect(waited.code, waited.stderr).toBe(0);
  }, 240_000);
  afterAll(async () => {
    await operator?.stop();
    await server?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('view refresh: reuse when nothing changed; --incremental --wait runs it and says what it read; --force runs in full', async () => {
    const reused = await cli('view', 'refresh', String(viewId));
    expect(reused.code, reused.stderr).toBe(0);
    expect(reused.stdout).toMatch(/refresh:\s+reused snapshot \d+ \(no input changed\)/);

    await importRows(server, inputId, 30, 45);
    const waited = await cli('view', 'refresh', String(viewId), '--incremental', '--wait');
    expect(waited.code, waited.stderr).toBe(0);
    expect(waited.stdout).toMatch(/state:\s+completed/);
    expect(waited.stdout).toMatch(/incremental: read 1 new file\(s\), 15 row\(s\)/);

    await importRows(server, inputId, 45, 50);
    const started = json(await cli('view', 'refresh', String(viewId), '--incremental', '--json'));
    expect(started).toMatchObject({ type: 'materialize-view', input: { refresh: { type: 'incremental' } } });
    const done = await cli('job', 'wait', started.job_id, '--field', 'result.refresh.rows_read');
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout.trim()).toBe('5');

    const forced = await cli('view', 'refresh', String(viewId), '--force', '--wait', '--field', 'result.refresh.type');
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout.trim()).toBe('full');
    const notAView = await cli('view', 'refresh', String(inputId));
    expect(notAView.code).not.toBe(0);
    expect(notAView.stderr).toContain('not a materialized view');
  }, 120_000);

  it('view schedule set|show|delete: a zone, then a replacement; a bad expression names the field', async () => {
    const set = await cli('view', 'schedule', 'set', String(viewId), '--cron', '0 12 * * 1-5', '--zone', 'Europe/Berlin', '--no-stats', '--json');
    expect(set.code, set.stderr).toBe(0);
    expect(json(set)).toMatchObject({ dataset_id: viewId, cron: '0 12 * * 1-5', cron_zone_id: 'Europe/Berlin', status: 'active', stats_enabled: false });
    const replaced = await cli('view', 'schedule', 'set', String(viewId), '--cron', '@hourly', '--status', 'pending');
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(replaced.stdout).toMatch(/cron:\s+@hourly/);
    expect(replaced.stdout).toMatch(/status:\s+pending/);
    expect(replaced.stdout).toMatch(/stats:\s+as the view/);
    const shown = await cli('view', 'schedule', 'show', String(viewId), '--field', 'cron');
    expect(shown.stdout.trim()).toBe('@hourly');
    const active = json(await cli('view', 'schedule', 'set', String(viewId), '--cron', '@daily', '--json'));
    expect(active.next_runs).toHaveLength(5);
    expect(active.next_runs[0]).toMatch(/T00:00:00\.000Z$/);
    const bad = await cli('view', 'schedule', 'set', String(viewId), '--cron', '0 0 * *');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('/cron');
    const badZone = await cli('view', 'schedule', 'set', String(viewId), '--cron', '@daily', '--zone', 'Atlantis/Central');
    expect(badZone.code).not.toBe(0);
    expect(badZone.stderr).toContain('/cron_zone_id');
    const deleted = await cli('view', 'schedule', 'delete', String(viewId));
    expect(deleted.stdout.trim()).toBe(`schedule of dataset ${viewId}: archived`);
    const again = await cli('view', 'schedule', 'set', String(viewId), '--cron', '@weekly', '--field', 'status');
    expect(again.stdout.trim()).toBe('active');
  }, 120_000);
});
