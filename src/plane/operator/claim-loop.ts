import type { Logger } from 'pino';
import type { JobplaneClient } from '../../client/client.js';
import { isApiError, isNotFound, isTransient } from '../../client/errors.js';
import type { Job } from '../../client/types.js';
import { Backoff, sleep, type BackoffOptions } from './backoff.js';
import type { ExecutorSession } from './executor-session.js';
import type { JobRunner } from './job-runner.js';
import type { OutageLog } from './outage-log.js';
import type { AbortCause } from './types.js';

export type ClaimApi = Pick<JobplaneClient, 'claimJobs'>;

export interface ClaimLoopOptions {
  api: ClaimApi;
  session: Pick<ExecutorSession, 'id' | 'draining' | 'heartbeat'>;
  dataPlaneId: string;
  computePoolId?: string | undefined;
  types: readonly string[];
  slots: number;
  /** Long-poll length of each claim (0 = plain polling every `idlePollMs`). */
  waitMs: number;
  /** Pause after an empty answer that came back at once (polling mode, draining, or full in the server's view). */
  idlePollMs: number;
  log: Logger;
  outage: OutageLog;
  backoff?: BackoffOptions | undefined;
  /** Builds the runner of a claimed job (the operator wires handler, heartbeat interval and logger). */
  createRunner(job: Job, executor: string): JobRunner;
  /** Called with the server's announced heartbeat interval whenever a claim reply carries it. */
  onTiming?(timing: { leaseMs: number | undefined; heartbeatMs: number | undefined }): void;
}

/**
 * Keeps the executor's slots busy: claims as many jobs as it has free slots, long-polling so that an idle operator
 * costs one request per `waitMs` and still starts a new job as soon as it is created. Each claimed job gets a
 * JobRunner; the loop waits for a free slot when all are taken, and takes nothing while it runs a dedicated job.
 */
export class ClaimLoop {
  private readonly running = new Set<JobRunner>();
  private readonly stopController = new AbortController();
  private readonly backoff: Backoff;
  private slotWaiters: Array<() => void> = [];
  private loopPromise: Promise<void> | undefined;
  private lastErrorKey: string | undefined;

  constructor(private readonly opts: ClaimLoopOptions) {
    this.backoff = new Backoff(opts.backoff);
  }

  start(): void {
    this.loopPromise ??= this.loop().catch((err: unknown) => {
      this.opts.log.fatal({ err }, 'claim loop crashed; no new jobs will be claimed');
    });
  }

  /** Stops claiming: an in-flight long-poll is aborted at once. Running jobs carry on. */
  async stop(): Promise<void> {
    this.stopController.abort();
    this.wakeSlotWaiters();
    await this.loopPromise;
  }

  get runners(): JobRunner[] {
    return [...this.running];
  }

  abortAll(cause: AbortCause): void {
    for (const runner of this.running) runner.abort(cause);
  }

  /** Resolves true once no job runs, or false when `timeoutMs` passes (or `cut` aborts) first. */
  async waitIdle(timeoutMs: number, cut?: AbortSignal): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.running.size > 0) {
      const left = deadline - Date.now();
      if (left <= 0 || cut?.aborted) return false;
      const slot = new Promise<void>((resolve) => this.slotWaiters.push(resolve));
      const timeout = new AbortController();
      const onCut = () => timeout.abort();
      cut?.addEventListener('abort', onCut, { once: true });
      await Promise.race([slot, sleep(left, timeout.signal)]);
      timeout.abort();
      cut?.removeEventListener('abort', onCut);
    }
    return true;
  }

  /** Resolves once every runner has finished (each is bounded by its own abort grace and give-up signal). */
  async settled(): Promise<void> {
    await Promise.all([...this.running].map((r) => r.run()));
  }

  /** One claim for the free slots; returns how many jobs started. Exposed for tests. */
  async claimOnce(): Promise<number> {
    const free = this.opts.slots - this.running.size;
    const executor = this.opts.session.id;
    const started = Date.now();
    const reply = await this.opts.api.claimJobs({
      executor, data_plane_id: this.opts.dataPlaneId, types: [...this.opts.types], limit: Math.min(free, 100),
      wait_ms: this.opts.waitMs,
      ...(this.opts.computePoolId ? { compute_pool_id: this.opts.computePoolId } : {}),
    }, { signal: this.stopController.signal });
    this.opts.onTiming?.({ leaseMs: reply.leaseMs, heartbeatMs: reply.heartbeatMs });
    for (const job of reply.records) this.launch(job, executor);
    if (reply.records.length === 0 && Date.now() - started < Math.min(this.opts.waitMs, 1_000) / 2) {
      // The server said "nothing" without waiting: polling mode, or we are drained or full in its view. Don't spin.
      await sleep(this.opts.idlePollMs * (0.75 + Math.random() / 2), this.stopController.signal);
    }
    return reply.records.length;
  }

  private get stopped(): boolean {
    return this.stopController.signal.aborted;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      if (this.opts.session.draining) {
        await sleep(this.opts.idlePollMs, this.stopController.signal);
        continue;
      }
      if (this.running.size >= this.opts.slots || this.runners.some((r) => r.dedicated)) {
        await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
        continue;
      }
      try {
        await this.claimOnce();
        this.opts.outage.recovered();
        this.backoff.reset();
        this.lastErrorKey = undefined;
      } catch (err) {
        if (this.stopped) break;
        this.noteClaimError(err);
        await sleep(this.backoff.next(), this.stopController.signal);
      }
    }
  }

  /** An unreachable API is logged once per outage; a refusal (401, 403, 404...) once per distinct refusal. */
  private noteClaimError(err: unknown): void {
    if (isTransient(err)) {
      this.opts.outage.failed(err, 'claim');
      return;
    }
    this.opts.outage.recovered();
    // Maybe the server forgot our executor: a heartbeat finds out, and registers again if so.
    if (isNotFound(err)) void this.opts.session.heartbeat();
    const key = isApiError(err) ? `${err.status}:${err.code}` : String(err);
    if (key === this.lastErrorKey) return;
    this.lastErrorKey = key;
    this.opts.log.error({ err }, 'claim refused; retrying with backoff');
  }

  private launch(job: Job, executor: string): void {
    const runner = this.opts.createRunner(job, executor);
    this.running.add(runner);
    void runner.run().finally(() => {
      this.running.delete(runner);
      this.wakeSlotWaiters();
    });
  }

  private wakeSlotWaiters(): void {
    const waiters = this.slotWaiters;
    this.slotWaiters = [];
    for (const wake of waiters) wake();
  }
}
