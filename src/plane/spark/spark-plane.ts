/**
 * What the Spark plane's handlers share for the operator's lifetime: one Spark Connect channel (each job opens its
 * own session on it), the control-plane reads they need, and the publishes still running after completions (the
 * operator waits for them before it closes the channel).
 */
import type { Logger } from 'pino';
import { isNotFound } from '../../client/errors.js';
import type { DatasetCatalog } from '../handlers/data-plane.js';
import type { HandlerEnv } from '../operator/types.js';
import { SparkConnect } from './spark-connect.js';
import { parseSparkConf, NQL_SPARK_SESSION_CONF } from './spark-conf.js';

export interface SparkPlane {
  connect: SparkConnect;
  catalog: DatasetCatalog;
  /** true/false from the control plane; undefined when it could not be asked (outage: keep everything). */
  isCommitted(datasetId: number, snapshotId: number): Promise<boolean | undefined>;
  /** Tables whose namespace and properties this operator has seen right (IcebergTable.ensure). */
  checkedTables: Set<string>;
  /** Table locations (DESCRIBE TABLE EXTENDED), by dataset id: they do not move. */
  locations: Map<number, string>;
  /** Waits (up to JOBPLANE_SPARK_CONNECT_WAIT_MS, 2 min) for the Spark Connect server before a job starts. */
  ready(signal: AbortSignal): Promise<void>;
  /** Staged snapshots of attempts that never completed are expired once older than this (ms). */
  orphanAgeMs: number;
  log: Logger;
  /** Runs `work` in the background (a publish after a completion) and keeps the channel open until it ends. */
  background(what: string, work: () => Promise<unknown>): void;
}

/** Well above the lease (60 s by default), like the DuckDB plane's orphan age: a live attempt is never expired. */
export const DEFAULT_ORPHAN_AGE_MS = 15 * 60_000;

export function sparkRemoteOf(env: HandlerEnv): string {
  const remote = env.spark?.remote ?? process.env['JOBPLANE_SPARK_REMOTE'];
  if (!remote) throw new Error('a Spark plane needs its cluster: --spark-remote sc://host:port (or env JOBPLANE_SPARK_REMOTE)');
  return remote;
}

export async function sparkPlane(env: HandlerEnv): Promise<SparkPlane> {
  const pending = new Set<Promise<unknown>>();
  const connect = await env.shared('spark-connect', () => SparkConnect.open(sparkRemoteOf(env), {
    // NQL's session semantics first; an operator's own settings (--spark-conf) may change them knowingly.
    sessionConf: { ...NQL_SPARK_SESSION_CONF, ...(env.spark?.conf ?? parseSparkConf(process.env['JOBPLANE_SPARK_CONF'])) },
  }), async (c) => {
    await Promise.allSettled([...pending]);
    c.close();
  });
  const log = env.log.child({ engine: 'spark' });
  const ageEnv = Number(process.env['JOBPLANE_ORPHAN_AGE_MS']);
  const waitEnv = Number(process.env['JOBPLANE_SPARK_CONNECT_WAIT_MS']);
  const connectWaitMs = Number.isInteger(waitEnv) && waitEnv > 0 ? waitEnv : 120_000;
  return {
    connect,
    catalog: {
      dataset: async (id, signal) => (await env.client.getDataset(id, signal ? { signal } : {})) as never,
      snapshot: async (datasetId, snapshotId, signal) =>
        (await env.client.getSnapshot(datasetId, snapshotId, signal ? { signal } : {})) as never,
    },
    async isCommitted(datasetId, snapshotId) {
      try {
        await env.client.getSnapshot(datasetId, snapshotId, { timeoutMs: 10_000 });
        return true;
      } catch (err) {
        return isNotFound(err) ? false : undefined;
      }
    },
    ready: (signal) => connect.waitForReady(connectWaitMs, signal),
    checkedTables: new Set(),
    locations: new Map(),
    orphanAgeMs: Number.isInteger(ageEnv) && ageEnv > 0 ? ageEnv : DEFAULT_ORPHAN_AGE_MS,
    log,
    background(what, work) {
      const p = work().catch((err: unknown) => log.warn({ err }, `${what} failed; the next reconcile of the table retries it`));
      pending.add(p);
      void p.finally(() => pending.delete(p));
    },
  };
}
