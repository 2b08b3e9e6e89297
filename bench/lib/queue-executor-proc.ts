// A worker process of the queue benchmark hosting some of the phase's jobplane executors: each is a registered
// executor looping claim -> complete over its own keep-alive HTTP connection(s), against the real server. No
// engine runs: the jobs are no-ops (type `noop`, JOBPLANE_EXTRA_JOB_TYPES), so what is measured is the queue.
// An executor stops at its first empty claim: the phase's jobs were all seeded before `go`, so an empty claim means
// every job left is held by another executor's claim.
import { cpuMsSince, emptyStats, noteError, serveParent, type ExecutorSetup, type WorkerStats } from './queue-ipc.js';
import { KeepAliveJson, monoMs } from './queue-http.js';

interface ClaimedJob {
  job_id: string;
  attempt: number;
}

let setup: ExecutorSetup | undefined;
let clients: KeepAliveJson[] = [];
let stopping = false;

function count(s: WorkerStats, key: string): void {
  s.statuses[key] = (s.statuses[key] ?? 0) + 1;
}

function done(s: WorkerStats, n: number): void {
  const t = monoMs();
  s.completed += n;
  s.firstDoneMs ??= t;
  s.lastDoneMs = t;
}

async function completeOne(http: KeepAliveJson, executor: string, job: ClaimedJob, s: WorkerStats): Promise<void> {
  const t0 = monoMs();
  const r = await http.post(`/jobs/${job.job_id}/complete`, { executor, attempt: job.attempt, result: {} });
  s.completeMs.push(monoMs() - t0);
  count(s, `complete ${r.status}`);
  if (r.status === 200) done(s, 1);
  else noteError(s, `complete ${job.job_id}: ${r.status} ${r.text.slice(0, 300)}`);
}

async function completeBatch(http: KeepAliveJson, executor: string, jobs: ClaimedJob[], s: WorkerStats): Promise<void> {
  const t0 = monoMs();
  const r = await http.post('/jobs/complete', {
    completions: jobs.map((j) => ({ job_id: j.job_id, executor, attempt: j.attempt, result: {} })),
  });
  s.completeMs.push(monoMs() - t0);
  count(s, `complete-batch ${r.status}`);
  if (r.status !== 200) {
    noteError(s, `POST /jobs/complete: ${r.status} ${r.text.slice(0, 300)}`);
    return;
  }
  const results = (JSON.parse(r.text) as { results: Array<{ status: string }> }).results;
  let ok = 0;
  for (const item of results) {
    count(s, `complete-batch item ${item.status}`);
    if (item.status === 'completed') ok++;
  }
  if (ok < jobs.length) noteError(s, `POST /jobs/complete: ${jobs.length - ok} of ${jobs.length} items not completed`);
  done(s, ok);
}

async function executorLoop(http: KeepAliveJson, executor: string, cfg: ExecutorSetup, s: WorkerStats): Promise<void> {
  const claimBody = { executor, data_plane_id: cfg.planeId, limit: cfg.limit };
  let failures = 0;
  let claims = 0;
  while (!stopping && claims++ < (cfg.maxClaims ?? Infinity)) {
    const t0 = monoMs();
    const r = await http.post('/jobs/claim', claimBody);
    s.claimMs.push(monoMs() - t0);
    s.claims++;
    count(s, `claim ${r.status}`);
    if (r.status !== 200) {
      noteError(s, `claim: ${r.status} ${r.text.slice(0, 300)}`);
      if (++failures >= 5) return;
      continue;
    }
    const jobs = (JSON.parse(r.text) as { records: ClaimedJob[] }).records.map((j) => ({ job_id: j.job_id, attempt: j.attempt }));
    if (jobs.length === 0) {
      s.emptyClaims++;
      return;
    }
    s.claimed += jobs.length;
    if (cfg.complete === 'batch') await completeBatch(http, executor, jobs, s);
    else if (cfg.complete === 'concurrent') await Promise.all(jobs.map((j) => completeOne(http, executor, j, s)));
    else for (const j of jobs) await completeOne(http, executor, j, s);
  }
}

serveParent({
  async setup(msg) {
    if ('anchor' in msg) throw new Error('queue-executor-proc: got an anchor setup');
    for (const c of clients) c.close();
    setup = msg;
    stopping = false;
    // Concurrent completes need a connection each; the claim reuses one of them.
    const sockets = msg.complete === 'concurrent' ? msg.limit : 1;
    clients = msg.executors.map(() => new KeepAliveJson(msg.baseUrl, msg.token, sockets));
    // Open every connection before `go`, so the phase does not measure TCP handshakes.
    await Promise.all(clients.flatMap((c) => Array.from({ length: sockets }, () => c.get('/healthz'))));
  },
  async go() {
    const cfg = setup;
    if (!cfg) throw new Error('go before setup');
    const s = emptyStats();
    const cpu0 = process.cpuUsage();
    s.goMs = monoMs();
    await Promise.all(cfg.executors.map((id, i) => executorLoop(clients[i]!, id, cfg, s).catch((err: Error) => noteError(s, `executor ${id}: ${err.message}`))));
    s.endMs = monoMs();
    s.cpuMs = cpuMsSince(cpu0);
    return s;
  },
  stop() {
    stopping = true;
  },
  async exit() {
    for (const c of clients) c.close();
  },
});
