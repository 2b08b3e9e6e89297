import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ClaimJobsRequest, ClaimJobsResult, Job } from '../../src/client/index.js';
import { ClaimLoop, type ClaimApi } from '../../src/plane/operator/claim-loop.js';
import type { JobRunner } from '../../src/plane/operator/job-runner.js';
import { OutageLog } from '../../src/plane/operator/outage-log.js';
import type { JobOutcome } from '../../src/plane/operator/types.js';
import { advanceUntil, settle } from '../support/fake-time.js';
import { captureLogger, claimedJob, down } from './operator-test-kit.js';

/** Claims answered by the test: each call waits (like a long-poll) until the test replies or the loop aborts it. */
function fakeClaims() {
  const calls: Array<{ body: ClaimJobsRequest; reply(records: Job[]): void; fail(err: Error): void }> = [];
  const api: ClaimApi = {
    claimJobs: (body, opts) => new Promise<ClaimJobsResult>((resolve, reject) => {
      opts?.signal?.addEventListener('abort', () => reject(opts.signal!.reason));
      calls.push({
        body,
        reply: (records) => resolve({ records, leaseMs: 3_000, heartbeatMs: 500 }),
        fail: reject,
      });
    }),
  };
  return { api, calls };
}

/** Runners the test finishes by hand. */
function fakeRunners() {
  const made: Array<{ job: Job; executor: string; finish(): void }> = [];
  const create = (job: Job, executor: string) => {
    let finish!: (o: JobOutcome) => void;
    const done = new Promise<JobOutcome>((resolve) => { finish = resolve; });
    made.push({ job, executor, finish: () => finish('completed') });
    return { run: () => done, abort: () => {}, dedicated: job.execution_cluster.type === 'dedicated' } as unknown as JobRunner;
  };
  return { made, create };
}

function loop(slots: number, api: ClaimApi, create: (job: Job, executor: string) => JobRunner, draining = () => false) {
  const { log, lines } = captureLogger();
  const l = new ClaimLoop({
    api, session: { id: 'job-executor-a', get draining() { return draining(); }, heartbeat: async () => {} },
    dataPlaneId: 'plane', types: ['t'], slots, waitMs: 20_000, idlePollMs: 10, log, outage: new OutageLog(log),
    backoff: { initialMs: 5, maxMs: 20 }, createRunner: create,
  });
  return { l, lines };
}

const job = (n: number, cluster: 'shared' | 'dedicated' = 'shared') =>
  claimedJob({ job_id: `00000000-0000-4000-8000-00000000000${n}`, execution_cluster: { type: cluster } });

/** Fake timers: polling, backoff and waitIdle's timeout run on fake time; the test decides when each claim answers. */
beforeEach(() => { vi.useFakeTimers(); });
afterEach(() => { vi.useRealTimers(); });

const until = (check: () => boolean) => advanceUntil(check);

describe('ClaimLoop', () => {
  it('asks for as many jobs as it has free slots, and waits for a slot when full', async () => {
    const { api, calls } = fakeClaims();
    const runners = fakeRunners();
    const { l } = loop(3, api, runners.create);
    l.start();
    await until(() => calls.length === 1);
    expect(calls[0]!.body).toMatchObject({ executor: 'job-executor-a', data_plane_id: 'plane', types: ['t'], limit: 3, wait_ms: 20_000 });
    calls[0]!.reply([job(1), job(2)]);
    await until(() => calls.length === 2);
    expect(calls[1]!.body.limit).toBe(1);
    calls[1]!.reply([job(3)]);
    await until(() => runners.made.length === 3);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toHaveLength(2); // full: no claim, however long it stays full
    runners.made[0]!.finish();
    await until(() => calls.length === 3);
    expect(calls[2]!.body.limit).toBe(1);
    await l.stop(); // aborts the pending long-poll at once
    expect(l.runners).toHaveLength(2);
  });

  it('claims nothing while it runs a dedicated job', async () => {
    const { api, calls } = fakeClaims();
    const runners = fakeRunners();
    const { l } = loop(4, api, runners.create);
    l.start();
    await until(() => calls.length === 1);
    calls[0]!.reply([job(1, 'dedicated')]);
    await until(() => runners.made.length === 1);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toHaveLength(1);
    runners.made[0]!.finish();
    await until(() => calls.length === 2);
    expect(calls[1]!.body.limit).toBe(4);
    await l.stop();
  });

  it('rides out an unreachable API with backoff, logging the outage once', async () => {
    const { api, calls } = fakeClaims();
    const { l, lines } = loop(1, api, fakeRunners().create);
    l.start();
    for (let i = 0; i < 5; i++) {
      await until(() => calls.length === i + 1);
      calls[i]!.fail(down());
    }
    await until(() => calls.length === 6);
    calls[5]!.reply([]);
    await until(() => calls.length === 7);
    expect(lines.filter((line) => line['msg'] === 'jobplane API unreachable; retrying with backoff')).toHaveLength(1);
    expect(lines.filter((line) => line['msg'] === 'jobplane API reachable again')).toHaveLength(1);
    await l.stop();
  });

  it('claims nothing while drained, and waitIdle reports whether the jobs finished in time', async () => {
    const { api, calls } = fakeClaims();
    const runners = fakeRunners();
    let draining = false;
    const { l } = loop(2, api, runners.create, () => draining);
    l.start();
    await until(() => calls.length === 1);
    draining = true;
    calls[0]!.reply([job(1)]);
    await until(() => runners.made.length === 1);
    expect(await settle(l.waitIdle(30))).toEqual({ value: false, elapsedMs: 30 }); // exactly its timeout
    expect(calls).toHaveLength(1);
    const idle = l.waitIdle(10_000);
    runners.made[0]!.finish();
    expect(await settle(idle)).toEqual({ value: true, elapsedMs: 0 }); // as soon as the job ends
    await l.stop();
  });
});
