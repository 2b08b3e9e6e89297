import type { Logger } from 'pino';
import { orphanSweepFromEnv, type ServeConfig } from '../config.js';
import { OPERATOR_PERMISSIONS } from '../core/permissions.js';
import type { Db } from '../store/db/types.js';
import { executorDelete } from '../store/executors.js';
import { tokenCreate, tokenRevoke } from '../store/tokens.js';
import { startOperator } from '../plane/operator/index.js';

/**
 * The data-plane operator inside `jobplane serve`: the same code as `jobplane operator`, talking to this server
 * over loopback HTTP with its own operator token (bound to the default plane, minted at start, revoked at stop),
 * so the embedded setup exercises exactly the protocol a remote data plane uses.
 */
export interface InProcessOperator {
  /** Its executor: serve's shutdown releases this executor's leases itself if the operator outlives the grace. */
  readonly executorId: string;
  /** Drains within `graceMs` (stop claiming, let jobs finish, fail the rest as retryable, deregister); again: cut short. */
  stop(opts?: { graceMs?: number }): Promise<void>;
  /**
   * For an operator still stopping when the grace period is over: gives its running jobs back at once (deregisters
   * its executor in the database: running -> pending, its lease stale) and revokes its token, without the API.
   */
  abandon(): Promise<{ released: number }>;
}

export async function startInProcessOperator(
  db: Db, url: string, boot: { companyId: number; dataPlaneId: string }, config: ServeConfig, logger: Logger,
): Promise<InProcessOperator> {
  const { record, token } = await tokenCreate(db, {
    companyId: boot.companyId, userId: null, name: `in-process operator (pid ${process.pid})`,
    permissions: [...OPERATOR_PERMISSIONS],
    dataPlaneId: boot.dataPlaneId, expiresAt: null,
  });
  const operator = await startOperator({
    apiUrl: url, token, dataPlaneId: boot.dataPlaneId, slots: config.operatorSlots, storageRoot: config.storageDir,
    heartbeatMs: config.heartbeatMs, name: 'in-process', logger, orphanSweep: orphanSweepFromEnv(process.env),
    engine: config.engine, sparkRemote: config.sparkRemote, sparkConf: config.sparkConf,
  });
  let stopping: Promise<void> | undefined;
  return {
    get executorId() {
      return operator.executorId;
    },
    stop(opts = {}) {
      if (stopping) {
        void operator.stop(); // asked again: the operator stops waiting for its running jobs
        return stopping;
      }
      stopping = (async () => {
        try {
          await operator.stop(opts);
        } finally {
          await tokenRevoke(db, boot.companyId, record.id);
        }
      })();
      return stopping;
    },
    async abandon() {
      const gone = await executorDelete(db, operator.executorId, { type: 'process', name: 'serve shutdown' });
      await tokenRevoke(db, boot.companyId, record.id);
      return { released: gone?.released ?? 0 };
    },
  };
}
