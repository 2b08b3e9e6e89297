import { configuredMemoryLimit, DuckEngine } from '../engine/duckdb-engine.js';
import type { HandlerEnv } from '../operator/types.js';
import type { DataPlaneResources, DatasetCatalog } from './data-plane.js';


/**
 * The data plane's resources for the built-in handlers, one DuckDB engine per operator (shared by its jobs, each
 * on its own session). File access is limited to the plane's storage root: compiled SQL cannot name files anyway
 * (the NQL compiler refuses table functions), this is the second wall.
 */
export async function planeResources(env: HandlerEnv): Promise<DataPlaneResources> {
  const engine = await env.shared('duckdb', async () => {
    const opened = await DuckEngine.open({ allowedDirectories: [env.storageRoot], memoryLimit: configuredMemoryLimit() });
    // DuckDB 1.5.6 merges `t + INTERVAL '30' DAY` with `t + INTERVAL '1' MONTH` in this optimizer and returns wrong
    // rows (test/nql/compile-duckdb.test.ts); correctness first.
    await opened.run(`SET GLOBAL disabled_optimizers = 'common_subexpressions'`);
    return opened;
  }, (e) => e.close());
  const catalog: DatasetCatalog = {
    dataset: async (id, signal) => (await env.client.getDataset(id, signal ? { signal } : {})) as never,
    snapshot: async (datasetId, snapshotId, signal) =>
      (await env.client.getSnapshot(datasetId, snapshotId, signal ? { signal } : {})) as never,
  };
  return { engine, storageRoot: env.storageRoot, catalog, attemptKeepAliveMs: env.attemptKeepAliveMs };
}
