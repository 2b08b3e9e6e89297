import { readFile } from 'node:fs/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/backends.js';
import { launchBrowser, newContext, screenshot, seriousViolations, signIn } from './support/browser.js';
import { DashboardServer } from './support/dashboard-server.js';

// Functions passed to page.evaluate run in the browser; the Node program has no DOM types, so its globals are
// declared here for this file only.
declare const window: any, document: any, sessionStorage: any, localStorage: any;

/**
 * The dashboard in a real browser (Debian's chromium through playwright-core) against a real `jobplane serve`
 * with its in-process operator and the sample dataset. The tests run in order and share the server: the job the
 * NQL test submits is the one the data and jobs tests open. Each page is screenshotted into test-results/ui and
 * checked with axe-core (no serious or critical violation).
 */
const backend = backends().at(-1)!; // PostgreSQL when DATABASE_URL is set (as in CI), else PGlite

describe(`the dashboard (${backend})`, () => {
  let server: DashboardServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const consoleErrors: string[] = [];
  let mvJobId = '';
  let datasetId = 0;

  beforeAll(async () => {
    [server, browser] = await Promise.all([DashboardServer.start(backend), launchBrowser()]);
    context = await newContext(browser);
    page = await context.newPage();
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  /** Marks the document; a reload or a full navigation drops the mark (live updates must not need either). */
  const markDocument = () => page.evaluate(() => { (window as unknown as { __kept: boolean }).__kept = true; });
  const documentKept = () => page.evaluate(() => (window as unknown as { __kept?: boolean }).__kept === true);
  const nav = () => page.getByRole('navigation', { name: 'Main' });
  /** The timeline's actions, once they are every event the API has for the job (the page follows it live). */
  const expectTimelineOfEvents = async (jobId: string) => {
    const events = async () => (await server.api('GET', `/jobs/${jobId}/events`)).records.map((e: any) => e.action);
    const shown = () => page.getByTestId('timeline').locator('li').evaluateAll((li) => li.map((l) => l.getAttribute('data-action')));
    await expect.poll(async () => JSON.stringify(await shown()) === JSON.stringify(await events()), { timeout: 30_000 }).toBe(true);
    return shown();
  };
  const expectAccessible = async (what: string, on: Page = page) => expect(await seriousViolations(on), what).toEqual([]);

  it('signs in with a token kept in the session, never in a URL', async () => {
    await page.goto(`${server.url}/`);
    await page.waitForURL(/\/ui\/$/);
    await page.getByRole('heading', { name: 'Sign in to jobplane' }).waitFor();
    await expectAccessible('sign-in page');
    await screenshot(page, '01-sign-in');

    await page.getByLabel('Access token').fill('jp_' + 'x'.repeat(43));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toMatch(/refused the token/);

    const urls: string[] = [];
    page.on('request', (r) => urls.push(r.url()));
    await signIn(page, server.url, server.adminToken);
    await page.getByRole('heading', { name: 'Jobs', level: 1 }).waitFor();
    expect(page.url()).toBe(`${server.url}/ui/jobs`);
    expect(urls.filter((u) => u.includes(server.adminToken))).toEqual([]);
    expect(await page.evaluate(() => sessionStorage.getItem('jobplane.token'))).toBe(server.adminToken);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);

    // A reload keeps the session (same tab); the nav shows what an all-permissions token may read.
    await page.reload();
    await page.getByRole('heading', { name: 'Jobs', level: 1 }).waitFor();
    expect(await nav().getByRole('link').allTextContents()).toEqual(['Jobs', 'Data', 'Operations', 'NQL editor']);

    // Live updates come from the event feed (one SSE stream), which this server has: not from polling.
    expect((await server.api('GET', '/openapi.json'))?.paths?.['/events']).toBeDefined();
    await expect.poll(async () => page.locator('.topbar .live').textContent(), { timeout: 20_000 }).toBe('Live');
  });

  it('loads the jobs page from a few compressed, long-cached files, and the other pages on demand', async () => {
    const html = await (await fetch(`${server.url}/ui/jobs`)).text();
    const first = [...html.matchAll(/<script type="module"[^>]*src="([^"]+)"|<link rel="(?:modulepreload|stylesheet)"[^>]*href="([^"]+)"/g)].map((m) => m[1] ?? m[2]!);
    // The other pages: prefetched by the app once the first page is on screen.
    const later = (/<meta name="jobplane:later" content="([^"]*)"/.exec(html)?.[1] ?? '').split(' ').filter(Boolean);
    expect(first.length).toBeGreaterThanOrEqual(3); // the entry, the app, React (and the styles)
    expect(later.some((f) => /JobPage-/.test(f))).toBe(true);
    expect(first.some((f) => /JobPage-|NqlPage-|OperationsPage-|DatasetPage-/.test(f))).toBe(false);
    for (const file of [...first, ...later]) {
      const res = await fetch(`${server.url}${file}`, { headers: { 'accept-encoding': 'br, gzip' } });
      expect(res.status, file).toBe(200);
      expect(res.headers.get('cache-control'), file).toBe('public, max-age=31536000, immutable');
      const size = (await res.arrayBuffer()).byteLength; // decompressed by fetch
      if (size > 1024) {
        expect(res.headers.get('content-encoding'), file).toBe('br');
        expect(Number(res.headers.get('content-length')), file).toBeLessThan(size);
      }
    }
  });

  it('validates NQL as it is typed, shows the compiled SQL, and follows the submitted job to completed', async () => {
    await nav().getByRole('link', { name: 'NQL editor' }).click();
    await page.getByRole('heading', { name: 'NQL editor', level: 1 }).waitFor();
    const editor = page.getByLabel('NQL statement');

    // An unknown column on line 2: underlined there, listed with its line and column.
    await editor.fill('EXPLAIN SELECT "event_timestamp",\n  "no_such_column" FROM company_data."6402"');
    const problem = page.getByTestId('nql-problems').getByRole('listitem').first();
    await problem.waitFor();
    expect(await problem.textContent()).toMatch(/^Line 2, column 3: unknown column "no_such_column"/);
    expect(await page.locator('mark.nql-error').textContent()).toBe('"no_such_column"');
    expect(await editor.getAttribute('aria-invalid')).toBe('true');
    await expectAccessible('NQL editor with an error');
    await screenshot(page, '02-nql-error');

    const seed = await readFile(new URL('../fixtures/seed-nql.txt', import.meta.url), 'utf8');
    await editor.fill(seed);
    await page.getByTestId('nql-status').filter({ hasText: /^Valid create materialized view/ }).waitFor();
    const sql = page.getByRole('figure').filter({ hasText: 'Compiled SQL (duckdb)' });
    expect(await sql.locator('pre').textContent()).toMatch(/FROM\s+"ds_6402"/);
    expect(await page.locator('mark.nql-error').count()).toBe(0);

    await markDocument();
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    const run = page.getByTestId('runs').getByRole('listitem').first();
    await run.waitFor();
    mvJobId = (await run.getAttribute('data-job-id'))!;
    expect(mvJobId).toMatch(/^[0-9a-f-]{36}$/);
    // Followed live: the row changes state on its own.
    await page.getByTestId('runs').locator(`li[data-job-id="${mvJobId}"][data-state="completed"]`).waitFor({ timeout: 90_000 });
    expect(await documentKept()).toBe(true);
    const job = await server.api('GET', `/jobs/${mvJobId}`);
    expect(job.state).toBe('completed');
    datasetId = job.result.dataset_id;
    expect(await run.textContent()).toContain(`dataset ${datasetId}`);
    await expectAccessible('NQL editor after a run');
    await screenshot(page, '03-nql-completed');
  });

  it('runs a forecast of the view\'s query from the editor', async () => {
    await page.getByRole('button', { name: 'Forecast' }).click();
    const row = page.getByTestId('runs').getByRole('listitem').first();
    await row.filter({ hasText: 'Forecast' }).waitFor();
    const id = (await row.getAttribute('data-job-id'))!;
    await page.locator(`li[data-job-id="${id}"][data-state="completed"]`).waitFor({ timeout: 90_000 });
    expect(await row.textContent()).toMatch(/about [\d,]+ rows, costing \$/);
    const forecast = await server.api('GET', `/jobs/${id}`);
    expect(forecast.type).toBe('nql-forecast');
    expect(forecast.input.nql).toMatch(/^EXPLAIN WITH/);
  });

  it('shows the new dataset: schema, snapshot, column statistics, lineage and the preview', async () => {
    await page.getByTestId('runs').getByRole('link', { name: `dataset ${datasetId}` }).first().click();
    await page.getByRole('heading', { name: 'sampleNQL', level: 1 }).waitFor();
    const schema = page.getByTestId('schema-table');
    expect(await schema.locator('tbody th').allTextContents()).toEqual(['mobile_id', 'day', 'hour', 'latitude', 'longitude']);
    const snapshot = (await server.api('GET', `/datasets/${datasetId}/snapshots`)).records[0];
    const panel = page.getByTestId('snapshot-panel');
    await panel.getByRole('heading', { name: `Snapshot ${snapshot.snapshot_id} (latest)` }).waitFor();
    expect(await page.getByTestId('snapshot-rows').textContent()).toBe(snapshot.row_count.toLocaleString('en-US'));
    await page.getByTestId('column-stats').waitFor();
    expect(await page.getByTestId('column-stats').locator('tbody th').allTextContents()).toEqual(['mobile_id', 'day', 'hour', 'latitude', 'longitude']);
    const lineage = page.getByTestId('lineage');
    expect(await lineage.getByRole('link', { name: /^job / }).getAttribute('href')).toBe(`/ui/jobs/${mvJobId}`);
    const input = snapshot.inputs[0];
    expect(await lineage.getByRole('link', { name: 'dataset 6402' }).count()).toBe(1);
    expect(await lineage.getByRole('link', { name: String(input.snapshot_id) }).getAttribute('href')).toBe(`/ui/datasets/6402/snapshots/${input.snapshot_id}`);

    // The preview reads rows through the data plane (GET .../rows: a datasets_sample job the operator runs), on
    // request; the first rows are shown, and they are the rows the API gives for that snapshot.
    const preview = page.getByTestId('preview');
    const rowsRequest = page.waitForRequest((r) => r.url().includes(`/datasets/${datasetId}/snapshots/${snapshot.snapshot_id}/rows?`));
    await preview.getByRole('button', { name: /Show the first 20 rows/ }).click();
    await rowsRequest;
    const table = page.getByTestId('preview-table');
    await table.waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('preview-unavailable').count()).toBe(0);
    expect(await table.locator('thead th').allTextContents()).toEqual(
      ['mobile_id', 'day', 'hour', 'latitude', 'longitude'].map((c) => expect.stringMatching(new RegExp(`^${c} `))));
    expect(snapshot.row_count).toBeGreaterThan(0);
    expect(await table.locator('tbody tr').count()).toBe(Math.min(20, snapshot.row_count));
    const apiRows = await server.api('GET', `/datasets/${datasetId}/snapshots/${snapshot.snapshot_id}/rows?limit=20&offset=0`);
    const shownIds = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => tr.querySelector('td')?.textContent ?? ''));
    expect(shownIds.sort()).toEqual(apiRows.rows.map((r: any) => String(r.mobile_id)).sort());
    // Read by the data plane: a datasets_sample job that an executor of the dataset's plane ran.
    const sample = await server.api('GET', `/jobs/${apiRows.job_id}`);
    expect([sample.type, sample.state, sample.data_plane_id]).toEqual(['datasets_sample', 'completed', server.dataPlaneId]);
    const completedBy = (await server.api('GET', `/jobs/${apiRows.job_id}/events`)).records.find((e: any) => e.action === 'complete')?.executor;
    expect(completedBy).toMatch(/^job-executor-/);
    await expectAccessible('dataset page');
    await screenshot(page, '04-dataset');

    await nav().getByRole('link', { name: 'Data' }).click();
    await page.getByTestId('datasets-table').getByRole('link', { name: 'sampleNQL' }).waitFor();
    await expectAccessible('datasets page');
    await screenshot(page, '05-datasets');
  });

  it('lists jobs with counts by state and filters, and opens a job with its timeline, NQL and SQL', async () => {
    await nav().getByRole('link', { name: 'Jobs' }).click();
    const table = page.getByTestId('jobs-table');
    await table.locator(`tr[data-job-id="${mvJobId}"]`).waitFor();
    // The mv job and the forecast, at least.
    await expect.poll(async () => Number((await page.getByTestId('count-completed').locator('.count-number').textContent())!.replace(/,/g, '')))
      .toBeGreaterThanOrEqual(2);

    await page.getByLabel('Type').selectOption('materialize-view');
    await page.waitForURL(/type=materialize-view/);
    await table.locator('tbody tr').first().waitFor();
    await expect.poll(async () => table.locator('tbody tr[data-job-id]').count()).toBe(1);
    await page.getByTestId('count-completed').click();
    await page.waitForURL(/state=completed/);
    expect(await page.getByTestId('count-completed').getAttribute('aria-pressed')).toBe('true');
    await page.getByLabel('Created').selectOption('1h');
    await expect.poll(async () => table.getAttribute('data-loaded')).toMatch(/created_after=/);
    expect(await table.locator('tbody tr[data-job-id]').count()).toBe(1);
    await expectAccessible('jobs page');
    await screenshot(page, '06-jobs');

    await table.getByRole('link', { name: mvJobId.slice(0, 8) }).click();
    await page.getByRole('heading', { name: `Job ${mvJobId.slice(0, 8)}` }).waitFor();
    // The job page's code is a chunk of its own, loaded on demand: focus still moves to the new page's heading.
    await expect.poll(() => page.evaluate(() => document.activeElement?.matches('main h1') ?? false)).toBe(true);
    const actions = await expectTimelineOfEvents(mvJobId);
    expect(actions[0]).toBe('create');
    expect(actions).toContain('claim');
    expect(actions.at(-1)).toBe('complete');
    expect(await page.getByRole('figure').filter({ hasText: 'NQL, as submitted' }).locator('pre').textContent()).toContain('CREATE MATERIALIZED VIEW "sampleNQL"');
    expect(await page.getByRole('figure').filter({ hasText: 'Compiled SQL' }).locator('pre').textContent()).toContain('"ds_6402"');
    const result = page.getByRole('region', { name: 'Result' });
    expect(await result.getByRole('link', { name: `dataset ${datasetId}` }).getAttribute('href')).toBe(`/ui/datasets/${datasetId}`);
    // The admin token may write jobs: a finished job offers "Run again" only.
    const buttons = page.getByRole('group', { name: 'Job actions' }).getByRole('button');
    expect(await buttons.allTextContents()).toEqual(['Run again']);
    await expectAccessible('completed job page');
    await screenshot(page, '07-job-completed');
  });

  it('says why a pending job is not running', async () => {
    // test-echo is accepted by the server, and no executor runs it.
    const job = await server.api('POST', '/jobs', { type: 'test-echo', input: { hello: 'world' } });
    await page.goto(`${server.url}/ui/jobs/${job.job_id}`);
    const explain = page.getByTestId('explain');
    await explain.getByRole('heading', { name: 'Why isn\'t it running?' }).waitFor();
    const reason = explain.locator('li[data-code="no_executor_for_type"]');
    await reason.waitFor();
    expect(await reason.textContent()).toMatch(/does not run "test-echo" jobs/);
    await expectAccessible('pending job page');
    await screenshot(page, '08-job-pending-why');
  });

  it('cancels a running job from its page, with a confirmation, and shows it end cancelled without a reload', async () => {
    await server.sleepOperator();
    const job = await server.api('POST', '/jobs', { type: 'test-sleep', input: { ms: 300_000 } });
    await server.waitForJob(job.job_id, (j) => j.state === 'running', 'the sleep job to run');
    await page.goto(`${server.url}/ui/jobs/${job.job_id}`);
    await page.locator('.page-head [data-state="running"]').waitFor();
    await page.getByTestId('explain').locator('li[data-code="running"]').waitFor();
    await markDocument();

    await page.getByRole('button', { name: 'Request cancellation' }).click();
    const dialog = page.getByRole('dialog', { name: 'Request cancellation?' });
    await dialog.waitFor();
    await expectAccessible('confirmation dialog');
    await screenshot(page, '09-cancel-dialog');
    // "Go back" changes nothing.
    await dialog.getByRole('button', { name: 'Go back' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect((await server.api('GET', `/jobs/${job.job_id}`)).state).toBe('running');

    await page.getByRole('button', { name: 'Request cancellation' }).click();
    await dialog.getByRole('button', { name: 'Request cancellation' }).click();
    // The operator stops the handler and acknowledges: cancelled, seen live.
    await page.locator('.page-head [data-state="cancelled"]').waitFor({ timeout: 60_000 });
    expect(await documentKept()).toBe(true);
    const actions = await expectTimelineOfEvents(job.job_id);
    expect(actions.slice(-2)).toEqual(['request_cancellation', 'cancel']);
    await screenshot(page, '10-job-cancelled');
  });

  it('shows data planes, executors and the queue and throughput charts', async () => {
    await nav().getByRole('link', { name: 'Operations' }).click();
    await page.getByRole('heading', { name: 'Operations', level: 1 }).waitFor();
    const executors = page.getByTestId('executors-table');
    await executors.waitFor();
    expect(await executors.locator('tbody tr').count()).toBeGreaterThanOrEqual(2);
    expect(await executors.textContent()).toContain('in-process');
    expect(await executors.textContent()).toContain('sleeper');
    expect(await page.getByTestId('planes-table').textContent()).toContain('Local data plane');
    const charts = page.getByTestId('charts');
    await charts.waitFor();
    expect(await charts.locator('svg[role="img"]').count()).toBe(2);
    // The jobs above completed within the hour: the throughput chart has bars.
    expect(await charts.locator('rect.bar').count()).toBeGreaterThan(0);
    expect(await charts.textContent()).toMatch(/[1-9]\d* completed/);
    await expectAccessible('operations page');
    await screenshot(page, '11-operations');
  });

  it('shows a read-only token no action, and the API refuses a forged one with 403', async () => {
    const reader = await server.token([['jobs', 'read'], ['datasets', 'read'], ['data-planes', 'read'], ['nql', 'read']]);
    const ctx = await newContext(browser);
    const p = await ctx.newPage();
    try {
      await signIn(p, server.url, reader, `/ui/jobs/${mvJobId}`);
      await p.getByRole('heading', { name: `Job ${mvJobId.slice(0, 8)}` }).waitFor();
      await p.getByTestId('timeline').waitFor();
      expect(await p.getByRole('group', { name: 'Job actions' }).count()).toBe(0);
      expect(await p.getByRole('button', { name: /Run again|Reschedule|cancel/i }).count()).toBe(0);

      const pending = await server.api('POST', '/jobs', { type: 'test-echo', input: { n: 2 } });
      await p.goto(`${server.url}/ui/jobs/${pending.job_id}`);
      await p.getByTestId('explain').locator('li[data-code]').first().waitFor();
      expect(await p.getByRole('button', { name: /Reschedule|Request cancellation|Cancel now/ }).count()).toBe(0);

      // The same request the button would send, forged from the page with the session's token.
      const forged = await p.evaluate(async (id) => {
        const token = sessionStorage.getItem('jobplane.token');
        const res = await fetch(`/jobs/${id}/request-cancellation`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
        return { status: res.status, body: (await res.json()) as { detail: string } };
      }, pending.job_id);
      expect(forged.status).toBe(403);
      expect(forged.body.detail).toMatch(/jobs:write/);
      expect((await server.api('GET', `/jobs/${pending.job_id}`)).state).toBe('pending');

      await p.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'NQL editor' }).click();
      await p.getByLabel('NQL statement').fill('EXPLAIN SELECT "event_timestamp" FROM company_data."6402"');
      await p.getByTestId('nql-status').filter({ hasText: /^Valid explain/ }).waitFor();
      expect(await p.getByRole('button', { name: /^(Run|Forecast)$/ }).count()).toBe(0);
      await screenshot(p, '12-read-only-nql');
    } finally {
      await ctx.close();
    }
  });

  it('hides what a token may not read', async () => {
    const jobsOnly = await server.token([['jobs', 'read']]);
    const ctx = await newContext(browser);
    const p = await ctx.newPage();
    try {
      await signIn(p, server.url, jobsOnly);
      await p.getByRole('heading', { name: 'Jobs', level: 1 }).waitFor();
      expect(await p.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents()).toEqual(['Jobs', 'Operations']);
      // Without data-planes:read there is no plane filter, and no request for planes was refused.
      expect(await p.getByLabel('Data plane').count()).toBe(0);
      await p.goto(`${server.url}/ui/datasets/${datasetId}`);
      await p.getByRole('heading', { name: 'Not available with this token' }).waitFor();
      expect(await p.textContent('main')).toContain('datasets:read');
      await p.goto(`${server.url}/ui/operations`);
      await p.getByTestId('charts').waitFor();
      expect(await p.getByTestId('executors-table').count()).toBe(0);
      await expectAccessible('operations page, jobs-only token', p);
    } finally {
      await ctx.close();
    }
  });

  it('signs out and logged no browser errors', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to jobplane' }).waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('jobplane.token'))).toBeNull();
    // A job page that was reloaded after a sign-out asks for a token again.
    await page.goto(`${server.url}/ui/jobs/${mvJobId}`);
    await page.getByLabel('Access token').waitFor();
    // 400 (the invalid NQL), 401 (the wrong token), 403, 404 (no column statistics) are answers the pages show.
    expect(consoleErrors.filter((e) => !/status of 40[0134]/.test(e))).toEqual([]);
  });
});
