import type { Command } from 'commander';
import { resolveServeConfig } from '../../config.js';
import { startServer } from '../../server/serve.js';

/** Past the grace period, the stop itself gets this long (closing the database, the lock) before the process exits anyway. */
const EXIT_BACKSTOP_MS = 5_000;

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the control plane (HTTP API) and, by default, an in-process data-plane operator')
    .option('--port <port>', 'port to listen on (env PORT, default 8080)')
    .option('--host <host>', 'address to bind (env HOST, default 127.0.0.1)')
    .option('--data-dir <dir>', 'data directory (env JOBPLANE_DATA_DIR, default ./.jobplane)')
    .option('--no-operator', 'do not run the in-process data-plane operator')
    .option('--grace <ms>', 'on SIGTERM/SIGINT, how long running jobs and requests may finish (env JOBPLANE_DRAIN_GRACE_MS, default 10000)')
    .option('--log-format <format>', 'pretty or json (env JOBPLANE_LOG_FORMAT; default pretty on a terminal, else json)')
    .option('--engine <engine>', 'engine of a new install\'s default data plane: duckdb or spark (env JOBPLANE_ENGINE, default duckdb)')
    .option('--spark-remote <sc-url>', 'with --engine spark: the Spark Connect endpoint, sc://host:port/;token=... (env JOBPLANE_SPARK_REMOTE)')
    .action(async (opts: { port?: string; host?: string; dataDir?: string; operator?: boolean; grace?: string; logFormat?: string; engine?: string; sparkRemote?: string }) => {
      const config = resolveServeConfig({
        port: opts.port, host: opts.host, dataDir: opts.dataDir, operator: opts.operator, grace: opts.grace, logFormat: opts.logFormat,
        engine: opts.engine, sparkRemote: opts.sparkRemote,
      });
      const server = await startServer(config);
      let signals = 0;
      const stop = (signal: NodeJS.Signals) => {
        signals++;
        if (signals > 1) {
          // A second Ctrl-C: stop waiting (leases are released, connections cut), then exit.
          server.logger.warn({ signal }, 'signal again: ending the grace period now');
          void server.close();
          return;
        }
        server.logger.info({ signal, grace_ms: config.drainGraceMs }, `${signal}: shutting down (again to stop waiting)`);
        // However the stop goes, the process ends: a step that hangs must not keep it alive for ever.
        setTimeout(() => {
          server.logger.error('shutdown did not finish in time: exiting anyway');
          process.exit(1);
        }, config.drainGraceMs + EXIT_BACKSTOP_MS).unref();
        server.close().then(() => process.exit(0), (err: unknown) => {
          server.logger.error({ err }, 'shutdown failed');
          process.exit(1);
        });
      };
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    });
}
