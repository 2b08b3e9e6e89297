import { describe, expect, it } from 'vitest';
import { GroupCommit, MAX_IN_FLIGHT } from '../../src/api/group-commit.js';

/** A statement the test finishes by hand: what each write was given, and a way to answer it. */
interface Write {
  requests: string[];
  finish(): void;
}

/**
 * A GroupCommit over a fake store: every write (the one-request statement or the batch) is recorded and stays in
 * flight until the test calls `finish`, so the test, not a clock, decides when a statement ends.
 */
function recorder(maxInFlight?: number) {
  const writes: Write[] = [];
  const pending = (requests: string[]) => new Promise<void>((resolve) => { writes.push({ requests, finish: resolve }); });
  const commit = new GroupCommit<string, string>({
    maxBatch: 64,
    ...(maxInFlight === undefined ? {} : { maxInFlight }),
    key: (r) => r,
    one: async (r) => { await pending([r]); return `done ${r}`; },
    many: async (rs) => { await pending([...rs]); return rs.map((r) => `done ${r}`); },
  });
  return { commit, writes };
}

/**
 * Lets the batcher's flushes run: a few event-loop turns, not a wait on a clock. A finished write releases its lane
 * in a `finally` that runs after its callers resume, and the flush it schedules is a setImmediate of its own.
 */
const turn = async () => {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

describe('group commit in-flight limit', () => {
  it('with one lane, requests that arrive while a statement runs go together in the next one', async () => {
    const { commit, writes } = recorder(1);
    const first = commit.submit('a');
    await turn();
    expect(writes.map((w) => w.requests)).toEqual([['a']]);
    const rest = ['b', 'c', 'd'].map((r) => commit.submit(r));
    await turn();
    // Still one statement in flight: b, c and d wait for it.
    expect(writes).toHaveLength(1);
    writes[0]!.finish();
    expect(await first).toBe('done a');
    await turn();
    expect(writes.map((w) => w.requests)).toEqual([['a'], ['b', 'c', 'd']]);
    writes[1]!.finish();
    expect(await Promise.all(rest)).toEqual(['done b', 'done c', 'done d']);
  });

  it('with two lanes, a second statement goes out while the first runs, and a third waits', async () => {
    const { commit, writes } = recorder(2);
    const a = commit.submit('a');
    await turn();
    const b = commit.submit('b');
    await turn();
    expect(writes.map((w) => w.requests)).toEqual([['a'], ['b']]);
    const c = commit.submit('c');
    const d = commit.submit('d');
    await turn();
    expect(writes).toHaveLength(2);
    writes[1]!.finish();
    await b;
    await turn();
    expect(writes.map((w) => w.requests)).toEqual([['a'], ['b'], ['c', 'd']]);
    writes[0]!.finish();
    writes[2]!.finish();
    expect(await Promise.all([a, c, d])).toEqual(['done a', 'done c', 'done d']);
  });

  it(`defaults to ${MAX_IN_FLIGHT} lanes`, async () => {
    const { commit, writes } = recorder();
    const all: Array<Promise<string>> = [];
    for (let i = 0; i < MAX_IN_FLIGHT + 2; i++) {
      all.push(commit.submit(`r${i}`));
      await turn();
    }
    // One statement per lane, then the last two requests wait together.
    expect(writes).toHaveLength(MAX_IN_FLIGHT);
    writes[0]!.finish();
    await all[0];
    await turn();
    expect(writes[MAX_IN_FLIGHT]!.requests).toEqual([`r${MAX_IN_FLIGHT}`, `r${MAX_IN_FLIGHT + 1}`]);
    for (const w of writes) w.finish();
    expect(await Promise.all(all)).toHaveLength(MAX_IN_FLIGHT + 2);
  });

  it('refuses a limit that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => recorder(bad)).toThrow(/maxInFlight must be a positive integer/);
  });
});
