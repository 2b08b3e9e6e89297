import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Db } from '../../src/store/db/types.js';
import { JobSignals } from '../../src/store/job-signals.js';

/** A Db that only records the NOTIFY statements JobSignals sends. */
function recordingDb(): { db: Db; sent: string[][] } {
  const sent: string[][] = [];
  const db = {
    notifyMany: async (_channel: string, payloads: readonly string[]) => { sent.push([...payloads]); },
  } as unknown as Db;
  return { db, sent };
}

/**
 * Wake-ups are merged and throttled (src/store/job-signals.ts): one NOTIFY statement for every payload asked for
 * meanwhile, at most one statement per interval, the first after a quiet spell at once.
 */
describe('JobSignals: the NOTIFY throttle', () => {
  beforeEach(() => { vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'Date'] }); });
  afterEach(() => { vi.useRealTimers(); });

  it('sends the first wake-up after a quiet spell on the next turn, merged with those of the same turn', async () => {
    const { db, sent } = recordingDb();
    const signals = new JobSignals(db, 10);
    const done = Promise.all([signals.notify('plane-a'), signals.notify('plane-b'), signals.notify('plane-a')]);
    expect(sent).toEqual([]);
    await vi.advanceTimersToNextTimerAsync();
    await done;
    expect(sent).toEqual([['plane-a', 'plane-b']]);
  });

  it('holds the wake-ups asked for within the interval and sends them together when it ends', async () => {
    const { db, sent } = recordingDb();
    const signals = new JobSignals(db, 10);
    await Promise.all([signals.notify('plane-a'), vi.advanceTimersToNextTimerAsync()]);
    expect(sent).toHaveLength(1);

    const second = signals.notify('plane-a');
    const third = signals.notify('cancel-x');
    let delivered = false;
    void Promise.all([second, third]).then(() => { delivered = true; });
    await vi.advanceTimersByTimeAsync(9);
    expect(sent).toHaveLength(1);
    expect(delivered).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toEqual([['plane-a'], ['plane-a', 'cancel-x']]);
    expect(delivered).toBe(true);
  });

  it('never sends two statements closer than the interval under a steady stream of wake-ups', async () => {
    const { db, sent } = recordingDb();
    const signals = new JobSignals(db, 10);
    const times: number[] = [];
    const start = Date.now();
    const original = db.notifyMany.bind(db);
    db.notifyMany = async (channel, payloads) => { times.push(Date.now() - start); await original(channel, payloads); };
    const all: Array<Promise<void>> = [];
    for (let ms = 0; ms < 100; ms++) {
      all.push(signals.notify(`plane-${ms % 3}`));
      await vi.advanceTimersByTimeAsync(1);
    }
    await vi.advanceTimersByTimeAsync(20);
    await Promise.all(all);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(10);
    // 100 ms of wake-ups asked for every millisecond: about one statement per interval, not one per wake-up.
    expect(sent.length).toBeGreaterThanOrEqual(9);
    expect(sent.length).toBeLessThanOrEqual(11);
    expect(new Set(sent.flat())).toEqual(new Set(['plane-0', 'plane-1', 'plane-2']));
  });

  it('sends at once again after a quiet spell longer than the interval', async () => {
    const { db, sent } = recordingDb();
    const signals = new JobSignals(db, 10);
    await Promise.all([signals.notify('plane-a'), vi.advanceTimersToNextTimerAsync()]);
    await vi.advanceTimersByTimeAsync(50);
    const next = signals.notify('plane-b');
    await vi.advanceTimersToNextTimerAsync();
    await next;
    expect(sent).toEqual([['plane-a'], ['plane-b']]);
  });
});
