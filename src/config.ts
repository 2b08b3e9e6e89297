import path from 'node:path';
import { resolveLogFormat, type LogFormat } from './server/logging.js';
import { DEFAULT_ENGINE, ENGINES, isEngine, type Engine } from './core/engines.js';
import { parseSparkConf } from './plane/spark/spark-conf.js';

/** Everything `jobplane serve` can be told, from flags first, then environment, then defaults. */
export interface ServeConfig {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  leaseMs: number;
  heartbeatMs: number;
  bodyLimit: number;
  logLevel: string;
  /** Run the in-process data-plane operator (`--no-operator` turns it off). */
  operator: boolean;
  /** Job types accepted beyond the built-in ones (`JOBPLANE_EXTRA_JOB_TYPES=a,b`). */
  extraJobTypes: string[];
  retryBaseMs: number;
  retryMaxMs: number;
  maintenanceIntervalMs: number;
  /** How often each server's refresh scheduler looks for due ticks (`JOBPLANE_SCHEDULER_MS`, default 1 s). */
  schedulerIntervalMs: number;
  /** PostgreSQL connections per server (`JOBPLANE_PG_POOL`). */
  pgPoolSize: number;
  /** Where the local data plane keeps dataset files (`JOBPLANE_STORAGE_DIR`, default `<data dir>/storage`). */
  storageDir: string;
  /** Create the sample dataset 6402 on an empty install (`JOBPLANE_SAMPLE_DATA=false` turns it off). */
  sampleData: boolean;
  sampleRows: number;
  /** Shared jobs the in-process operator runs at once (`JOBPLANE_OPERATOR_SLOTS`). */
  operatorSlots: number;
  /** Largest upload the import endpoints accept, all files together (`JOBPLANE_IMPORT_LIMIT`, bytes, default 10 GiB). */
  importLimitBytes: number;
  /** Days after which finished jobs are deleted with their events (`JOBPLANE_JOB_RETENTION_DAYS`, 30; 0 = never). */
  jobRetentionDays: number;
  /** Most concurrent `run` requests written as one statement (`JOBPLANE_RUN_BATCH_MAX`, default 64; 1 = off). */
  runBatchMax: number;
  /**
   * On SIGTERM/SIGINT, how long running jobs of the in-process operator and in-flight requests may finish before
   * the server releases the leases it holds and exits (`--grace`, `JOBPLANE_DRAIN_GRACE_MS`, default 10 s).
   */
  drainGraceMs: number;
  /** `pretty` (one line per event) or `json` lines (`--log-format`, `JOBPLANE_LOG_FORMAT`; default: pretty on a TTY). */
  logFormat: LogFormat;
  /** Also serve `/metrics` without a token on this address (`JOBPLANE_METRICS_ADDR=host:port`); unset = no listener. */
  metrics: { host: string; port: number } | undefined;
  /**
   * The engine of the default data plane of a new install (`--engine`, `JOBPLANE_ENGINE`, default duckdb). `spark`
   * runs its jobs on the Spark cluster at `sparkRemote` (`--spark-remote`, `JOBPLANE_SPARK_REMOTE`), with
   * `sparkConf` set on every session (`JOBPLANE_SPARK_CONF=key=value;...`). See docs/spark.md.
   */
  engine: Engine;
  sparkRemote: string | undefined;
  sparkConf: Record<string, string>;
}

export interface ServeFlags {
  port?: string | undefined;
  host?: string | undefined;
  dataDir?: string | undefined;
  operator?: boolean | undefined;
  grace?: string | undefined;
  logFormat?: string | undefined;
  engine?: string | undefined;
  sparkRemote?: string | undefined;
}

/** `host:port`, `:port` or `[v6]:port` (JOBPLANE_METRICS_ADDR); the host defaults to 127.0.0.1. */
export function parseListenAddress(name: string, text: string): { host: string; port: number } {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:\s]*)):(\d{1,5})$/.exec(text.trim());
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65_535) throw new Error(`${name} must be host:port (e.g. 127.0.0.1:9464), got "${text}"`);
  return { host: match[1] ?? (match[2] || '127.0.0.1'), port };
}

function intFrom(name: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new Error(`${name} must be an integer between ${min} and ${max}, got "${text}"`);
  }
  return n;
}

