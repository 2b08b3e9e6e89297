import { clusterStatus, localClusterConfig, startLocalCluster, stopLocalCluster } from '../../src/plane/spark/cluster/local-cluster.js';

/**
 * The Spark suite's cluster: JOBPLANE_SPARK_REMOTE names one that runs already (then nothing is started), else the
 * local standalone cluster of `jobplane spark up` is used if it is up, and started (and stopped afterwards) if not.
 */
export default async function setup() {
  if (process.env['JOBPLANE_SPARK_REMOTE']) return;
  const config = localClusterConfig();
  const status = await clusterStatus(config);
  if (status.connect.reachable && status.master.alive_workers >= 2) return;
  await startLocalCluster(config, (line) => process.stderr.write(`[spark] ${line}\n`));
  return async () => {
    if (process.env['JOBPLANE_SPARK_KEEP'] !== 'true') await stopLocalCluster(config, undefined, (line) => process.stderr.write(`[spark] ${line}\n`));
  };
}
