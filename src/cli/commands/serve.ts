import type { Command } from 'commander';
import { resolveServeConfig } from '../../config.js';
import { startServer } from '../../server/serve.js';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the control plane (HTTP API) and, by default, an in-process data-plane operator')
    .option('--port <port>', 'port to listen on (env PORT, default 8080)')
    .option('--host <host>', 'address to bind (env HOST, default 127.0.0.1)')
    .option('--data-dir <dir>', 'data directory (env JOBPLANE_DATA_DIR, default ./.jobplane)')
    .option('--no-operator', 'do not run the in-process data-plane operator')
    .action(async (opts: { port?: string; host?: string; dataDir?: string; operator?: boolean }) => {
      const config = resolveServeConfig({ port: opts.port, host: opts.host, dataDir: opts.dataDir, operator: opts.operator });
      const server = await startServer(config);
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        server.logger.info({ signal }, 'shutting down');
        server.close().then(() => process.exit(0), (err) => {
          server.logger.error({ err }, 'shutdown failed');
          process.exit(1);
        });
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
    });
}
