import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pino, { type Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../api/app.js';
import type { ServeConfig } from '../config.js';
import type { Db } from '../store/db/types.js';
import { openStore } from '../store/open.js';
import { bootstrap } from '../store/bootstrap.js';
import { acquireLock, updateLock } from './data-dir-lock.js';
import { adminSocketPath, startAdminSocket } from './admin-socket.js';
import { MaintenanceService } from './maintenance/maintenance-service.js';
import { ensureSampleDataset } from './sample-data.js';
import { startInProcessOperator } from './in-process-operator.js';
import { EmbeddedImporter } from '../plane/import/embedded-importer.js';

/** Upload staging directories untouched this long belong to a server that died mid-upload. */
const STALE_UPLOAD_MS = 60 * 60_000;

export interface RunningServer {
  url: string;
  app: FastifyInstance;
  db: Db;
  logger: Logger;
  /** Stops accepting, finishes in-flight requests, stops background work, closes the database. */
  close(): Promise<void>;
}

export async function startServer(config: ServeConfig, logger: Logger = pino({ level: config.logLevel })): Promise<RunningServer> {
  const embedded = !config.databaseUrl;
  await mkdir(config.dataDir, { recursive: true });
  // The embedded database belongs to one process: refuse a second serve before touching its files.
  const releaseLock = embedded ? await acquireLock(config.dataDir, { kind: 'serve' }) : async () => {};
  const cleanups: Array<() => Promise<unknown>> = [releaseLock];
  const runCleanups = async () => {
    for (const fn of cleanups.reverse()) await fn().catch((err) => logger.error({ err }, 'shutdown step failed'));
  };
  try {
    const db = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: config.pgPoolSize });
    cleanups.push(() => db.close());
    const boot = await bootstrap(db);
    if (boot.adminToken) {
      const file = path.join(config.dataDir, 'admin-token');
      await writeFile(file, `${boot.adminToken}\n`, { mode: 0o600 });
      // Printed once, on the very first start; afterwards only the 0600 file has it.
      process.stderr.write(`\nAdmin token (shown once, also written to ${file}):\n${boot.adminToken}\n\n`);
    }
    const retry = { baseMs: config.retryBaseMs, maxMs: config.retryMaxMs };
    // The storage dir holds the default data plane's files (the sample dataset, the in-process operator's
    // snapshots), so this server can import files into that plane's datasets.
    const importer = new EmbeddedImporter({ dataPlaneId: boot.dataPlaneId, storageRoot: config.storageDir });
    cleanups.push(() => importer.close());
    await importer.sweepStaging(STALE_UPLOAD_MS);
    const app = await buildApp({
      db, logger: logger.child({ component: 'api' }), importer,
      config: {
        leaseMs: config.leaseMs, heartbeatMs: config.heartbeatMs, bodyLimit: config.bodyLimit, retry,
        extraJobTypes: config.extraJobTypes, importLimitBytes: config.importLimitBytes,
        runBatchMax: config.runBatchMax,
      },
    });
    cleanups.push(() => app.close());
    // Not ready until the sample dataset exists and the operator runs: a client told "ready" may use both at once.
    if (config.sampleData || config.operator) app.readiness.starting = 'starting up';
    const maintenance = new MaintenanceService(db, app.signals, {
      intervalMs: config.maintenanceIntervalMs, retry, executorSilenceMs: Math.max(config.leaseMs * 3, 60_000),
      retentionMs: config.jobRetentionDays * 86_400_000,
    }, logger.child({ component: 'maintenance' }), app.metrics);
    maintenance.start();
    cleanups.push(() => maintenance.stop());
    await app.listen({ port: config.port, host: config.host });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;

    if (embedded) {
      const socket = adminSocketPath(config.dataDir);
      const admin = await startAdminSocket(db, socket);
      cleanups.push(() => admin.close());
      await updateLock(config.dataDir, { kind: 'serve', url, adminSocket: socket });
    }
    if (config.sampleData) {
      app.readiness.starting = 'preparing the sample dataset';
      await ensureSampleDataset(db, {
        companyId: boot.companyId, dataPlaneId: boot.dataPlaneId, storageRoot: config.storageDir, rows: config.sampleRows,
        logger: logger.child({ component: 'sample-data' }),
      });
    }
    if (config.operator) {
      app.readiness.starting = 'starting the data-plane operator';
      const operator = await startInProcessOperator(db, url, boot, config, logger);
      // Stopped first (cleanups run in reverse): it drains its jobs while the API still answers.
      cleanups.push(() => operator.stop());
    }
    app.readiness.starting = null;
    logger.info({ url, database: db.kind, dataDir: config.dataDir, storage: config.storageDir }, 'jobplane serving');
    let closing: Promise<void> | undefined;
    return {
      url, app, db, logger,
      close: () => (closing ??= runCleanups()),
    };
  } catch (err) {
    await runCleanups();
    throw err;
  }
}
