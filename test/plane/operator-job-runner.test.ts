import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { completeWith, FatalError, JobAbortedError, RetryableError, type JobHandler } from '../../src/plane/operator/index.js';
import { JobRunner, type JobApi } from '../../src/plane/operator/job-runner.js';
import { OutageLog } from '../../src/plane/operator/outage-log.js';
import { settle } from '../support/fake-time.js';
import { badRequest, captureLogger, claimedJob, delay, down, stale } from './operator-test-kit.js';

const lease = { executor: 'job-executor-a', attempt: 3 };

/** A fake of the four job calls; each records its bodies and answers from a queue (default: success). */
function fakeApi(answers: Partial<Record<keyof JobApi, Array<unknown>>> = {}) {
  const calls: Record<keyof JobApi, unknown[]> = { heartbeatJob: [], completeJob: [], failJob: [], acknowledgeCancellation: [], getJob: [] };
  /** Every call in order, with the fake time it was made at. */
  const log: Array<{ call: keyof JobApi; at: number }> = [];
  const t0 = Date.now();
  const answer = (name: keyof JobApi, fallback: unknown) => async (_id: string, body: unknown) => {
    calls[name].push(body);
    log.push({ call: name, at: Date.now() - t0 });
    const next = answers[name]?.shift() ?? fallback;
    if (next instanceof Error) throw next;
    return typeof next === 'function' ? (next as () => unknown)() : next;
  };
  const api = {
    heartbeatJob: answer('heartbeatJob', { state: 'running', cancel_requested: false, lease_expires_at: '' }),
    completeJob: answer('completeJob', {}),
    failJob: answer('failJob', {}),
    acknowledgeCancellation: answer('acknowledgeCancellation', {}),
    getJob: answer('getJob', claimedJob()),
  } as unknown as JobApi;
  return { api, calls, log };
}

function runner(handler: JobHandler | undefined, api: JobApi, opts: { abortGraceMs?: number; giveUp?: AbortSignal } = {}) {
  const { log, lines } = captureLogger();
  const r = new JobRunner({
    api, job: claimedJob(), executor: lease.executor, handler, heartbeatMs: 20, log, outage: new OutageLog(log),
    // No jitter: under fake timers the retries come at exact times (3, 5, 10, 10... ms after each failure).
    backoff: { initialMs: 5, maxMs: 20, random: () => 0 }, abortGraceMs: opts.abortGraceMs ?? 2_000, giveUp: opts.giveUp ?? new AbortController().signal,
  });
  return { r, lines };
}

/** Runs until the signal fires, then throws its reason (what a well-behaved handler does). */
const untilAborted = (seen: { reason?: unknown } = {}): JobHandler => ({
  type: 'test',
  run: (_job, ctx) => new Promise((_, reject) => ctx.signal.addEventListener('abort', () => {
    seen.reason = ctx.signal.reason;
    reject(ctx.signal.reason);
  })),
});

/** Fake timers throughout: heartbeats (every 20 ms), backoff and grace periods are asserted as counts and order. */
beforeEach(() => { vi.useFakeTimers(); });
afterEach(() => {
  // However the job ended, the runner left nothing scheduled (no heartbeat beating on, no retry, no grace timer).
  expect(vi.getTimerCount()).toBe(0);
  vi.useRealTimers();
});

