import type { SerializedError } from 'vitest';
import type { Reporter, TestModule } from 'vitest/node';

/**
 * Prints the plain closing line `N passed, N failed[, N skipped]` that CI reads, because vitest's own
 * summary (`Tests 3 passed (3)`) is not one of the formats CI understands.
 *
 * "failed" counts failed tests and also every failure vitest reports outside a test, which its own test count
 * leaves out: a file that failed to load, a failing beforeAll/afterAll (where harness checks such as the job_events
 * audit of a dropped test database throw), and unhandled errors. A run that exits non-zero must not print "0 failed".
 */
export default class ClosingLineReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError> = []): void {
    let passed = 0;
    let failed = unhandledErrors.length;
    let skipped = 0;
    for (const mod of testModules) {
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
      }
      // A module that failed to load has no tests but must still count as a failure.
      if (mod.state() === 'failed' && [...mod.children.allTests()].length === 0) failed++;
      // Hook failures (and collection errors) are the suite's or the module's errors, not a test's.
      else failed += [mod, ...mod.children.allSuites()].filter((s) => s.errors().length > 0).length;
    }
    const tail = skipped > 0 ? `, ${skipped} skipped` : '';
    process.stdout.write(`\n${passed} passed, ${failed} failed${tail}\n`);
  }
}
