import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { longPoll } from '../../src/api/request-lifetime.js';

/** A wake-up source like JobSignals: resolves on an event, after `ms`, or on abort. */
function wakeOn(events: EventEmitter) {
  return (ms: number, stop: AbortSignal) => new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      events.off('wake', done);
      stop.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    events.once('wake', done);
    stop.addEventListener('abort', done, { once: true });
  });
}

describe('longPoll', () => {
  beforeEach(() => { vi.useFakeTimers(); });
  afterEach(() => { vi.useRealTimers(); });

  it('does not lose a wake-up that arrives while a look is running (no poll interval is waited)', async () => {
    const events = new EventEmitter();
    let looks = 0;
    let answer: string[] | undefined;
    void longPoll({
      waitMs: 60_000, pollMs: 30_000, stop: new AbortController().signal, wake: wakeOn(events),
      // The first look finds nothing, and a job is created (its notification sent) before that look returns.
      look: async () => (++looks === 1 ? (events.emit('wake'), []) : ['job']),
    }).then((found) => { answer = found; });
    await vi.advanceTimersByTimeAsync(0); // run what is ready; the clock does not move
    expect(answer).toEqual(['job']);
    expect(looks).toBe(2);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('looks again every poll interval without wake-ups, and answers empty at the deadline', async () => {
    let looks = 0;
    let answer: string[] | undefined;
    void longPoll({
      waitMs: 1_000, pollMs: 300, stop: new AbortController().signal, wake: wakeOn(new EventEmitter()),
      look: async () => { looks++; return []; },
    }).then((found) => { answer = found; });
    await vi.advanceTimersByTimeAsync(999);
    expect(answer).toBeUndefined();
    expect(looks).toBe(4); // at 0, 300, 600, 900 ms
    await vi.advanceTimersByTimeAsync(1);
    expect(answer).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('ends at once when stopped, leaving no timer behind; a look that fails disarms its wait', async () => {
    const stop = new AbortController();
    let answer: string[] | undefined;
    void longPoll({
      waitMs: 60_000, pollMs: 30_000, stop: stop.signal, wake: wakeOn(new EventEmitter()), look: async () => [],
    }).then((found) => { answer = found; });
    await vi.advanceTimersByTimeAsync(0);
    stop.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(answer).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);

    const failed = longPoll({
      waitMs: 60_000, pollMs: 30_000, stop: new AbortController().signal, wake: wakeOn(new EventEmitter()),
      look: async () => { throw new Error('database gone'); },
    });
    await expect(failed).rejects.toThrow('database gone');
    expect(vi.getTimerCount()).toBe(0);
  });
});
