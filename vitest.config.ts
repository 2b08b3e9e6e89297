import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // PGlite (WASM) and DuckDB (native) are happiest in separate processes.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    // A run that finds no test files must fail, not pass.
    passWithNoTests: false,
    globalSetup: ['./test/support/global-setup.ts'],
    setupFiles: ['./test/support/drop-leftovers.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default', './test/support/closing-line-reporter.ts'],
  },
});