export function resolveServeConfig(flags: ServeFlags, env: NodeJS.ProcessEnv = process.env, isTty = process.stdout.isTTY === true): ServeConfig {
  const leaseMs = intFrom('JOBPLANE_LEASE_MS', env['JOBPLANE_LEASE_MS'], 30_000, 1_000, 3_600_000);
  const heartbeatMs = intFrom('JOBPLANE_HEARTBEAT_MS', env['JOBPLANE_HEARTBEAT_MS'], Math.min(10_000, Math.floor(leaseMs / 3)), 100, leaseMs);
  if (heartbeatMs * 2 > leaseMs) {
    throw new Error(`JOBPLANE_HEARTBEAT_MS (${heartbeatMs}) must be at most half of JOBPLANE_LEASE_MS (${leaseMs}), or leases expire between beats`);
  }
  return {
    port: intFrom('--port/PORT', flags.port ?? env['PORT'], 8080, 0, 65_535),
    host: flags.host ?? env['HOST'] ?? '127.0.0.1',
    dataDir: path.resolve(flags.dataDir ?? env['JOBPLANE_DATA_DIR'] ?? './.jobplane'),
    databaseUrl: env['DATABASE_URL'] || undefined,
    leaseMs,
    heartbeatMs,
    bodyLimit: intFrom('JOBPLANE_BODY_LIMIT', env['JOBPLANE_BODY_LIMIT'], 1024 * 1024, 1024, 1024 * 1024 * 1024),
    logLevel: env['LOG_LEVEL'] ?? 'info',
    operator: flags.operator ?? env['JOBPLANE_OPERATOR'] !== 'false',
    extraJobTypes: (env['JOBPLANE_EXTRA_JOB_TYPES'] ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    retryBaseMs: intFrom('JOBPLANE_RETRY_BASE_MS', env['JOBPLANE_RETRY_BASE_MS'], 1_000, 0, 86_400_000),
    retryMaxMs: intFrom('JOBPLANE_RETRY_MAX_MS', env['JOBPLANE_RETRY_MAX_MS'], 300_000, 0, 86_400_000),
    storageDir: path.resolve(env['JOBPLANE_STORAGE_DIR'] ?? path.join(flags.dataDir ?? env['JOBPLANE_DATA_DIR'] ?? './.jobplane', 'storage')),
    sampleData: env['JOBPLANE_SAMPLE_DATA'] !== 'false',
    sampleRows: intFrom('JOBPLANE_SAMPLE_ROWS', env['JOBPLANE_SAMPLE_ROWS'], 1_000_000, 1, 100_000_000),
    importLimitBytes: intFrom('JOBPLANE_IMPORT_LIMIT', env['JOBPLANE_IMPORT_LIMIT'], 10 * 1024 ** 3, 1, Number.MAX_SAFE_INTEGER),
    operatorSlots: intFrom('JOBPLANE_OPERATOR_SLOTS', env['JOBPLANE_OPERATOR_SLOTS'], 2, 1, 64),
    jobRetentionDays: intFrom('JOBPLANE_JOB_RETENTION_DAYS', env['JOBPLANE_JOB_RETENTION_DAYS'], 30, 0, 36_500),
    runBatchMax: intFrom('JOBPLANE_RUN_BATCH_MAX', env['JOBPLANE_RUN_BATCH_MAX'], 64, 1, 1000),
    pgPoolSize: intFrom('JOBPLANE_PG_POOL', env['JOBPLANE_PG_POOL'], 20, 2, 1000),
    maintenanceIntervalMs: intFrom('JOBPLANE_MAINTENANCE_MS', env['JOBPLANE_MAINTENANCE_MS'], 1_000, 50, 600_000),
    schedulerIntervalMs: intFrom('JOBPLANE_SCHEDULER_MS', env['JOBPLANE_SCHEDULER_MS'], 1_000, 50, 600_000),
    drainGraceMs: intFrom('--grace/JOBPLANE_DRAIN_GRACE_MS', flags.grace ?? env['JOBPLANE_DRAIN_GRACE_MS'], 10_000, 0, 3_600_000),
    logFormat: resolveLogFormat(flags.logFormat, env, isTty),
    metrics: env['JOBPLANE_METRICS_ADDR'] ? parseListenAddress('JOBPLANE_METRICS_ADDR', env['JOBPLANE_METRICS_ADDR']) : undefined,
    ...engineConfig(flags, env),
  };
}

function engineConfig(flags: ServeFlags, env: NodeJS.ProcessEnv): Pick<ServeConfig, 'engine' | 'sparkRemote' | 'sparkConf'> {
  const engine = flags.engine ?? (env['JOBPLANE_ENGINE'] || DEFAULT_ENGINE);
  if (!isEngine(engine)) throw new Error(`--engine/JOBPLANE_ENGINE must be one of ${ENGINES.join(', ')}, got "${engine}"`);
  const sparkRemote = flags.sparkRemote ?? (env['JOBPLANE_SPARK_REMOTE'] || undefined);
  if (engine === 'spark' && !sparkRemote) throw new Error('--engine spark needs --spark-remote sc://host:port (or JOBPLANE_SPARK_REMOTE)');
  return { engine, sparkRemote, sparkConf: parseSparkConf(env['JOBPLANE_SPARK_CONF']) };
}

/** The operator's orphan sweep (`JOBPLANE_SWEEP_MS`, `JOBPLANE_ORPHAN_AGE_MS`); unset keeps the operator's defaults. */
export function orphanSweepFromEnv(env: NodeJS.ProcessEnv = process.env): { intervalMs?: number; ageMs?: number } | undefined {
  const intervalMs = intFrom('JOBPLANE_SWEEP_MS', env['JOBPLANE_SWEEP_MS'], 0, 100, 86_400_000);
  const ageMs = intFrom('JOBPLANE_ORPHAN_AGE_MS', env['JOBPLANE_ORPHAN_AGE_MS'], 0, 1_000, 30 * 86_400_000);
  // Neither set: undefined, so that the operator's own default applies (on only with the built-in handlers).
  if (!intervalMs && !ageMs) return undefined;
  return { ...(intervalMs ? { intervalMs } : {}), ...(ageMs ? { ageMs } : {}) };
}
