import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../api/app.js';
import type { ServeConfig } from '../config.js';
import type { Db } from '../store/db/types.js';
import { openStore } from '../store/open.js';
import { bootstrap } from '../store/bootstrap.js';
import { acquireLock, updateLock } from './data-dir-lock.js';
import { adminSocketPath, startAdminSocket } from './admin-socket.js';
import { MaintenanceService } from './maintenance/maintenance-service.js';
import { RefreshScheduler } from './scheduler/refresh-scheduler.js';
import { WebhookDeliveryService } from './webhooks/delivery-service.js';
import { eventsConfigFromEnv } from './webhooks/webhook-config.js';
import { ensureSampleDataset, ensureSparkSampleDataset } from './sample-data.js';
import { dataPlaneGetById } from '../store/data-planes.js';
import type { Engine } from '../core/engines.js';
import { startInProcessOperator, type InProcessOperator } from './in-process-operator.js';
import { createLogger } from './logging.js';
import { startMetricsListener } from './metrics-listener.js';
import { reservePort } from './port-reservation.js';
import { ShutdownSequence, untilAborted } from './shutdown.js';
import { hideServerPath } from '../api/problems.js';
import { EmbeddedImporter } from '../plane/import/embedded-importer.js';
import { PlaneImporter } from './plane-importer.js';
import { SparkImporter } from './spark-importer.js';

/** Upload staging directories untouched this long belong to a server that died mid-upload. */
const STALE_UPLOAD_MS = 60 * 60_000;

export interface RunningServer {
  url: string;
  /** The unauthenticated metrics listener's URL (`JOBPLANE_METRICS_ADDR`), if any. */
  metricsUrl: string | undefined;
  app: FastifyInstance;
  db: Db;
  logger: Logger;
  /**
   * Stops within the drain grace period (`config.drainGraceMs` unless given): stops taking work (readyz 503,
   * long-polls answered), lets the in-process operator's running jobs and in-flight requests finish, closes idle
   * connections at once; when the grace is over, gives the operator's leases back and cuts the connections
   * left. Then background work, the database and the lock. Calling it again ends the grace period at once.
   */
  close(opts?: { graceMs?: number }): Promise<void>;
}

const RELEASE_WINDOW_MS = 1_000; // after the grace: how long an operator told to abort may take to fail its jobs itself

