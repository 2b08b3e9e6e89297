import { afterAll } from 'vitest';

/**
 * A vitest setup file: after each test file, drops the test databases it created and never dropped (a test that
 * forgot close()), so that the job_events harness check (backends.ts, job-event-audit.ts) covers them too and
 * their temporary directories and PostgreSQL databases do not pile up. Registered before the file's own hooks,
 * so it runs after all of them (vitest runs afterAll hooks last-registered first).
 */
afterAll(async () => {
  const live = (globalThis as { __jobplaneLiveTestDatabases?: Set<{ drop(): Promise<void> }> }).__jobplaneLiveTestDatabases;
  if (!live || live.size === 0) return;
  const results = await Promise.allSettled([...live].map((database) => database.drop()));
  const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, errors.map((e) => e.message).join('\n'));
});
