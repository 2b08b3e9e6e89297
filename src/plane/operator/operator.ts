import path from 'node:path';
import pino, { type Logger } from 'pino';
import { JobplaneClient } from '../../client/client.js';
import type { Job } from '../../client/types.js';
import type { BackoffOptions } from './backoff.js';
import { CancellationWatch } from './cancellation-watch.js';
import { ClaimLoop } from './claim-loop.js';
import { ExecutorSession } from './executor-session.js';
import { buildRegistry, type HandlerRegistry } from './handler-registry.js';
import { JobRunner } from './job-runner.js';
import { OrphanSweeper, ORPHAN_SWEEP_DEFAULTS, type OrphanSweepOptions } from './orphan-sweeper.js';
import { OutageLog } from './outage-log.js';
import { keepAliveIntervalFor } from '../storage/sweep-orphans.js';
import { SharedResources } from './shared-resources.js';
import type { HandlerEnv, JobHandler } from './types.js';
import type { Engine } from '../../core/engines.js';

export interface OperatorOptions {
  /** Control plane URL, e.g. http://127.0.0.1:8080. */
  apiUrl: string;
  /** An operator token (bound to the data plane) or any token with jobs:write and data-planes:write. */
  token: string;
  dataPlaneId: string;
  computePoolId?: string | undefined;
  /** Shared jobs run at once (a dedicated job always runs alone). Default 2. */
  slots?: number | undefined;
  /** Only these job types; default: every handler available. */
  types?: readonly string[] | undefined;
  handlers?: readonly JobHandler[] | undefined;
  /** Modules to import handlers from (the CLI's `--handlers`). */
  handlerModules?: readonly string[] | undefined;
  /** Load the built-in handlers of `src/plane/handlers/` (default true). */
  builtins?: boolean | undefined;
  /** Shown in `GET /executors`. */
  name?: string | undefined;
  /** The plane's engine: which built-in handlers run its jobs (default duckdb). */
  engine?: Engine | undefined;
  /** A Spark plane's cluster, a Spark Connect remote `sc://host:port/;token=...` (engine spark). */
  sparkRemote?: string | undefined;
  /** Spark settings for every session of a Spark plane's jobs (e.g. `spark.sql.catalog.narrative.warehouse`). */
  sparkConf?: Record<string, string> | undefined;
  /** Where this plane's dataset files live (handlers get it in their environment). Default ./.jobplane/storage. */
  storageRoot?: string | undefined;
  /** How long a stop lets running jobs finish before aborting them (default 30 s). */
  graceMs?: number | undefined;
  /** Heartbeat interval until the server announces its own (x-jobplane-heartbeat-ms), default 10 s. */
  heartbeatMs?: number | undefined;
  /** Long-poll length of a claim, default 20 s (the server allows up to 30 s). */
  claimWaitMs?: number | undefined;
  /** How long an aborted handler may take to return before it is given up on (default 5 s). */
  abortGraceMs?: number | undefined;
  /** After the handlers were aborted, how long reports may keep retrying against a down API (default 10 s). */
  reportGraceMs?: number | undefined;
  backoff?: BackoffOptions | undefined;
  logger?: Logger | undefined;
  /**
   * Deleting uncommitted snapshot directories of crashed attempts under storageRoot (see orphan-sweeper.ts).
   * Default: on, with ORPHAN_SWEEP_DEFAULTS, when the built-in (snapshot-writing) handlers are loaded.
   */
  orphanSweep?: Partial<OrphanSweepOptions> | false | undefined;
  /** A ready client (in-process use); otherwise one is built from apiUrl and token. */
  client?: JobplaneClient | undefined;
  /** Aborting it gives up a startup still waiting for the API (startOperator then rejects). */
  signal?: AbortSignal | undefined;
}

export interface RunningOperator {
  /** The current executor id (it changes if the server forgot the executor and it registered again). */
  readonly executorId: string;
  readonly types: readonly string[];
  /**
   * Drains: stops claiming, lets running jobs finish within the grace period, then aborts the rest and fails them
   * as retryable, deregisters, resolves. Calling it again while it runs cuts the grace period short.
   */
  stop(opts?: { graceMs?: number }): Promise<void>;
}

export const OPERATOR_DEFAULTS = {
  slots: 2, graceMs: 30_000, heartbeatMs: 10_000, claimWaitMs: 20_000, abortGraceMs: 5_000, reportGraceMs: 10_000,
  idlePollMs: 1_000,
} as const;

/** Server calls made while stopping must not hold the shutdown for long. */
const SHUTDOWN_CALL_MS = 5_000;

/**
 * Starts a data-plane operator: registers an executor, then claims and runs jobs until `stop()`. Resolves once the
 * executor is registered (it waits, retrying, while the API is unreachable). The same code runs as
 * `jobplane operator` and inside `jobplane serve`; it talks to the control plane only through the HTTP client.
 */
