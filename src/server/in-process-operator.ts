import type { Logger } from 'pino';
import { orphanSweepFromEnv, type ServeConfig } from '../config.js';
import { ALL_PERMISSIONS } from '../core/permissions.js';
import type { Db } from '../store/db/types.js';
import { tokenCreate, tokenRevoke } from '../store/tokens.js';
import { startOperator } from '../plane/operator/index.js';

/**
 * The data-plane operator inside `jobplane serve`: the same code as `jobplane operator`, talking to this server
 * over loopback HTTP with its own operator token (bound to the default plane, minted at start, revoked at stop),
 * so the embedded setup exercises exactly the protocol a remote data plane uses.
 */
export async function startInProcessOperator(
  db: Db, url: string, boot: { companyId: number; dataPlaneId: string }, config: ServeConfig, logger: Logger,
): Promise<{ stop(): Promise<void> }> {
  const { record, token } = await tokenCreate(db, {
    companyId: boot.companyId, userId: null, name: `in-process operator (pid ${process.pid})`,
    permissions: ALL_PERMISSIONS.filter((p) => p.resource === 'jobs' || p.resource === 'data-planes' || p.resource === 'datasets'),
    dataPlaneId: boot.dataPlaneId, expiresAt: null,
  });
  const operator = await startOperator({
    apiUrl: url, token, dataPlaneId: boot.dataPlaneId, slots: config.operatorSlots, storageRoot: config.storageDir,
    heartbeatMs: config.heartbeatMs, name: 'in-process', logger, orphanSweep: orphanSweepFromEnv(process.env),
  });
  return {
    async stop() {
      await operator.stop();
      await tokenRevoke(db, boot.companyId, record.id);
    },
  };
}
