// The queue benchmark's worker processes (jobplane executors, pg-boss, Graphile Worker) and the parent's handle on
// them: spawned as `node --import tsx <file>` with an IPC channel, driven by messages (setup -> ready, go -> done).
// Each worker is its own process so that on a 2-core machine the load is spread like real operators would be, and
// so that each one's CPU can be reported on its own.
import { fork, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';

/** How an executor hands back the jobs of one claim. */
export type CompleteMode =
  /** One `POST /jobs/{id}/complete` per job, one after the other (limit 1: the unbatched case). */
  | 'single'
  /** One `POST /jobs/{id}/complete` per job, all of a claim's jobs at once (the batched phase without a batch endpoint). */
  | 'concurrent'
  /** One `POST /jobs/complete` with the claim's jobs as a list (CONTRACTS.md). */
  | 'batch';

export interface ExecutorSetup {
  kind: 'setup';
  baseUrl: string;
  token: string;
  planeId: string;
  /** Registered executor ids this process drives, one loop each. */
  executors: string[];
  limit: number;
  complete: CompleteMode;
  /** Stop each executor after this many claims (a latency probe on a big backlog); default: until a claim is empty. */
  maxClaims?: number;
}

export interface AnchorSetup {
  kind: 'setup';
  anchor: 'pg-boss' | 'graphile-worker';
  connectionString: string;
  schema: string;
  /** pg-boss queue / Graphile Worker task name: one per phase, so what a phase stopped at the time cap left is not the next one's. */
  queue: string;
  jobs: number;
  /** pg-boss: jobs per fetch and per complete call. Graphile Worker: unused. */
  batch: number;
  /** pg-boss: fetch/complete loops; Graphile Worker: its `concurrency`. */
  concurrency: number;
}

export type ToWorker = ExecutorSetup | AnchorSetup | { kind: 'go' } | { kind: 'stop' } | { kind: 'exit' };

export interface WorkerStats {
  /** Jobs whose completion the system acknowledged. */
  completed: number;
  /** Jobs handed out by claims/fetches. */
  claimed: number;
  claims: number;
  emptyClaims: number;
  /** Per claim request, ms (executors only). */
  claimMs: number[];
  /** Per completion request, ms (executors only; a batch request counts once). */
  completeMs: number[];
  /** CLOCK_MONOTONIC ms (queue-http.ts monoMs): when `go` arrived, the first and last acknowledged completion, the end. */
  goMs: number;
  firstDoneMs: number | null;
  lastDoneMs: number | null;
  endMs: number;
  /** This process's CPU (user + system) from `go` to the end, ms. */
  cpuMs: number;
  errors: number;
  errorSamples: string[];
  /** Responses by status, e.g. {"claim 200": 500, "complete 200": 500}. */
  statuses: Record<string, number>;
  /** Free-form facts for the report (the anchor's settings, the batch endpoint's per-item statuses). */
  notes: string[];
}

export type FromWorker = { kind: 'ready'; pid: number; notes?: string[] } | { kind: 'done'; stats: WorkerStats } | { kind: 'error'; message: string };

export function emptyStats(): WorkerStats {
  return {
    completed: 0, claimed: 0, claims: 0, emptyClaims: 0, claimMs: [], completeMs: [], goMs: 0, firstDoneMs: null,
    lastDoneMs: null, endMs: 0, cpuMs: 0, errors: 0, errorSamples: [], statuses: {}, notes: [],
  };
}

export function noteError(s: WorkerStats, message: string): void {
  s.errors++;
  if (s.errorSamples.length < 5) s.errorSamples.push(message.slice(0, 400));
}

export interface WorkerProcess {
  name: string;
  pid: number;
  child: ChildProcess;
  /** Sends `msg` and waits for the next message of `kind` (or fails on an error message, an exit, or the timeout). */
  request<K extends FromWorker['kind']>(msg: ToWorker, kind: K, timeoutMs: number): Promise<Extract<FromWorker, { kind: K }>>;
  send(msg: ToWorker): void;
  stop(): Promise<void>;
  logTail(chars?: number): string;
}

/** Starts `file` (a .ts module under bench/lib) as a worker process; its output goes to `logFile`. */
export function spawnWorker(name: string, file: string, cwd: string, logFile: string, env: NodeJS.ProcessEnv = {}): WorkerProcess {
  const log = createWriteStream(logFile);
  const child = fork(file, [], {
    cwd, execArgv: ['--import', 'tsx'], env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  const logTail = (chars = 2000) => {
    try {
      return readFileSync(logFile, 'utf8').slice(-chars);
    } catch {
      return '';
    }
  };
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const request: WorkerProcess['request'] = (msg, kind, timeoutMs) => new Promise((resolve, reject) => {
    const cleanup = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    const onMessage = (m: FromWorker) => {
      if (m.kind === 'error') {
        cleanup();
        reject(new Error(`${name}: ${m.message}`));
      } else if (m.kind === kind) {
        cleanup();
        resolve(m as never);
      }
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`${name} exited (${code}) while waiting for "${kind}":\n${logTail()}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`${name}: no "${kind}" within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('message', onMessage);
    child.once('exit', onExit);
    child.send(msg);
  });
  return {
    name, pid: child.pid!, child, request, logTail,
    send: (msg) => {
      if (child.connected) child.send(msg);
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (child.connected) child.send({ kind: 'exit' } satisfies ToWorker);
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The worker side: answers the parent's messages with `handlers`; an exception becomes an error message. */
export function serveParent(handlers: {
  setup: (msg: Extract<ToWorker, { kind: 'setup' }>) => Promise<string[] | void>;
  go: () => Promise<WorkerStats>;
  stop: () => void;
  exit?: () => Promise<void>;
}): void {
  const send = (m: FromWorker) => process.send?.(m);
  process.on('message', (msg: ToWorker) => {
    const fail = (err: unknown) => send({ kind: 'error', message: (err as Error).stack ?? String(err) });
    switch (msg.kind) {
      case 'setup':
        handlers.setup(msg).then((notes) => send({ kind: 'ready', pid: process.pid, ...(notes ? { notes } : {}) }), fail);
        break;
      case 'go':
        handlers.go().then((stats) => send({ kind: 'done', stats }), fail);
        break;
      case 'stop':
        handlers.stop();
        break;
      case 'exit':
        void (handlers.exit?.() ?? Promise.resolve()).finally(() => process.exit(0));
        break;
    }
  });
  // The parent died (Ctrl-C, a crash): nobody is left to tell us to exit.
  process.on('disconnect', () => process.exit(0));
}

/** CPU (user + system) of this process since `from` (process.cpuUsage()), ms. */
export function cpuMsSince(from: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1000;
}