export async function startOperator(opts: OperatorOptions): Promise<RunningOperator> {
  const cfg = { ...OPERATOR_DEFAULTS, ...definedOnly(opts) };
  const baseLog = opts.logger ?? pino({ level: process.env['LOG_LEVEL'] ?? 'info' });
  const log = baseLog.child({ component: 'operator', data_plane_id: opts.dataPlaneId });
  const client = opts.client ?? new JobplaneClient({ baseUrl: opts.apiUrl, token: opts.token });
  const resources = new SharedResources(log);
  const sweep = { ...ORPHAN_SWEEP_DEFAULTS, ...definedOnly(opts.orphanSweep || {}) };
  const env: HandlerEnv = {
    client, dataPlaneId: opts.dataPlaneId, storageRoot: path.resolve(opts.storageRoot ?? '.jobplane/storage'), log,
    attemptKeepAliveMs: keepAliveIntervalFor(sweep.ageMs),
    ...(opts.sparkRemote ? { spark: { remote: opts.sparkRemote, conf: opts.sparkConf } } : {}),
    shared: (key, open, close) => resources.get(key, open, close),
  };
  let registry: HandlerRegistry;
  try {
    registry = await buildRegistry(opts, env);
  } catch (err) {
    await resources.closeAll();
    throw err;
  }
  const types = registry.types();
  const outage = new OutageLog(log);
  let heartbeatMs: number = cfg.heartbeatMs;

  const session = new ExecutorSession({
    api: client, log, outage, backoff: opts.backoff,
    registration: {
      data_plane_id: opts.dataPlaneId, types, slots: cfg.slots,
      ...(opts.computePoolId ? { compute_pool_id: opts.computePoolId } : {}),
      ...(opts.name ? { name: opts.name } : {}),
    },
  });
  try {
    await session.register(opts.signal);
  } catch (err) {
    await resources.closeAll();
    throw err;
  }
  session.startHeartbeats(() => heartbeatMs);

  const giveUp = new AbortController();
  const loop = new ClaimLoop({
    api: client, session, dataPlaneId: opts.dataPlaneId, computePoolId: opts.computePoolId, types,
    slots: cfg.slots, waitMs: cfg.claimWaitMs, idlePollMs: cfg.idlePollMs, log, outage, backoff: opts.backoff,
    onTiming: (t) => {
      if (t.heartbeatMs) heartbeatMs = t.heartbeatMs;
    },
    createRunner: (job: Job, executor: string) => new JobRunner({
      api: client, job, executor, handler: registry.get(job.type), heartbeatMs, log, outage, backoff: opts.backoff,
      abortGraceMs: cfg.abortGraceMs, giveUp: giveUp.signal,
    }),
  });
  loop.start();
  const cancellations = new CancellationWatch({
    api: client, executorId: () => session.id, runners: () => loop.runners, waitMs: cfg.claimWaitMs, log, backoff: opts.backoff,
  });
  cancellations.start();
  // The sweep deletes the DuckDB plane's uncommitted snapshot directories; a Spark plane's staged Iceberg snapshots
  // are expired by its own reconcile (src/plane/spark/iceberg/reconcile.ts).
  const sweeper = opts.orphanSweep === false || opts.engine === 'spark' || (opts.orphanSweep === undefined && opts.builtins === false) ? undefined
    : new OrphanSweeper(client, env.storageRoot, sweep, log);
  sweeper?.start();
  log.info({ executor: session.id, types, slots: cfg.slots, compute_pool_id: opts.computePoolId ?? null }, 'operator started');

  let stopping: Promise<void> | undefined;
  const cutGrace = new AbortController();
  const stop = async (graceMs: number): Promise<void> => {
    log.info({ grace_ms: graceMs, running_jobs: loop.runners.length }, 'operator stopping: claiming nothing more');
    await Promise.all([loop.stop(), session.drain(SHUTDOWN_CALL_MS), sweeper?.stop()]);
    log.info({ running_jobs: loop.runners.length }, 'claiming stopped; waiting for running jobs');
    if (!(await loop.waitIdle(graceMs, cutGrace.signal))) {
      log.warn({ running_jobs: loop.runners.length }, 'grace period over: aborting running jobs; they will be retried');
      loop.abortAll('drain_timeout');
    }
    const hardStop = setTimeout(() => giveUp.abort(), cfg.abortGraceMs + cfg.reportGraceMs);
    await loop.settled();
    clearTimeout(hardStop);
    await cancellations.stop();
    await session.deregister(SHUTDOWN_CALL_MS);
    await resources.closeAll();
    log.info('operator stopped');
  };

  return {
    get executorId() {
      return session.id;
    },
    types,
    stop(stopOpts = {}) {
      if (stopping) {
        cutGrace.abort(); // asked again (a second SIGTERM): stop waiting for running jobs
        return stopping;
      }
      stopping = stop(stopOpts.graceMs ?? cfg.graceMs);
      return stopping;
    },
  };
}

/** `{a: undefined}` must not override a default when spread. */
function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
