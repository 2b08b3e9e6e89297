import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../support/backends.js';
import { SpawnedServer, type SpawnedOperator } from '../support/plane-cluster.js';
import { waitFor } from '../support/wait-for.js';

/**
 * Long enough to dominate the fixed cost of a round (claim, run, fail: a few hundred ms on a loaded machine), so
 * that the growth of the delays shows in the failure timestamps.
 */
const RETRY_BASE_MS = 1_000;

/** Failure classification and automatic retries, end to end: handler error -> fail -> backoff -> claim again. */
describe.each(backends())('retries on %s', (backend) => {
  let server: SpawnedServer;
  let operator: SpawnedOperator;
  beforeAll(async () => {
    server = await SpawnedServer.start(backend, { JOBPLANE_RETRY_BASE_MS: String(RETRY_BASE_MS) });
    operator = await server.spawnOperator({ slots: 3 });
  }, 120_000);
  afterAll(async () => server?.close());

  const finished = (jobId: string) =>
    server.waitForJob(jobId, (j) => j.state === 'failed' && j.retry_at === null, 60_000, 'the job to fail for good');

  it('retries a retryable failure with growing delays until max_attempts, listing every failure', async () => {
    const job = await server.createJob('test-fail', { retryable: true }, { max_attempts: 4 });
    // Between attempts the job sits `failed` with its retry_at: the delay the server scheduled, seen directly.
    const scheduled = new Map<number, number>();
    const done = await waitFor(async () => {
      const j = await server.admin.getJob(job.job_id);
      if (j.state === 'failed' && j.retry_at !== null) {
        // retry_at and updated_at come from the one statement that failed the attempt: the delay exactly.
        scheduled.set(j.attempt, Date.parse(j.retry_at) - Date.parse(j.updated_at));
      }
      return j.state === 'failed' && j.retry_at === null ? j : undefined;
    }, { timeoutMs: 60_000, intervalMs: 50, message: 'the job to fail for good' });

    expect(done.attempt).toBe(4);
    expect(done.failures.map((f) => f.message)).toEqual([1, 2, 3, 4].map((n) => `retryable failure on attempt ${n}`));
    expect(done.failures.map((f) => f.value['attempt'])).toEqual([1, 2, 3, 4]);
    for (const f of done.failures) expect(f.value).toMatchObject({ error: 'RetryableError', executor: operator.executorId });

    // Attempt n is retried after base * 2^(n-1) * [0.5, 1.5): check every delay we caught (a poll may miss one
    // on a loaded machine, never all three), and that the failures really are at least that far apart.
    const at = done.failures.map((f) => Date.parse(f.timestamp));
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    console.info(`[${backend}] scheduled retry delays (ms) by attempt: ${JSON.stringify(Object.fromEntries(scheduled))}; `
      + `gaps between failures: ${gaps.join(', ')} (base ${RETRY_BASE_MS} ms)`);
    expect(scheduled.size).toBeGreaterThanOrEqual(2);
    for (const [attempt, delay] of scheduled) {
      const nominal = RETRY_BASE_MS * 2 ** (attempt - 1);
      expect(delay).toBeGreaterThanOrEqual(0.5 * nominal);
      expect(delay).toBeLessThan(1.5 * nominal);
    }
    gaps.forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual(0.5 * RETRY_BASE_MS * 2 ** i));
  }, 90_000);

  it('does not retry a FatalError; a plain Error counts as retryable', async () => {
    const [fatal, plain] = await Promise.all([
      server.createJob('test-fail', { retryable: false }, { max_attempts: 3 }),
      server.createJob('test-fail', { plain: true }, { max_attempts: 2 }),
    ]);
    const fatalDone = await finished(fatal.job_id);
    expect(fatalDone.attempt).toBe(1);
    expect(fatalDone.failures).toHaveLength(1);
    expect(fatalDone.failures[0]).toMatchObject({ message: 'fatal failure on attempt 1', value: { error: 'FatalError' } });
    const plainDone = await finished(plain.job_id);
    expect(plainDone.failures.map((f) => f.message)).toEqual(['plain failure on attempt 1', 'plain failure on attempt 2']);
    expect(plainDone.failures[0]!.value).toMatchObject({ error: 'Error' });
  }, 90_000);
});