describe('JobRunner', () => {
  it('completes with the lease, heartbeating meanwhile and sending the latest progress', async () => {
    const { api, calls, log } = fakeApi();
    const handler: JobHandler = {
      type: 'test',
      async run(_job, ctx) {
        ctx.progress({ step: 1 });
        ctx.progress({ step: 2 });
        await delay(110);
        return { ok: true, executor: ctx.executor, attempt: ctx.attempt };
      },
    };
    const { r, lines } = runner(handler, api);
    expect(await settle(r.run())).toEqual({ value: 'completed', elapsedMs: 110 });
    // A beat every 20 ms while the handler ran, then the completion: nothing else, in this order.
    expect(log).toEqual([20, 40, 60, 80, 100].map((at) => ({ call: 'heartbeatJob', at })).concat({ call: 'completeJob', at: 110 }));
    expect(calls.completeJob).toEqual([{ ...lease, result: { ok: true, ...lease } }]);
    expect(calls.heartbeatJob[0]).toEqual({ ...lease, progress: { step: 2 } }); // the latest progress only
    expect(calls.heartbeatJob.slice(1)).toEqual([lease, lease, lease, lease]); // progress is sent once, not repeated
    // Every job log line says which job, executor and attempt it is about.
    for (const line of lines.filter((l) => l['msg'] === 'job started' || l['msg'] === 'job finished')) {
      expect(line).toMatchObject({ job_id: claimedJob().job_id, executor: lease.executor, attempt: 3, job_type: 'test' });
    }
  });

  it('turns cancel_requested into an abort of ctx.signal, then acknowledges the cancellation with the lease', async () => {
    const seen: { reason?: unknown } = {};
    const { api, calls } = fakeApi({ heartbeatJob: [{ state: 'pending_cancellation', cancel_requested: true, lease_expires_at: '' }] });
    const { r } = runner(untilAborted(seen), api);
    expect(await settle(r.run())).toEqual({ value: 'cancelled', elapsedMs: 20 }); // at the first beat
    expect(seen.reason).toBeInstanceOf(JobAbortedError);
    expect((seen.reason as JobAbortedError).abortCause).toBe('cancel_requested');
    expect(calls.acknowledgeCancellation).toEqual([lease]);
    expect(calls.completeJob).toEqual([]);
    expect(calls.failJob).toEqual([]);
  });

  it('a heartbeat refused with 409 aborts the handler and reports nothing: someone else owns the job', async () => {
    const seen: { reason?: unknown } = {};
    const { api, calls } = fakeApi({ heartbeatJob: [stale('/jobs/j/heartbeat')] });
    const { r, lines } = runner(untilAborted(seen), api);
    expect(await settle(r.run())).toEqual({ value: 'lease_lost', elapsedMs: 20 });
    expect((seen.reason as JobAbortedError).abortCause).toBe('lease_lost');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls.heartbeatJob).toHaveLength(1); // no beat after the refusal
    expect([...calls.completeJob, ...calls.failJob, ...calls.acknowledgeCancellation]).toEqual([]);
    expect(lines.find((l) => l['msg'] === 'heartbeat refused: the lease is no longer ours')).toMatchObject({ status: 409, code: 'stale_lease' });
  });

  it('never retries a completion refused with 409', async () => {
    const { api, calls } = fakeApi({ completeJob: [stale()] });
    const { r } = runner({ type: 'test', run: async () => ({ done: 1 }) }, api);
    expect(await settle(r.run())).toEqual({ value: 'lease_lost', elapsedMs: 0 });
    expect(calls.completeJob).toHaveLength(1);
    expect(calls.failJob).toEqual([]);
  });

  it('retries a report while the API is unreachable, logging the outage once', async () => {
    // Down for every call (heartbeats included) until the fourth completion attempt.
    const { api, log } = fakeApi({ completeJob: [down(), down(), down()], heartbeatJob: Array.from({ length: 100 }, down) });
    const { r, lines } = runner({ type: 'test', run: async () => ({ done: 1 }) }, api);
    expect(await settle(r.run())).toEqual({ value: 'completed', elapsedMs: 18 });
    // Retried after the backoff's 3, 5 and 10 ms; the fourth try succeeds.
    expect(log).toEqual([0, 3, 8, 18].map((at) => ({ call: 'completeJob', at })));
    expect(lines.filter((l) => l['msg'] === 'jobplane API unreachable; retrying with backoff')).toHaveLength(1);
    expect(lines.filter((l) => l['msg'] === 'jobplane API reachable again')).toHaveLength(1);
  });

  it('gives up on an unreachable API when the operator must stop', async () => {
    const giveUp = new AbortController();
    const { api, calls } = fakeApi({ completeJob: Array.from({ length: 1000 }, down) });
    const { r } = runner({ type: 'test', run: async () => ({ done: 1 }) }, api, { giveUp: giveUp.signal });
    const outcome = r.run();
    await vi.advanceTimersByTimeAsync(50);
    expect(calls.completeJob).toHaveLength(7); // at 0, 3, 8, 18, 28, 38 and 48 ms
    giveUp.abort();
    expect(await settle(outcome)).toEqual({ value: 'abandoned', elapsedMs: 0 }); // at once, not at the next retry
    expect(calls.completeJob).toHaveLength(7);
  });

  it.each([
    ['FatalError', new FatalError('bad input', { field: 'x' }), false, { field: 'x', error: 'FatalError' }],
    ['RetryableError', new RetryableError('try later'), true, { error: 'RetryableError' }],
    ['a plain Error', Object.assign(new Error('disk full'), { code: 'ENOSPC' }), true, { error: 'Error', code: 'ENOSPC' }],
    ['an error saying retryable: false', Object.assign(new Error('nope'), { retryable: false }), false, { error: 'Error' }],
  ])('fails the job for %s with the right classification', async (_name, error, retryable, value) => {
    const { api, calls } = fakeApi();
    const { r } = runner({ type: 'test', run: async () => { throw error; } }, api);
    expect((await settle(r.run())).value).toBe('failed');
    expect(calls.failJob).toEqual([{ ...lease, failure: { message: (error as Error).message, value }, retryable }]);
  });

  it('fails a job for good when the handler returns something other than a JSON object, or the API rejects the result', async () => {
    const notObject = fakeApi();
    expect((await settle(runner({ type: 'test', run: async () => [1, 2] as never }, notObject.api).r.run())).value).toBe('failed');
    expect(notObject.calls.failJob[0]).toMatchObject({ retryable: false, failure: { message: expect.stringMatching(/returned an array/) } });

    const rejected = fakeApi({ completeJob: [badRequest('body/result/x is too big')] });
    expect((await settle(runner({ type: 'test', run: async () => ({ x: 1 }) }, rejected.api).r.run())).value).toBe('failed');
    expect(rejected.calls.failJob[0]).toMatchObject({ retryable: false, failure: { message: 'the API rejected the job\'s result: body/result/x is too big' } });
  });

  it('sends a completion\'s snapshot with the result, and discards its files only when the commit was refused', async () => {
    const snapshot = { snapshot_id: 9, dataset_id: 7, parent_snapshot_id: null, operation: 'append' as const, files: [], row_count: 0, bytes: 0, inputs: [] };
    const discarded: string[] = [];
    const handlerWith = (tag: string): JobHandler => ({
      type: 'test', run: async () => completeWith({ snapshot_id: 9 }, { snapshot, discard: async () => { discarded.push(tag); } }),
    });

    const ok = fakeApi();
    expect((await settle(runner(handlerWith('ok'), ok.api).r.run())).value).toBe('completed');
    expect(ok.calls.completeJob).toEqual([{ ...lease, result: { snapshot_id: 9 }, snapshot }]);

    const refused = fakeApi({ completeJob: [stale()] });
    expect((await settle(runner(handlerWith('refused'), refused.api).r.run())).value).toBe('lease_lost');

    // The first try got no answer, the retry a 409: the job shows our own completion, so nothing is deleted.
    const lostAnswer = fakeApi({ completeJob: [down(), stale()], getJob: [claimedJob({ state: 'completed', executor: lease.executor, attempt: lease.attempt })] });
    expect((await settle(runner(handlerWith('lost-answer'), lostAnswer.api).r.run())).value).toBe('completed');

    // Unknown (no answer, then refused, and the job is not ours): keep the files for the orphan sweep.
    const unknown = fakeApi({ completeJob: [down(), stale()], getJob: [claimedJob({ state: 'completed', executor: 'job-executor-b', attempt: 4 })] });
    expect((await settle(runner(handlerWith('unknown'), unknown.api).r.run())).value).toBe('lease_lost');

    expect(discarded).toEqual(['refused']);
  });

  it('fails a job of a type without a handler as retryable (another executor may have one)', async () => {
    const { api, calls } = fakeApi();
    expect((await settle(runner(undefined, api).r.run())).value).toBe('failed');
    expect(calls.failJob[0]).toMatchObject({ retryable: true, failure: { message: 'this executor has no handler for job type "test"' } });
  });

  it('on a drain timeout, aborts the handler and fails the job as retryable', async () => {
    const { api, calls } = fakeApi();
    const { r } = runner(untilAborted(), api);
    const outcome = r.run();
    await vi.advanceTimersByTimeAsync(30);
    r.abort('drain_timeout');
    expect(await settle(outcome)).toEqual({ value: 'failed', elapsedMs: 0 });
    expect(calls.failJob[0]).toMatchObject({ ...lease, retryable: true, failure: { message: expect.stringMatching(/drain grace period ended/) } });
  });

  it('stops waiting for a handler that ignores its signal, and still reports', async () => {
    const { api, calls } = fakeApi({ heartbeatJob: [{ state: 'pending_cancellation', cancel_requested: true, lease_expires_at: '' }] });
    const stubborn: JobHandler = { type: 'test', run: () => new Promise(() => {}) };
    const { r, lines } = runner(stubborn, api, { abortGraceMs: 50 });
    // Cancellation seen at the first beat (20 ms), then exactly the grace period (50 ms) before giving up on it.
    expect(await settle(r.run())).toEqual({ value: 'cancelled', elapsedMs: 70 });
    expect(calls.acknowledgeCancellation).toEqual([lease]);
    expect(lines.some((l) => l['msg'] === 'job handler ignored its abort signal; no longer waiting for it')).toBe(true);
  });

  it('discards, and releases, what an abandoned handler returns after all (its completion is never sent)', async () => {
    const { api, calls } = fakeApi({ heartbeatJob: [{ state: 'pending_cancellation', cancel_requested: true, lease_expires_at: '' }] });
    let finish!: () => void;
    const late = new Promise<void>((resolve) => { finish = resolve; });
    const discard = vi.fn(async () => {});
    const release = vi.fn();
    const stubborn: JobHandler = { type: 'test', run: async () => { await late; return completeWith({ late: true }, { discard, release }); } };
    const { r, lines } = runner(stubborn, api, { abortGraceMs: 50 });
    expect(await settle(r.run())).toEqual({ value: 'cancelled', elapsedMs: 70 });
    expect(discard).not.toHaveBeenCalled();
    finish();
    await vi.waitFor(() => expect(discard).toHaveBeenCalledTimes(1));
    expect(release).toHaveBeenCalledTimes(1);
    expect(calls.completeJob).toEqual([]);
    expect(lines.some((l) => l['msg'] === 'an abandoned job handler returned after all; its result is discarded')).toBe(true);
  });

  it('reports completion when the handler finishes despite a cancellation request', async () => {
    const { api, calls } = fakeApi({ heartbeatJob: [{ state: 'pending_cancellation', cancel_requested: true, lease_expires_at: '' }] });
    const finisher: JobHandler = { type: 'test', run: async () => { await delay(80); return { finished: true }; } };
    const abortSpy = vi.fn();
    const { r } = runner({ type: 'test', run: (job, ctx) => { ctx.signal.addEventListener('abort', abortSpy); return finisher.run(job, ctx); } }, api);
    expect(await settle(r.run())).toEqual({ value: 'completed', elapsedMs: 80 }); // when the handler returned
    expect(abortSpy).toHaveBeenCalledTimes(1);
    expect(calls.completeJob).toEqual([{ ...lease, result: { finished: true } }]);
    expect(calls.acknowledgeCancellation).toEqual([]);
  });
});
