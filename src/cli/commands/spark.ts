import type { Command } from 'commander';

/**
 * `jobplane spark setup|up|down|status`: the development/CI Spark cluster (docs/spark.md). The Spark modules are
 * imported when a subcommand runs, so the rest of the CLI never loads them.
 */
export function registerSpark(program: Command): void {
  const spark = program
    .command('spark')
    .description('a local standalone Spark cluster (master, two workers, Spark Connect with the narrative Iceberg catalog) for a Spark data plane');
  const say = (line: string) => process.stderr.write(`${line}\n`);

  spark
    .command('setup')
    .description('fetch Spark, Spark Connect and the Iceberg runtime from Maven Central into spark/home (needs mvn and a JDK 17+)')
    .action(async () => {
      const { ensureSparkHome, sparkLayout } = await import('../../plane/spark/cluster/spark-home.js');
      const layout = sparkLayout();
      await ensureSparkHome(layout, say);
      say(`Spark home ready: ${layout.home}`);
    });

  spark
    .command('up')
    .description('start the cluster (whatever part is not running) and wait until Spark Connect answers; prints its sc:// remote')
    .action(async () => {
      const { startLocalCluster, localClusterConfig, connectRemoteOf } = await import('../../plane/spark/cluster/local-cluster.js');
      const config = localClusterConfig();
      const status = await startLocalCluster(config, say);
      say(`Spark cluster up: ${status.workers.length} workers, ${status.connect.executors} executors, master UI ${status.master.ui}`);
      process.stdout.write(`${connectRemoteOf(config)}\n`);
    });

  spark
    .command('down')
    .description('stop the cluster: the Spark Connect server, the workers (and their executors), the master')
    .action(async () => {
      const { stopLocalCluster, localClusterConfig } = await import('../../plane/spark/cluster/local-cluster.js');
      await stopLocalCluster(localClusterConfig(), undefined, say);
      say('Spark cluster stopped');
    });

  spark
    .command('status')
    .description('the cluster as Spark reports it (master JSON, workers, the connect application), as JSON; exit 1 unless all is up')
    .action(async () => {
      const { clusterStatus, localClusterConfig } = await import('../../plane/spark/cluster/local-cluster.js');
      const status = await clusterStatus(localClusterConfig());
      process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
      const up = status.master.status === 'ALIVE' && status.master.alive_workers >= 2 && status.connect.reachable;
      if (!up) process.exitCode = 1;
    });
}
