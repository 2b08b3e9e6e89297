import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Backoff, sleep } from '../../src/plane/operator/backoff.js';
import { withApiRetry, GaveUpError } from '../../src/plane/operator/api-retry.js';
import { OutageLog } from '../../src/plane/operator/outage-log.js';
import { classifyFailure, FatalError, RetryableError } from '../../src/plane/operator/index.js';
import { toEngineError } from '../../src/plane/engine/engine-errors.js';
import { settle } from '../support/fake-time.js';
import { captureLogger, down, stale } from './operator-test-kit.js';

describe('Backoff', () => {
  it('doubles up to the cap, each delay in [ceiling/2, ceiling]', () => {
    const low = new Backoff({ initialMs: 100, maxMs: 1_000, random: () => 0 });
    expect([1, 2, 3, 4, 5, 6].map(() => low.next())).toEqual([50, 100, 200, 400, 500, 500]);
    const high = new Backoff({ initialMs: 100, maxMs: 1_000, random: () => 0.999999 });
    expect([1, 2, 3, 4, 5].map(() => high.next())).toEqual([100, 200, 400, 800, 1_000]);
  });

  it('starts over after reset', () => {
    const b = new Backoff({ initialMs: 100, maxMs: 1_000, random: () => 0 });
    b.next();
    b.next();
    b.reset();
    expect(b.next()).toBe(50);
    expect(b.attempts).toBe(1);
  });

  describe('sleep (fake timers)', () => {
    beforeEach(() => { vi.useFakeTimers(); });
    afterEach(() => { vi.useRealTimers(); });

    it('resolves true after exactly its delay', async () => {
      expect(await settle(sleep(250))).toEqual({ value: true, elapsedMs: 250 });
    });

    it('resolves false at once when aborted, and leaves no timer behind', async () => {
      const c = new AbortController();
      const pending = sleep(60_000, c.signal);
      expect(vi.getTimerCount()).toBe(1);
      c.abort();
      expect(await settle(pending)).toEqual({ value: false, elapsedMs: 0 });
      expect(vi.getTimerCount()).toBe(0);
      expect(await settle(sleep(60_000, c.signal))).toEqual({ value: false, elapsedMs: 0 }); // already aborted
    });
  });
});

describe('withApiRetry (fake timers)', () => {
  beforeEach(() => { vi.useFakeTimers(); });
  afterEach(() => {
    expect(vi.getTimerCount()).toBe(0); // no retry left scheduled
    vi.useRealTimers();
  });

  /** No jitter, so that the retries come at exact fake times: delays of 50, 100, 200, 400, 500, 500... ms. */
  const backoff = { initialMs: 100, maxMs: 1_000, random: () => 0 };

  it('retries transient failures with backoff, returns the first success, and logs one outage', async () => {
    const { log, lines } = captureLogger();
    const calledAt: number[] = [];
    const t0 = Date.now();
    const result = await settle(withApiRetry(async () => {
      calledAt.push(Date.now() - t0);
      if (calledAt.length < 4) throw down();
      return 'ok';
    }, { what: 'test', outage: new OutageLog(log), backoff }));
    expect(result).toEqual({ value: 'ok', elapsedMs: 350 });
    expect(calledAt).toEqual([0, 50, 150, 350]);
    expect(lines.map((l) => l['msg'])).toEqual(['jobplane API unreachable; retrying with backoff', 'jobplane API reachable again']);
    expect(lines[1]).toMatchObject({ failed_calls: 3 });
  });

  it('passes a refusal through at once', async () => {
    const { log } = captureLogger();
    let calls = 0;
    const refused = withApiRetry(async () => { calls++; throw stale(); }, { what: 'test', outage: new OutageLog(log), backoff });
    await expect(settle(refused)).rejects.toMatchObject({ status: 409 });
    expect(calls).toBe(1);
  });

  it('stops with GaveUpError when told to, at once, mid-backoff', async () => {
    const { log } = captureLogger();
    const giveUp = new AbortController();
    let calls = 0;
    const retrying = withApiRetry(async () => { calls++; throw down(); }, {
      what: 'test', outage: new OutageLog(log), backoff, giveUp: giveUp.signal,
    });
    await vi.advanceTimersByTimeAsync(400); // calls at 0, 50, 150 and 350 ms; the next one would be at 750
    expect(calls).toBe(4);
    giveUp.abort();
    const stopped = await settle(retrying.then(() => 'resolved', (err: unknown) => err));
    expect(stopped.value).toBeInstanceOf(GaveUpError);
    expect(stopped.elapsedMs).toBe(0); // no fake time passed: the pending backoff was not waited out
    expect(calls).toBe(4);
  });
});

describe('classifyFailure', () => {
  it('keeps the message and diagnostics, and retries unless told otherwise', () => {
    expect(classifyFailure(new FatalError('bad', { line: 3 }))).toEqual({ message: 'bad', value: { line: 3, error: 'FatalError' }, retryable: false });
    expect(classifyFailure(new RetryableError('later'))).toEqual({ message: 'later', value: { error: 'RetryableError' }, retryable: true });
    expect(classifyFailure('a string')).toEqual({ message: 'a string', value: {}, retryable: true });
    expect(classifyFailure(undefined).message).toBe('undefined');
    expect(classifyFailure(new Error('x'.repeat(20_000))).message).toHaveLength(10_000);
  });

  it('does not retry deterministic engine errors, retries environmental ones, and reports the engine\'s diagnostics', () => {
    const binder = classifyFailure(toEngineError(new Error('Binder Error: Referenced column "nope" not found in FROM clause!')));
    expect(binder.retryable).toBe(false);
    expect(binder.value).toMatchObject({
      engine: 'duckdb', kind: 'binder', retryable: false, duckdb_error_type: 'Binder', error: 'EngineError',
      message: expect.stringContaining('"nope"'),
    });
    for (const text of ['Parser Error: syntax error at or near "FORM"', 'Conversion Error: Could not convert string \'x\' to INT32']) {
      expect(classifyFailure(toEngineError(new Error(text))).retryable, text).toBe(false);
    }
    for (const text of ['IO Error: No space left on device', 'Out of Memory Error: could not allocate block of size 256KiB']) {
      const failure = classifyFailure(toEngineError(new Error(text)));
      expect(failure.retryable, text).toBe(true);
      expect(failure.value['message']).toBe(text);
    }
  });
});
