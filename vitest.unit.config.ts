import { defineConfig } from 'vitest/config';

/**
 * `npm run test:unit`: the fast tests, a subset of `npm test`, for the edit-test loop: no spawned process, no
 * data-plane engine work. The core (state machine), the NQL front end and compilers, the store's Db conformance and
 * harness checks (PGlite, and PostgreSQL when DATABASE_URL is set), the operator's unit tests (fake timers) and
 * the other pure `*-units.test.ts` files. docs/testing.md says what runs where.
 */
export default defineConfig({
  test: {
    include: [
      'test/core/**/*.test.ts',
      'test/nql/**/*.test.ts',
      'test/store/**/*.test.ts',
      'test/plane/operator-*.test.ts',
      'test/**/*-units.test.ts',
      'test/api/webhooks-signature.test.ts',
    ],
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    // A run that finds no test files must fail, not pass.
    passWithNoTests: false,
    // The template databases only: nothing here spawns the CLI, so it is not built.
    globalSetup: ['./test/support/database-setup.ts'],
    setupFiles: ['./test/support/drop-leftovers.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default', './test/support/closing-line-reporter.ts'],
  },
});
