#!/usr/bin/env node
import { Command } from 'commander';
import { lastTarget } from './api-target.js';
import { CliError, describeCliError, EXIT } from './cli-errors.js';

/**
 * The `jobplane` command. Each top-level command's module is imported only when that command runs (all of them
 * for `--help`), so that `jobplane job get` does not load the server, the database drivers or DuckDB: a client
 * command starts in a fraction of the time `serve` needs.
 */
const COMMANDS: Record<string, () => Promise<(program: Command) => void>> = {
  serve: async () => (await import('./commands/serve.js')).registerServe,
  operator: async () => (await import('./commands/operator.js')).registerOperator,
  company: async () => (await import('./commands/admin.js')).registerAdmin,
  token: async () => (await import('./commands/token.js')).registerToken,
  job: async () => (await import('./commands/job.js')).registerJob,
  jobs: async () => (await import('./commands/job.js')).registerJob,
  webhook: async () => (await import('./commands/webhook.js')).registerWebhook,
  dataset: async () => (await import('./commands/dataset.js')).registerDataset,
  nql: async () => (await import('./commands/nql.js')).registerNql,
  executor: async () => (await import('./commands/platform.js')).registerPlatform,
  plane: async () => (await import('./commands/platform.js')).registerPlatform,
  spark: async () => (await import('./commands/spark.js')).registerSpark,
  view: async () => (await import('./commands/view.js')).registerView,
};

async function main(argv: string[]): Promise<void> {
  const program = new Command()
    .name('jobplane')
    .description('Job control plane and data-plane operator for NQL data jobs')
    .version('0.1.0')
    .showHelpAfterError();
  const first = argv.slice(2).find((a) => !a.startsWith('-'));
  const wanted = first && COMMANDS[first] ? [first] : Object.keys(COMMANDS);
  const registered = new Set<(program: Command) => void>();
  for (const name of wanted) {
    const register = await COMMANDS[name]!();
    if (registered.has(register)) continue; // executor and plane share a module
    registered.add(register);
    register(program);
  }
  await program.parseAsync(argv);
}

main(process.argv).catch((err: unknown) => {
  process.stderr.write(`jobplane: ${describeCliError(err, lastTarget())}\n`);
  process.exit(err instanceof CliError ? err.exitCode : EXIT.error);
});
