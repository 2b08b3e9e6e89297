import { defineConfig } from 'vitest/config';

/**
 * The dashboard's browser tests (`npm run test:ui`): Playwright with Debian's chromium against a real
 * `jobplane serve`. Kept out of `npm test` (whose config includes test/**\/*.test.ts only; these are *.spec.ts),
 * because they need a browser and a built dashboard, and run as their own CI step.
 */
export default defineConfig({
  test: {
    include: ['test/ui/**/*.spec.ts'],
    pool: 'forks',
    // One server and one browser at a time: the machine has two cores.
    poolOptions: { forks: { maxForks: 1, minForks: 1 } },
    fileParallelism: false,
    passWithNoTests: false,
    globalSetup: ['./test/support/global-setup.ts'],
    testTimeout: 180_000,
    hookTimeout: 300_000,
    reporters: ['default'],
  },
});
