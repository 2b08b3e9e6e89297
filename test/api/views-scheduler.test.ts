import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { backends } from '../support/backends.js';
import { startTestServer, type TestServer } from '../support/harness.js';
import { completeRefresh, importRows, registerExecutor, scheduledJobs, scheduler, ticksOf, viewWithSnapshot } from './views-helpers.js';

const MINUTE = 60_000;
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/**
 * Refresh schedules across API servers on one database, driven by a simulated clock: each scheduler pass is
 * `runOnce(now)` with the minute the test says it is, so "60 minutes" take as long as 60 passes.
 */
describe.each(backends())('refresh schedules (%s)', (backend) => {
  let servers: TestServer[] = [];
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'jp-views-sched-'));
    const first = await startTestServer(backend, {}, { storageRoot: root });
    servers = [first, await startTestServer(backend, {}, { shareDatabaseOf: first }), await startTestServer(backend, {}, { shareDatabaseOf: first })];
  }, 120_000);
  afterAll(async () => {
    for (const s of [...servers].reverse()) await s.close();
    await rm(root, { recursive: true, force: true });
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  const first = () => servers[0]!;

  const schedule = async (viewId: number, body: Record<string, unknown> = { cron: '* * * * *' }) => {
    const res = await first().request('POST', `/datasets/${viewId}/refresh-schedule`, { body });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body;
  };

  it('three API servers, a schedule every minute, 60 simulated minutes: exactly 60 refresh jobs, one per tick', async () => {
    const { viewId, inputId, executor } = await viewWithSnapshot(first());
    const created = await schedule(viewId);
    const t1 = Date.parse(created.next_run_at);
    expect(t1 % MINUTE).toBe(0);
    // Each server's scheduler, its clock a little off the others'.
    const schedulers = servers.map((s) => scheduler(s));
    const appendAt = new Set([5, 17, 33, 50]);
    let passesTicks = 0;
    for (let k = 0; k < 60; k++) {
      const tick = t1 + k * MINUTE;
      if (appendAt.has(k)) await importRows(first(), inputId, 100 * k, 100 * k + 5);
      const passes = await Promise.all(schedulers.map((s, i) => s.runOnce(new Date(tick + i * 250))));
      // Half a minute later nothing is due on any server.
      const idle = await Promise.all(schedulers.map((s, i) => s.runOnce(new Date(tick + 30_000 + i * 250))));
      expect(idle.map((p) => p.ticks)).toEqual([0, 0, 0]);
      passesTicks += passes.reduce((n, p) => n + p.ticks, 0);
      if (appendAt.has(k)) {
        // The input changed: a real refresh, which an executor runs before the next tick.
        const [job] = (await scheduledJobs(first(), viewId)).slice(-1);
        expect(job!.state).toBe('pending');
        await completeRefresh(first(), executor, job!.job_id);
      }
    }
    expect(passesTicks).toBe(60);
    const jobs = await scheduledJobs(first(), viewId);
    expect(jobs).toHaveLength(60);
    const ticks = await ticksOf(first(), viewId);
    expect(ticks.map((t) => t.tick_at)).toEqual(Array.from({ length: 60 }, (_, k) => iso(t1 + k * MINUTE)));
    expect(ticks.map((t) => t.job_id)).toEqual(jobs.map((j) => j.job_id));
    expect(ticks.filter((t) => t.outcome === 'refreshed')).toHaveLength(appendAt.size);
    expect(ticks.filter((t) => t.outcome === 'reused')).toHaveLength(60 - appendAt.size);
    expect(ticks.every((t) => t.missed === 0)).toBe(true);
    expect(jobs.every((j) => j.state === 'completed')).toBe(true);
    expect(jobs.filter((j) => j.result.reused === true)).toHaveLength(60 - appendAt.size);
    const shown = (await first().request('GET', `/datasets/${viewId}/refresh-schedule`)).body;
    expect(Date.parse(shown.next_run_at)).toBe(t1 + 60 * MINUTE);
    expect(Date.parse(shown.last_tick_at)).toBe(t1 + 59 * MINUTE);
    expect(shown.recent_ticks).toHaveLength(10);
    await first().request('DELETE', `/datasets/${viewId}/refresh-schedule`);
  }, 180_000);

  it('after a downtime over 10 ticks: one catch-up refresh, recording the 9 earlier ticks it stands for', async () => {
    const { viewId, inputId } = await viewWithSnapshot(first());
    const t1 = Date.parse((await schedule(viewId)).next_run_at);
    await importRows(first(), inputId, 1000, 1003);
    const [a, b] = [scheduler(servers[0]!), scheduler(servers[1]!)];
    // Every server was down from before t1 until t1 + 9 min + 20 s: ticks t1 .. t1 + 9 min fell due meanwhile.
    const back = new Date(t1 + 9 * MINUTE + 20_000);
    const passes = await Promise.all([a.runOnce(back), b.runOnce(back)]);
    expect(passes.reduce((n, p) => n + p.ticks, 0)).toBe(1);
    expect(passes.reduce((n, p) => n + p.missed, 0)).toBe(9);
    const ticks = await ticksOf(first(), viewId);
    expect(ticks).toEqual([{ tick_at: iso(t1 + 9 * MINUTE), outcome: 'refreshed', missed: 9, job_id: expect.any(String) }]);
    expect(await scheduledJobs(first(), viewId)).toHaveLength(1);
    const shown = (await first().request('GET', `/datasets/${viewId}/refresh-schedule`)).body;
    expect(Date.parse(shown.next_run_at)).toBe(t1 + 10 * MINUTE);
    // Back to one tick a minute (this one skipped: the catch-up is still pending).
    await a.runOnce(new Date(t1 + 10 * MINUTE));
    expect((await ticksOf(first(), viewId)).map((t) => [t.outcome, t.missed])).toEqual([['refreshed', 9], ['skipped_running', 0]]);
  });

  it('a slow refresh: the ticks while it is pending or running are skipped and recorded, nothing queues behind it', async () => {
    const { viewId, inputId, executor } = await viewWithSnapshot(first());
    const t1 = Date.parse((await schedule(viewId)).next_run_at);
    await importRows(first(), inputId, 2000, 2004);
    const s = scheduler(first());
    await s.runOnce(new Date(t1));
    const [slow] = await scheduledJobs(first(), viewId);
    expect(slow!.state).toBe('pending');
    await s.runOnce(new Date(t1 + MINUTE));
    const run = await first().request('POST', `/jobs/${slow!.job_id}/run`, { body: { executor } });
    expect(run.body.state).toBe('running');
    await s.runOnce(new Date(t1 + 2 * MINUTE));
    await s.runOnce(new Date(t1 + 3 * MINUTE));
    expect(await scheduledJobs(first(), viewId)).toHaveLength(1);
    // The slow one finishes (its executor completes what it claimed above).
    await completeRefresh(first(), executor, slow!.job_id);
    await s.runOnce(new Date(t1 + 4 * MINUTE));
    const ticks = await ticksOf(first(), viewId);
    expect(ticks.map((t) => t.outcome)).toEqual(['refreshed', 'skipped_running', 'skipped_running', 'skipped_running', 'reused']);
    expect(ticks.slice(0, 4).map((t) => t.job_id)).toEqual(Array(4).fill(slow!.job_id));
    const jobs = await scheduledJobs(first(), viewId);
    expect(jobs).toHaveLength(2);
    expect(jobs[1]!.result).toMatchObject({ reused: true, dataset_id: viewId });
  });

  it('one pass over views in different situations decides each on its own: in flight, changed, unchanged, no longer a view', async () => {
    // The scheduler handles a batch of due views together (viewRefreshCreateMany): one set of statements for all of
    // them. Each view must still come out as it would alone.
    const busy = await viewWithSnapshot(first());
    const changed = await viewWithSnapshot(first());
    const unchanged = await viewWithSnapshot(first());
    const unviewed = await viewWithSnapshot(first());
    const next = await Promise.all([busy, changed, unchanged, unviewed].map(async (v) => Date.parse((await schedule(v.viewId)).next_run_at)));
    const inFlight = await first().request('POST', `/datasets/${busy.viewId}/refresh-materialized-view`, { body: { type: 'full', force: true } });
    expect(inFlight.status).toBe(201);
    await importRows(first(), changed.inputId, 3000, 3004);
    // A dataset that stopped being a view (no API does this; the scheduler must still not fail the batch over it).
    await first().database.db.query('UPDATE datasets SET materialized_view_config = NULL WHERE id = $1', [unviewed.viewId]);
    const pass = await scheduler(first()).runOnce(new Date(Math.max(...next)));
    expect(pass).toMatchObject({ ticks: 3, refreshed: 1, reused: 1, skipped: 1 });
    expect((await ticksOf(first(), busy.viewId)).map((t) => [t.outcome, t.job_id])).toEqual([['skipped_running', inFlight.body.job_id]]);
    expect((await ticksOf(first(), changed.viewId)).map((t) => t.outcome)).toEqual(['refreshed']);
    expect((await ticksOf(first(), unchanged.viewId)).map((t) => t.outcome)).toEqual(['reused']);
    const [refresh] = await scheduledJobs(first(), changed.viewId);
    expect(refresh).toMatchObject({ state: 'pending' });
    const [reuse] = await scheduledJobs(first(), unchanged.viewId);
    expect(reuse).toMatchObject({ state: 'completed', result: { reused: true, dataset_id: unchanged.viewId } });
    expect(await ticksOf(first(), unviewed.viewId)).toEqual([]);
    const archived = await first().request('GET', `/datasets/${unviewed.viewId}/refresh-schedule`);
    expect(archived.body.status).toBe('archived');
  });

  it('refresh now while a refresh is pending or running returns that job; reuse when nothing changed, unless force', async () => {
    const { viewId, inputId, executor } = await viewWithSnapshot(first());
    const snapshotBefore = (await first().request('GET', `/datasets/${viewId}`)).body.latest_snapshot_id;
    const reused = await first().request('POST', `/datasets/${viewId}/refresh-materialized-view`, { body: { type: 'incremental' } });
    expect(reused.status).toBe(201);
    expect(reused.body).toMatchObject({ state: 'completed', result: { reused: true, snapshot_id: snapshotBefore, dataset_id: viewId } });

    await importRows(first(), inputId, 3000, 3002);
    const fresh = await first().request('POST', `/datasets/${viewId}/refresh-materialized-view`, { body: { type: 'full' } });
    expect(fresh.status).toBe(201);
    expect(fresh.body.state).toBe('pending');
    const again = await servers[1]!.request('POST', `/datasets/${viewId}/refresh-materialized-view`, { body: { type: 'incremental' } });
    expect(again.status).toBe(200);
    expect(again.body.job_id).toBe(fresh.body.job_id);
    const ran = await first().request('POST', `/jobs/${fresh.body.job_id}/run`, { body: { executor } });
    expect(ran.body.state).toBe('running');
    const whileRunning = await servers[2]!.request('POST', `/datasets/${viewId}/refresh-materialized-view`);
    expect(whileRunning.status).toBe(200);
    expect(whileRunning.body.job_id).toBe(fresh.body.job_id);
    // Many at once: still that one job.
    const burst = await Promise.all(Array.from({ length: 8 }, (_, i) => servers[i % 3]!.request('POST', `/datasets/${viewId}/refresh-materialized-view`, { body: {} })));
    expect(new Set(burst.map((r) => r.body.job_id))).toEqual(new Set([fresh.body.job_id]));

    await completeRefresh(first(), executor, fresh.body.job_id);
    const unchanged = await first().request('POST', `/datasets/${viewId}/refresh-materialized-view`, { body: { type: 'full' } });
    expect(unchanged.body).toMatchObject({ state: 'completed', result: { reused: true } });
    const forced = await first().request('POST', `/datasets/${viewId}/refresh-materialized-view`, { body: { type: 'full', force: true } });
    expect(forced.status).toBe(201);
    expect(forced.body.state).toBe('pending');
    expect(forced.body.result).toBeNull();
    const events = (await first().request('GET', `/jobs/${unchanged.body.job_id}/events`)).body.records.map((e: any) => e.action ?? e.type);
    expect(events).toContain('reuse');
  });

  it('time zones and DST, as croner reads them: a 02:30 New York tick on the spring-forward night runs at 03:30 EDT', async () => {
    const { viewId } = await viewWithSnapshot(first());
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-03-07T12:00:00Z'));
    const created = await schedule(viewId, { cron: '30 2 * * *', cron_zone_id: 'America/New_York' });
    expect(created.next_runs.slice(0, 3)).toEqual(['2026-03-08T07:30:00.000Z', '2026-03-09T06:30:00.000Z', '2026-03-10T06:30:00.000Z']);
    expect(Date.parse(created.next_run_at)).toBe(Date.parse('2026-03-08T07:30:00Z'));
    const s = scheduler(first());
    expect((await s.runOnce(new Date('2026-03-08T07:29:59Z'))).ticks).toBe(0);
    expect((await s.runOnce(new Date('2026-03-08T07:30:00.300Z'))).ticks).toBe(1);
    expect((await ticksOf(first(), viewId)).map((t) => t.tick_at)).toEqual(['2026-03-08T07:30:00Z']);
    // Berlin, weekdays at noon: 11:00 UTC in winter, 10:00 UTC once summer time began (29 March 2026).
    vi.setSystemTime(new Date('2026-03-26T13:00:00Z'));
    const berlin = await first().request('PUT', `/datasets/${viewId}/refresh-schedule`, { body: { cron: '0 12 * * 1-5', cron_zone_id: 'Europe/Berlin' } });
    expect(berlin.status, JSON.stringify(berlin.body)).toBe(200);
    expect(berlin.body.next_runs.slice(0, 2)).toEqual(['2026-03-27T11:00:00.000Z', '2026-03-30T10:00:00.000Z']);
    // A macro in a fixed zone: EST is UTC-5 all year.
    const est = await first().request('PUT', `/datasets/${viewId}/refresh-schedule`, { body: { cron: '@daily', cron_zone_id: 'EST' } });
    expect(est.body.next_runs[0]).toBe('2026-03-27T05:00:00.000Z');
    await first().request('DELETE', `/datasets/${viewId}/refresh-schedule`);
  });

  it('an invalid cron expression or zone is a 400 that names the field, and nothing is stored', async () => {
    const { viewId } = await viewWithSnapshot(first());
    const badCron = await first().request('POST', `/datasets/${viewId}/refresh-schedule`, { body: { cron: 'every minute' } });
    expect(badCron.status).toBe(400);
    expect(badCron.body.errors).toEqual([expect.objectContaining({ pointer: '/cron' })]);
    expect(badCron.body.detail).toContain('"every minute" is not a cron expression');
    const badField = await first().request('POST', `/datasets/${viewId}/refresh-schedule`, { body: { cron: '61 * * * *' } });
    expect(badField.status).toBe(400);
    expect(badField.body.errors[0].pointer).toBe('/cron');
    const badZone = await first().request('POST', `/datasets/${viewId}/refresh-schedule`, { body: { cron: '@hourly', cron_zone_id: 'Mars/Olympus_Mons' } });
    expect(badZone.status).toBe(400);
    expect(badZone.body.errors).toEqual([expect.objectContaining({ pointer: '/cron_zone_id' })]);
    expect(badZone.body.detail).toContain('"Mars/Olympus_Mons" is not a time zone');
    expect((await first().request('GET', `/datasets/${viewId}/refresh-schedule`)).status).toBe(404);
    const viaNql = await first().request('POST', '/nql/run', {
      body: { nql: `CREATE MATERIALIZED VIEW "bad_sched_${Date.now()}" REFRESH_SCHEDULE = 'sometimes' AS SELECT "id" FROM company_data."${viewId}"` },
    });
    expect(viaNql.status).toBe(400);
  });

  it('GET shows the next runs; PUT changes the schedule; DELETE archives it and the scheduler stops acting on it', async () => {
    const { viewId } = await viewWithSnapshot(first());
    const created = await schedule(viewId, { cron: '@hourly' });
    expect(created).toMatchObject({ dataset_id: viewId, cron: '@hourly', cron_zone_id: 'UTC', status: 'active', execution_cluster: { type: 'shared' }, recent_ticks: [] });
    expect(created.next_runs).toHaveLength(5);
    expect(created.next_runs.every((t: string) => t.endsWith(':00:00.000Z'))).toBe(true);
    expect((await first().request('POST', `/datasets/${viewId}/refresh-schedule`, { body: { cron: '@daily' } })).status).toBe(409);
    const paused = await first().request('PUT', `/datasets/${viewId}/refresh-schedule`, { body: { cron: '*/5 * * * *', status: 'pending' } });
    expect(paused.body).toMatchObject({ status: 'pending', next_run_at: null, next_runs: [] });
    const active = await first().request('PUT', `/datasets/${viewId}/refresh-schedule`, { body: { cron: '* * * * *' } });
    const t1 = Date.parse(active.body.next_run_at);
    const archived = await first().request('DELETE', `/datasets/${viewId}/refresh-schedule`);
    expect(archived.body).toMatchObject({ status: 'archived', next_run_at: null });
    await scheduler(first()).runOnce(new Date(t1 + 5 * MINUTE));
    expect(await ticksOf(first(), viewId)).toEqual([]);
    // An archived schedule may be created anew.
    expect((await first().request('POST', `/datasets/${viewId}/refresh-schedule`, { body: { cron: '@daily' } })).status).toBe(201);
    // Only views have schedules.
    const plain = (await first().request('POST', '/datasets', { body: { name: `plain_${Date.now()}`, schema: { type: 'object', properties: { a: { type: 'long' } } } } })).body;
    expect((await first().request('POST', `/datasets/${plain.id}/refresh-schedule`, { body: { cron: '@daily' } })).status).toBe(409);
  });
});
