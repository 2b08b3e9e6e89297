#!/usr/bin/env node
import { Command } from 'commander';
import { registerServe } from './commands/serve.js';
import { registerAdmin } from './commands/admin.js';
import { registerOperator } from './commands/operator.js';
import { registerNql } from './commands/nql.js';
import { registerDataset } from './commands/dataset.js';

const program = new Command()
  .name('jobplane')
  .description('Job control plane and data-plane operator for NQL data jobs')
  .version('0.1.0')
  .showHelpAfterError();

registerServe(program);
registerAdmin(program);
registerOperator(program);
registerNql(program);
registerDataset(program);

program.parseAsync(process.argv).catch((err: Error) => {
  process.stderr.write(`jobplane: ${err.message}\n`);
  process.exit(1);
});