export async function startServer(
  config: ServeConfig, logger: Logger = createLogger({ level: config.logLevel, format: config.logFormat }),
): Promise<RunningServer> {
  // Before anything else (data dir, lock, database, admin token): the ports. A taken port fails here, changing nothing.
  const apiPort = await reservePort('the API', config.host, config.port, 'choose another port with --port or PORT');
  const metricsPort = config.metrics
    ? await reservePort('the metrics listener', config.metrics.host, config.metrics.port, 'choose another JOBPLANE_METRICS_ADDR')
      .catch(async (err: unknown) => { await apiPort.release(); throw err; })
    : undefined;
  const shutdown = new ShutdownSequence(logger);
  const step = (what: string | (() => string), run: (graceOver: AbortSignal) => Promise<unknown>) =>
    shutdown.add({ what: typeof what === 'string' ? () => what : what, run });
  step('the port reservations', async () => { await apiPort.release(); await metricsPort?.release(); });
  let graceMs = config.drainGraceMs;
  let graceStarted = 0;
  const graceLeft = () => Math.max(0, graceMs - (Date.now() - graceStarted));
  const embedded = !config.databaseUrl;
  try {
    await mkdir(config.dataDir, { recursive: true });
    hideServerPath(config.dataDir);
    hideServerPath(config.storageDir);
    // The embedded database belongs to one process: refuse a second serve before touching its files.
    const releaseLock = embedded ? await acquireLock(config.dataDir, { kind: 'serve' }) : async () => {};
    step('the data dir lock', releaseLock);
    const db = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: config.pgPoolSize });
    step('the database', () => db.close());
    const boot = await bootstrap(db, { engine: config.engine });
    await checkDefaultPlaneEngine(db, boot.dataPlaneId, config.engine);
    if (boot.adminToken) {
      const file = path.join(config.dataDir, 'admin-token');
      await writeFile(file, `${boot.adminToken}\n`, { mode: 0o600 });
      // Printed once, on the very first start; afterwards only the 0600 file has it.
      process.stderr.write(`\nAdmin token (shown once, also written to ${file}):\n${boot.adminToken}\n\n`);
    }
    const retry = { baseMs: config.retryBaseMs, maxMs: config.retryMaxMs };
    // The storage dir holds the default data plane's files (the sample dataset, the in-process operator's
    // snapshots), so this server can import files into that plane's datasets.
    // On a Spark plane the upload is converted the same way, then loaded by Spark into the dataset's Iceberg table
    // (src/server/spark-importer.ts; docs/spark.md, "Imports").
    const importer = new EmbeddedImporter({ dataPlaneId: boot.dataPlaneId, storageRoot: config.storageDir });
    step('the import engine', () => importer.close());
    await importer.sweepStaging(STALE_UPLOAD_MS);
    const planeImporter = config.engine === 'spark' ? await sparkImporter(db, importer, config, step) : new PlaneImporter(importer);
    // The event feed and webhook settings (JOBPLANE_EVENTS_*, JOBPLANE_WEBHOOK_*; docs/events.md).
    const events = eventsConfigFromEnv(process.env);
    const app = await buildApp({
      db, logger: logger.child({ component: 'api' }), importer: planeImporter,
      config: {
        leaseMs: config.leaseMs, heartbeatMs: config.heartbeatMs, bodyLimit: config.bodyLimit, retry,
        extraJobTypes: config.extraJobTypes, importLimitBytes: config.importLimitBytes,
        runBatchMax: config.runBatchMax,
        eventsPollMs: events.eventsPollMs, webhookUrlPolicy: events.delivery.policy,
      },
    });
    const inFlight = trackRequests(app);
    step(() => `in-flight HTTP requests (${inFlight.count} now) and the HTTP server`, (graceOver) => closeHttp(app, inFlight, graceOver, logger));
    // Not ready until the sample dataset exists and the operator runs: a client told "ready" may use both at once.
    if (config.sampleData || config.operator) app.readiness.starting = 'starting up';
    const maintenance = new MaintenanceService(db, app.signals, {
      intervalMs: config.maintenanceIntervalMs, retry, executorSilenceMs: Math.max(config.leaseMs * 3, 60_000),
      retentionMs: config.jobRetentionDays * 86_400_000,
    }, logger.child({ component: 'maintenance' }), app.metrics, app.effects);
    maintenance.start();
    step('the maintenance pass', () => maintenance.stop());
    const scheduler = new RefreshScheduler(db, { intervalMs: config.schedulerIntervalMs }, logger.child({ component: 'scheduler' }), app.effects);
    scheduler.start();
    step('the refresh scheduler', () => scheduler.stop());
    const webhooks = new WebhookDeliveryService({
      db, feed: app.eventFeed, config: events.delivery, logger: logger.child({ component: 'webhooks' }), metrics: app.metrics,
    });
    // Started once the server is ready (below): a process still starting up would time its first attempts out.
    step('the webhook deliveries in flight', () => webhooks.stop());
    await apiPort.release();
    await app.listen({ port: config.port, host: config.host });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    let metricsUrl: string | undefined;
    if (config.metrics && metricsPort) {
      await metricsPort.release();
      const listener = await startMetricsListener(app.metrics.registry, config.metrics.host, config.metrics.port);
      step('the metrics listener', () => listener.close());
      metricsUrl = listener.url;
    }

    if (embedded) {
      const socket = adminSocketPath(config.dataDir);
      const admin = await startAdminSocket(db, socket);
      step('the admin socket', () => admin.close());
      await updateLock(config.dataDir, { kind: 'serve', url, adminSocket: socket });
    }
    if (config.sampleData) {
      app.readiness.starting = 'preparing the sample dataset';
      const sample = {
        companyId: boot.companyId, dataPlaneId: boot.dataPlaneId, storageRoot: config.storageDir, rows: config.sampleRows,
        logger: logger.child({ component: 'sample-data' }),
      };
      if (config.engine === 'spark') await ensureSparkSampleDataset(db, { ...sample, remote: config.sparkRemote!, conf: config.sparkConf });
      else await ensureSampleDataset(db, sample);
    }
    if (config.operator) {
      app.readiness.starting = 'starting the data-plane operator';
      const operator = await startInProcessOperator(db, url, boot, config, logger);
      // Stopped first (steps run in reverse): it drains its jobs while the API still answers its reports.
      step('the in-process operator (its running jobs, then deregistering, which gives back its leases)',
        (graceOver) => stopOperator(operator, graceLeft, graceOver, logger));
    }
    // The first step of a stop: load balancers see /readyz 503 and long-polls answer now, while the operator drains.
    step('nothing: no longer ready (/readyz answers 503, long-polls answer at once)', async () => app.closing.abort());
    app.readiness.starting = null;
    webhooks.start();
    logger.info({ url, database: db.kind, dataDir: config.dataDir, storage: config.storageDir, ...(metricsUrl ? { metrics: metricsUrl } : {}) }, 'jobplane serving');
    return {
      url, metricsUrl, app, db, logger,
      close: (opts = {}) => {
        if (!graceStarted) {
          graceStarted = Date.now();
          graceMs = opts.graceMs ?? graceMs;
        }
        return shutdown.run(graceMs);
      },
    };
  } catch (err) {
    await shutdown.run(0, { quiet: true }); // undo what started, in reverse; the error says why
    throw err;
  }
}

