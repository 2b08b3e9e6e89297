import { defineConfig } from 'vitest/config';

/**
 * `npm run test:spark`: the Spark plane against a real Spark cluster (the local one of `jobplane spark up`, started
 * by the global setup unless it runs already, or the one at JOBPLANE_SPARK_REMOTE). Its files end in `.spark.ts`,
 * so `npm test` (test/**\/*.test.ts) never picks them up and never needs Java.
 */
export default defineConfig({
  test: {
    include: ['test/spark/**/*.spark.ts'],
    // One cluster for all: files run one after the other.
    pool: 'forks',
    poolOptions: { forks: { singleFork: true } },
    fileParallelism: false,
    passWithNoTests: false,
    globalSetup: ['./test/support/global-setup.ts', './test/spark/cluster-setup.ts'],
    testTimeout: 600_000,
    hookTimeout: 600_000,
    reporters: ['default', './test/support/closing-line-reporter.ts'],
  },
});
