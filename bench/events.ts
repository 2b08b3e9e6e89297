// Events-out benchmark: a real `jobplane serve` on its own PostgreSQL database; jobs flow through it over HTTP
// (create -> run -> complete) while 10 SSE clients follow GET /events and a webhook subscription delivers every
// completion to a receiver on 127.0.0.1. Run with `npm run bench:events`; writes bench/results/events.md and appends
// one line per run to bench/results/events-runs.jsonl.
//
// Phases:
//   0. cost: the store's `run` statements straight at PostgreSQL with the old snapshot trigger, as they are, and with
//      the sequencer (bench/lib/event-write-cost.ts), on a database of its own;
//   1. idle: one job at a time (the next after the previous one's webhook arrived): webhook latency from the
//      transition's commit (the `complete` response) and from the event's created_at to the receiver's 2xx;
//   2. load: BENCH_DRIVERS loops drive jobs for BENCH_SECONDS while BENCH_CLIENTS SSE clients (another process)
//      follow the feed: events/s produced and delivered, the clients' lag, webhook latency under load;
//   3. replay: BENCH_CLIENTS fresh clients read the load phase's events from its start as fast as they can (the
//      feed's capacity, whatever the load could produce).
// Env: BENCH_SECONDS (20), BENCH_CLIENTS (10), BENCH_DRIVERS (16), BENCH_IDLE_JOBS (200), BENCH_PG_URL,
//      BENCH_COST_ROUND_MS (5000), BENCH_COST_REPEATS (2; 0 skips phase 0),
//      BENCH_EVENTS_POLL_MS (the server's JOBPLANE_EVENTS_POLL_MS, default: the server's 50).
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanupOnExit } from './lib/cleanup.js';
import { createDatabase, databaseUrl, dropDatabase } from './lib/database.js';
import { envInt } from './lib/env.js';
import { measureEventWriteCost, type CostRound } from './lib/event-write-cost.js';
import { spawnServer } from './lib/server.js';
import { cpuModel, freePort, loadAverage, percentile } from './lib/sys.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const cfg = {
  seconds: envInt('BENCH_SECONDS', 20),
  clients: envInt('BENCH_CLIENTS', 10),
  drivers: envInt('BENCH_DRIVERS', 16),
  idleJobs: envInt('BENCH_IDLE_JOBS', 200),
  pollMs: process.env['BENCH_EVENTS_POLL_MS'] ? envInt('BENCH_EVENTS_POLL_MS', 50) : undefined,
  costRoundMs: envInt('BENCH_COST_ROUND_MS', 5_000),
  costRepeats: process.env['BENCH_COST_REPEATS'] === '0' ? 0 : envInt('BENCH_COST_REPEATS', 2),
  deadlineMs: envInt('BENCH_DEADLINE_MS', 600_000),
};
const log = (msg: string) => process.stderr.write(`[bench:events ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cleanup = cleanupOnExit(log);
const watchdog = setTimeout(() => {
  log(`deadline of ${cfg.deadlineMs} ms passed: abandoning the run`);
  void cleanup.run().finally(() => process.exit(2));
}, cfg.deadlineMs);
watchdog.unref();

const FORECAST = { type: 'nql-forecast', input: { nql: 'EXPLAIN SELECT "a" FROM company_data."1"', compiled_sql: 'SELECT "a" FROM "ds_1"' } };
const RESULT = { rows: 1, cost: 0, nql_type: 'forecast', type: 'success' };

class Api {
  constructor(readonly url: string, readonly token: string) {}
  async call(method: string, path: string, body?: unknown): Promise<any> {
    const res = await fetch(`${this.url}${path}`, {
      method, headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : undefined;
  }
  /** create -> run -> complete; resolves when `complete` answered (its transaction committed). */
  async jobToCompletion(): Promise<{ jobId: string; committedAt: number }> {
    const executor = `job-executor-${randomUUID()}`;
    const job = await this.call('POST', '/jobs', FORECAST);
    const run = await this.call('POST', `/jobs/${job.job_id}/run`, { executor });
    await this.call('POST', `/jobs/${job.job_id}/complete`, { executor, attempt: run.attempt, result: RESULT });
    return { jobId: job.job_id, committedAt: Date.now() };
  }
}

/** The webhook receiver: answers 204 and remembers when each job's completion arrived. */
async function startReceiver(): Promise<{ url: string; arrivals: Map<string, { at: number; createdAt: number }>; close(): Promise<void> }> {
  const arrivals = new Map<string, { at: number; createdAt: number }>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = Date.now();
      const event = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      arrivals.set(event.data.job_id, { at, createdAt: Date.parse(event.created_at) });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, arrivals,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

interface ClientReport {
  events: number;
  lastId: number;
  outOfOrder: number;
  firstAt: number;
  lastAt: number;
  lags: number[];
}

/** BENCH_CLIENTS SSE clients in their own process, following the feed after `after`. */
async function startClients(url: string, token: string, after: string, clients: number) {
  const child: ChildProcess = fork(join(root, 'bench/lib/sse-clients-proc.ts'), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_URL: url, BENCH_TOKEN: token, BENCH_CLIENTS: String(clients), BENCH_AFTER: after },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  cleanup.add('stop the SSE clients', () => child.kill('SIGKILL'));
  const errors: string[] = [];
  let onReport: ((clients: ClientReport[]) => void) | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    child.on('message', (msg: any) => {
      if (msg.type === 'ready') resolve();
      else if (msg.type === 'error') errors.push(msg.message);
      else if (msg.type === 'report') onReport?.(msg.clients);
    });
    child.once('exit', (code) => reject(new Error(`the SSE clients exited with ${code}`)));
  });
  await ready;
  return {
    errors,
    report: () => new Promise<ClientReport[]>((resolve) => { onReport = resolve; child.send({ type: 'report' }); }),
    stop: () => { child.send({ type: 'stop' }); },
  };
}

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '–');
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);

async function scrape(api: Api, metric: string): Promise<number> {
  const text = await (await fetch(`${api.url}/metrics`, { headers: { authorization: `Bearer ${api.token}` } })).text();
  return Number(new RegExp(`^${metric} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const loadAtStart = loadAverage();
  let cost: CostRound[] = [];
  if (cfg.costRepeats > 0) {
    const costDb = `jp_bench_events_cost_${process.pid}_${Date.now().toString(36)}`;
    await createDatabase(costDb);
    cleanup.add('drop cost database', () => dropDatabase(costDb));
    log(`phase 0: the run statements with the old snapshot trigger, as they are, and with the sequencer (${cfg.costRepeats} x ${cfg.costRoundMs} ms rounds)`);
    cost = await measureEventWriteCost(databaseUrl(costDb), { roundMs: cfg.costRoundMs, repeats: cfg.costRepeats, log });
    await dropDatabase(costDb);
  }
  const dbName = `jp_bench_events_${process.pid}_${Date.now().toString(36)}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'jp-bench-events-'));
  cleanup.add('remove data dir', async () => rmSync(dataDir, { recursive: true, force: true }));
  log(`creating database ${dbName}`);
  await createDatabase(dbName);
  cleanup.add('drop database', () => dropDatabase(dbName));
  const port = await freePort();
  log(`starting jobplane serve on 127.0.0.1:${port}`);
  const server = await spawnServer({
    root, databaseUrl: databaseUrl(dbName), dataDir, port, logLevel: 'warn',
    env: {
      JOBPLANE_LEASE_MS: '3600000', JOBPLANE_SAMPLE_DATA: 'false', JOBPLANE_WEBHOOK_ALLOW_PRIVATE: 'true',
      JOBPLANE_WEBHOOK_ALLOW_HTTP_HOSTS: '127.0.0.1', ...(cfg.pollMs ? { JOBPLANE_EVENTS_POLL_MS: String(cfg.pollMs) } : {}),
    },
  });
  cleanup.add('stop server', () => server.stop());
  const api = new Api(server.url, readFileSync(join(dataDir, 'admin-token'), 'utf8').trim());
  const receiver = await startReceiver();
  cleanup.add('stop receiver', () => receiver.close());
  await api.call('POST', '/webhooks', { type: 'webhook_subscription_jobs', url: receiver.url, states: ['completed'] });
  // Warm up (connections, prepared statements, JIT) and let the first deliveries go out.
  for (let i = 0; i < 20; i++) await api.jobToCompletion();
  await sleep(500);

  // ---- 1. idle: webhook latency, one job at a time ------------------------------------------------------------
  log(`phase 1: ${cfg.idleJobs} jobs one at a time (webhook latency with an idle queue)`);
  const idleFromCommit: number[] = [];
  const idleFromEvent: number[] = [];
  for (let i = 0; i < cfg.idleJobs; i++) {
    const { jobId, committedAt } = await api.jobToCompletion();
    const deadline = Date.now() + 30_000;
    while (!receiver.arrivals.has(jobId)) {
      if (Date.now() > deadline) throw new Error(`no webhook for job ${jobId} within 30 s:\n${server.logTail()}`);
      await sleep(1);
    }
    const a = receiver.arrivals.get(jobId)!;
    idleFromCommit.push(a.at - committedAt);
    idleFromEvent.push(a.at - a.createdAt);
  }

  // ---- 2. load: jobs flow while SSE clients follow the feed ------------------------------------------------------
  let start = '0';
  for (;;) { // the feed's head: page to the end
    const page = await api.call('GET', `/events?format=json&limit=1000&after=${start}`);
    if (page.records.length === 0) break;
    start = page.next_cursor;
  }
  log(`phase 2: ${cfg.drivers} drivers for ${cfg.seconds} s, ${cfg.clients} SSE clients after ${start}`);
  const clients = await startClients(server.url, api.token, start, cfg.clients);
  const loadJobs: Array<{ jobId: string; committedAt: number }> = [];
  const loadStarted = Date.now();
  const loadEnds = loadStarted + cfg.seconds * 1000;
  await Promise.all(Array.from({ length: cfg.drivers }, async () => {
    while (Date.now() < loadEnds) loadJobs.push(await api.jobToCompletion());
  }));
  const loadMs = Date.now() - loadStarted;
  const expected = loadJobs.length * 3;
  // Every client must get every event of the phase (and then nothing is left over).
  let report: ClientReport[] = [];
  const drainDeadline = Date.now() + 120_000;
  for (;;) {
    report = await clients.report();
    if (report.every((c) => c.events >= expected) || Date.now() > drainDeadline) break;
    await sleep(100);
  }
  const drainedAt = Math.max(...report.map((c) => c.lastAt));
  clients.stop();
  // And every completion's webhook (its latency counts the time it queued behind the load).
  const hooksDeadline = Date.now() + 120_000;
  while (loadJobs.some((j) => !receiver.arrivals.has(j.jobId)) && Date.now() < hooksDeadline) await sleep(50);
  const webhookUnderLoad = loadJobs.map((j) => {
    const a = receiver.arrivals.get(j.jobId);
    return a ? { fromCommit: a.at - j.committedAt, fromEvent: a.at - a.createdAt } : undefined;
  });
  const missingWebhooks = webhookUnderLoad.filter((x) => !x).length;
  const allLags = sorted(report.flatMap((c) => c.lags));

  // ---- 3. replay: fresh clients read the load phase's events as fast as they can ---------------------------------
  log(`phase 3: ${cfg.clients} clients replay ${expected} events`);
  const replayStarted = Date.now();
  const replay = await startClients(server.url, api.token, start, cfg.clients);
  let replayReport: ClientReport[] = [];
  for (;;) {
    replayReport = await replay.report();
    if (replayReport.every((c) => c.events >= expected) || Date.now() - replayStarted > 120_000) break;
    await sleep(50);
  }
  replay.stop();
  const replayMs = Math.max(...replayReport.map((c) => c.lastAt)) - replayStarted;
  const sequenced = await scrape(api, 'jobplane_events_sequenced_total');

  // ---- report ---------------------------------------------------------------------------------------------------
  const idleC = sorted(idleFromCommit);
  const idleE = sorted(idleFromEvent);
  const loadC = sorted(webhookUnderLoad.filter(Boolean).map((x) => x!.fromCommit));
  const loadE = sorted(webhookUnderLoad.filter(Boolean).map((x) => x!.fromEvent));
  const completionRate = loadJobs.length / (loadMs / 1000);
  const producedRate = expected / (loadMs / 1000);
  const deliveredPerClient = report.map((c) => c.events);
  const feedRate = (cfg.clients * expected) / ((drainedAt - loadStarted) / 1000);
  const replayRate = (cfg.clients * expected) / (replayMs / 1000);
  const outOfOrder = report.reduce((s, c) => s + c.outOfOrder, 0) + replayReport.reduce((s, c) => s + c.outOfOrder, 0);
  const complete = report.every((c) => c.events === expected) && replayReport.every((c) => c.events === expected);
  const p99Idle = percentile(idleC, 99);
  const keepsUp = complete && percentile(allLags, 99) < 1_000;
  const median = (xs: number[]) => sorted(xs)[Math.floor(xs.length / 2)] ?? NaN;
  const costOf = (statement: CostRound['statement'], variant: CostRound['variant']) =>
    median(cost.filter((c) => c.statement === statement && c.variant === variant).map((c) => c.jobsPerSecond));
  const costRows = (['one job', 'batch of 16'] as const).map((st) => {
    const trigger = costOf(st, 'trigger');
    const vs = (v: CostRound['variant']) => `${fmt(costOf(st, v))} (${fmt((costOf(st, v) / trigger - 1) * 100, 1)}%)`;
    return `| ${st} | ${fmt(trigger)} | ${vs('statement')} | ${vs('full')} |`;
  }).join('\n');
  const record = {
    at: startedAt.toISOString(), load: loadAtStart, clients: cfg.clients, drivers: cfg.drivers, seconds: cfg.seconds,
    idle_p50_ms: percentile(idleC, 50), idle_p99_ms: p99Idle, idle_from_event_p99_ms: percentile(idleE, 99),
    completions_per_s: completionRate, events_per_s: producedRate, feed_events_per_s: feedRate,
    lag_p50_ms: percentile(allLags, 50), lag_p99_ms: percentile(allLags, 99), replay_events_per_s: replayRate,
    load_webhook_p50_ms: percentile(loadC, 50), load_webhook_p99_ms: percentile(loadC, 99), complete, out_of_order: outOfOrder,
    cost_one_trigger: costOf('one job', 'trigger'), cost_one_statement: costOf('one job', 'statement'),
    cost_one_full: costOf('one job', 'full'),
    cost_batch_trigger: costOf('batch of 16', 'trigger'), cost_batch_statement: costOf('batch of 16', 'statement'),
    cost_batch_full: costOf('batch of 16', 'full'),
  };
  appendFileSync(join(root, 'bench/results/events-runs.jsonl'), `${JSON.stringify(record)}\n`);
  const history = readFileSync(join(root, 'bench/results/events-runs.jsonl'), 'utf8').trim().split('\n').slice(-10).map((l) => JSON.parse(l));

  const md = `# bench:events

Generated by \`npm run bench:events\` (bench/events.ts) at ${startedAt.toISOString().replace('T', ' ').slice(0, 19)} UTC.
Machine: ${cpuModel()}, load average at start ${loadAtStart}. PostgreSQL on 127.0.0.1, one \`jobplane serve\`
(its sequencer polls every ${cfg.pollMs ?? 50} ms), the load drivers in the bench process, the SSE clients in a
process of their own, the webhook receiver (node:http, answers 204) in the bench process. Everything shares the
machine's cores.

## Results

| | |
|---|---:|
| **webhook latency, idle queue, from the \`complete\` response to the receiver: p50 / p99** | **${fmt(percentile(idleC, 50), 1)} / ${fmt(p99Idle, 1)} ms** |
| same, from the event's created_at (inside the transaction, before its commit): p50 / p99 | ${fmt(percentile(idleE, 50), 1)} / ${fmt(percentile(idleE, 99), 1)} ms |
| load: jobs completed (create, run, complete over HTTP, ${cfg.drivers} loops, ${cfg.seconds} s) | ${fmt(loadJobs.length)} = ${fmt(completionRate)} jobs/s |
| load: events produced (3 per job) | ${fmt(producedRate)} events/s |
| **feed: events/s delivered to ${cfg.clients} SSE clients together** (every client every event) | **${fmt(feedRate)} events/s** (${fmt(feedRate / cfg.clients)} per client) |
| feed: each client received | ${[...new Set(deliveredPerClient)].map((n) => fmt(n)).join(', ')} of ${fmt(expected)} events |
| feed: lag from the event's created_at to a client, p50 / p99 / max | ${fmt(percentile(allLags, 50))} / ${fmt(percentile(allLags, 99))} / ${fmt(allLags.at(-1) ?? NaN)} ms |
| feed: last event reached the clients after the load stopped | ${fmt(drainedAt - (loadStarted + loadMs))} ms |
| replay: ${cfg.clients} fresh clients reading the phase's ${fmt(expected)} events from its start | ${fmt(replayRate)} events/s together (${fmt(replayMs)} ms) |
| webhook latency under that load, from \`complete\` to the receiver: p50 / p99 | ${fmt(percentile(loadC, 50), 1)} / ${fmt(percentile(loadC, 99), 1)} ms (${missingWebhooks} missing) |
| events out of order at any client | ${outOfOrder} |
| events sequenced by the server (jobplane_events_sequenced_total) | ${fmt(sequenced)} |

## Verdict

- **Webhook delivery p99 with an idle queue: ${fmt(p99Idle, 1)} ms** (target < 250 ms): **${p99Idle < 250 ? 'met' : 'not met'}**.
- **The feed keeps up with the load: ${keepsUp ? 'yes' : 'no'}**: every client received every event${complete ? '' : ' (NOT: see above)'}, in
  order, with a lag p99 of ${fmt(percentile(allLags, 99))} ms while ${fmt(completionRate)} jobs/s (${fmt(producedRate)} events/s) completed;
  read back at full speed the feed serves ${fmt(replayRate)} events/s to ${cfg.clients} clients, ${fmt(replayRate / cfg.clients / 3)} job completions/s per
  client, the capacity to compare with the queue's completion rate (bench/results/queue.md).

## What the feed costs a transition

The store's own \`run\` statements (the one-job statement, 16 callers; the batch statement of the group commit,
16 jobs each, 4 callers) straight at PostgreSQL, jobs moved per second, median of ${cfg.costRepeats} alternating rounds of
${fmt(cfg.costRoundMs / 1000)} s: *trigger* = each event's job snapshot made by a BEFORE INSERT trigger reading the job again
(migrations 0006-0009; installed by the benchmark for the comparison), *statement* = the snapshot returned by the
statement that writes the job (what a transition does since migration 0010), *full* = statement and a sequencer
stamping every 50 ms. Percentages against *trigger*.

| statement | trigger | statement | full |
|---|---:|---:|---:|
${cost.length ? costRows : '| (phase 0 skipped) | | | |'}

## Where the latency goes

A transition's event waits for the next sequencer pass (every ${cfg.pollMs ?? 50} ms, ${fmt((cfg.pollMs ?? 50) / 2)} ms on average), which
stamps it and writes its delivery in one transaction; the pass wakes the delivery service of its server at once,
which claims the delivery, signs it and POSTs it. The poll is the price of not sending a NOTIFY from every
transition's transaction (that would serialize their commits; docs/events.md).

## Run history (bench/results/events-runs.jsonl, last 10)

| at (UTC) | load | clients | jobs/s | events/s | feed events/s | lag p99 ms | replay events/s | webhook idle p50 / p99 ms | under load p99 ms | complete |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|
${history.map((h) => `| ${h.at.replace('T', ' ').slice(0, 19)} | ${h.load} | ${h.clients} | ${fmt(h.completions_per_s)} | ${fmt(h.events_per_s)} | ${fmt(h.feed_events_per_s)} | ${fmt(h.lag_p99_ms)} | ${fmt(h.replay_events_per_s)} | ${fmt(h.idle_p50_ms, 1)} / ${fmt(h.idle_p99_ms, 1)} | ${fmt(h.load_webhook_p99_ms, 1)} | ${h.complete ? 'yes' : '**no**'} |`).join('\n')}
`;
  writeFileSync(join(root, 'bench/results/events.md'), md);
  log(`idle webhook p99 ${fmt(p99Idle, 1)} ms; feed ${fmt(feedRate)} events/s to ${cfg.clients} clients at ${fmt(completionRate)} jobs/s; replay ${fmt(replayRate)} events/s`);
  if (clients.errors.length || replay.errors.length) log(`client errors: ${[...clients.errors, ...replay.errors].join('; ')}`);
}

main()
  .then(() => cleanup.run())
  .then(() => process.exit(0))
  .catch(async (err: Error) => {
    log(`failed: ${err.stack ?? err.message}`);
    await cleanup.run();
    process.exit(1);
  });