/** The in-process operator's drain, bounded by the grace period; past it, its leases are given back directly. */
async function stopOperator(operator: InProcessOperator, graceLeft: () => number, graceOver: AbortSignal, logger: Logger): Promise<void> {
  const stopping = operator.stop({ graceMs: graceLeft() });
  stopping.catch(() => {}); // awaited below, or abandoned (its late failure is moot once the leases are released)
  const cut = () => void operator.stop(); // the operator aborts its running jobs at once
  graceOver.addEventListener('abort', cut, { once: true });
  try {
    const outcome = await untilAborted(stopping, graceOver, RELEASE_WINDOW_MS);
    if (outcome.done) return;
    const { released } = await operator.abandon();
    logger.warn({ released_jobs: released }, 'the in-process operator did not finish within the grace period: its leases were released; the jobs will run again');
  } finally {
    graceOver.removeEventListener('abort', cut);
  }
}

interface RequestCount {
  readonly count: number;
}

function trackRequests(app: FastifyInstance): RequestCount {
  const counter = { count: 0 };
  app.server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    counter.count++;
    res.once('close', () => { counter.count--; });
  });
  return counter;
}

/**
 * Closes the HTTP server: no new connections; idle keep-alive connections closed at once (and each one as it
 * turns idle, since a client may send one more request on it meanwhile); in-flight requests finish within the
 * grace period, after which the connections left are cut.
 */
async function closeHttp(app: FastifyInstance, inFlight: RequestCount, graceOver: AbortSignal, logger: Logger): Promise<void> {
  const closing = app.close();
  const reaper = setInterval(() => app.server.closeIdleConnections(), 50);
  const report = setInterval(() => {
    if (inFlight.count > 0) logger.info(`shutdown: waiting for ${inFlight.count} in-flight HTTP request(s)`);
  }, 2_000);
  try {
    const outcome = await untilAborted(closing, graceOver);
    if (outcome.done) return;
    logger.warn({ requests: inFlight.count }, 'grace period over: closing the HTTP connections still in use');
    app.server.closeAllConnections();
    await closing;
  } finally {
    clearInterval(reaper);
    clearInterval(report);
  }
}

/** The Spark plane's importer: one Spark Connect channel, opened at the first import, closed at shutdown. */
async function sparkImporter(
  db: Db, importer: EmbeddedImporter, config: ServeConfig, step: (what: string, run: () => Promise<unknown>) => void,
): Promise<SparkImporter> {
  let connect: Promise<import('../plane/spark/spark-connect.js').SparkConnect> | undefined;
  step('the Spark Connect channel of imports', async () => (await connect?.catch(() => undefined))?.close());
  return new SparkImporter(new PlaneImporter(importer), config.storageDir, db, () => {
    connect ??= import('../plane/spark/spark-connect.js').then(({ SparkConnect }) => SparkConnect.open(config.sparkRemote!, { sessionConf: config.sparkConf }));
    connect.catch(() => { connect = undefined; });
    return connect;
  });
}

/** The in-process operator runs the default plane's engine: an install keeps the engine it was created with. */
async function checkDefaultPlaneEngine(db: Db, dataPlaneId: string, engine: Engine): Promise<void> {
  const plane = await dataPlaneGetById(db, dataPlaneId);
  if (plane && plane.engine !== engine) {
    throw new Error(`this install's default data plane runs on ${plane.engine}; start it with --engine ${plane.engine} (or JOBPLANE_ENGINE=${plane.engine})`);
  }
}
