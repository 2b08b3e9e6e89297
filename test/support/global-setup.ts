import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { buildCli, CLI_BUILD_ENV, CLI_BUILDS_DIR, pruneOldBuilds, removeCliBuild } from './cli-build.js';
import databaseSetup from './database-setup.js';

/**
 * The global setup of `npm test` (and of the UI and Spark suites): the template databases (database-setup.ts) and
 * one JavaScript build of the CLI for every process the tests spawn.
 */
export default async function setup(project: TestProject) {
  const cliBuild = await buildSpawnedCli();
  const teardownDatabases = await databaseSetup(project);
  return async () => {
    await teardownDatabases();
    if (cliBuild) await removeCliBuild(cliBuild);
  };
}

/**
 * Compiles the CLI once for the whole run (cli-build.ts), so that every process a test spawns runs JavaScript
 * instead of loading tsx. The workers inherit the environment variable naming it. `JOBPLANE_TEST_CLI=tsx` (debug the
 * sources) or `=dist` (test the `npm run build` output) skips it.
 */
async function buildSpawnedCli(): Promise<string | undefined> {
  const forced = process.env['JOBPLANE_TEST_CLI'];
  if (forced === 'tsx' || forced === 'dist') return undefined;
  await pruneOldBuilds();
  const dir = path.join(CLI_BUILDS_DIR, `run-${process.pid}-${Date.now()}`);
  const unresolved = await buildCli(dir);
  if (unresolved.length > 0) {
    // Someone's edit is half-way (a module imported before it exists): the sources, read anew by every spawn, will
    // have caught up by the time most tests spawn; a snapshot of this moment would stay broken all run.
    process.stderr.write(`jobplane tests: spawned CLIs run the sources through tsx (slower); the tree does not build now:\n  ${unresolved.join('\n  ')}\n`);
    await removeCliBuild(dir);
    return undefined;
  }
  process.env[CLI_BUILD_ENV] = dir;
  return dir;
}
