import type { Logger } from 'pino';
import type { JobplaneClient } from '../../client/client.js';
import { isNotFound, isTransient } from '../../client/errors.js';
import type { Executor, RegisterExecutorRequest } from '../../client/types.js';
import { withApiRetry } from './api-retry.js';
import type { BackoffOptions } from './backoff.js';
import type { OutageLog } from './outage-log.js';

export type ExecutorApi = Pick<
  JobplaneClient, 'registerExecutor' | 'heartbeatExecutor' | 'drainExecutor' | 'deregisterExecutor' | 'heartbeatDataPlane'
>;

export interface ExecutorSessionOptions {
  api: ExecutorApi;
  registration: RegisterExecutorRequest;
  log: Logger;
  outage: OutageLog;
  backoff?: BackoffOptions | undefined;
}

/**
 * The executor's registration with the control plane: register, heartbeat (executor and data plane), notice a
 * drain asked through the API, drain and deregister on shutdown. If the server forgets the executor (pruned after a
 * long outage), the next heartbeat registers a new one: jobs already running keep the lease they were claimed with.
 */
export class ExecutorSession {
  private current: Executor | undefined;
  private timer: NodeJS.Timeout | undefined;
  private beating = false;
  /** Set once we drain ourselves, so that the heartbeat does not report it as someone else's doing. */
  private selfDrained = false;
  /** Ends a re-registration still retrying against a down API when the operator stops. */
  private readonly stopped = new AbortController();

  constructor(private readonly opts: ExecutorSessionOptions) {}

  get id(): string {
    if (!this.current) throw new Error('the executor is not registered yet');
    return this.current.id;
  }

  /** Someone drained this executor through the API (or we did): claim nothing more. */
  get draining(): boolean {
    return this.current?.status === 'draining';
  }

  /** Registers, retrying while the API is unreachable (until `giveUp`). Other errors (403, 400) are thrown. */
  async register(giveUp?: AbortSignal): Promise<Executor> {
    const executor = await withApiRetry(() => this.opts.api.registerExecutor(this.opts.registration), {
      what: 'executor registration', outage: this.opts.outage, backoff: this.opts.backoff, giveUp,
    });
    this.current = executor;
    this.opts.log.info({ executor: executor.id, types: executor.types, slots: executor.slots }, 'executor registered');
    return executor;
  }

  startHeartbeats(intervalMs: () => number): void {
    this.beating = true;
    const tick = async () => {
      await this.heartbeat();
      if (this.beating) this.timer = setTimeout(() => void tick(), intervalMs());
    };
    this.timer = setTimeout(() => void tick(), intervalMs());
  }

  stopHeartbeats(): void {
    this.beating = false;
    clearTimeout(this.timer);
    this.stopped.abort();
  }

  async heartbeat(): Promise<void> {
    const before = this.current;
    if (!before) return;
    try {
      const executor = await this.opts.api.heartbeatExecutor(before.id);
      this.opts.outage.recovered();
      if (executor.status === 'draining' && before.status !== 'draining' && !this.selfDrained) {
        this.opts.log.info({ executor: executor.id }, 'executor drained through the API: claiming nothing more');
      }
      this.current = executor;
      // The plane's "last seen" is for humans and dashboards; its failure must not disturb the executor.
      await this.opts.api.heartbeatDataPlane(executor.data_plane_id).catch(() => undefined);
    } catch (err) {
      if (isNotFound(err) && this.beating) {
        this.opts.log.warn({ executor: before.id }, 'the control plane no longer knows this executor; registering again');
        await this.register(this.stopped.signal).catch((e: unknown) => {
          if (!this.stopped.signal.aborted) this.opts.log.error({ err: e }, 'registering again failed');
        });
      } else if (isTransient(err)) {
        this.opts.outage.failed(err, 'executor heartbeat');
      } else {
        this.opts.log.error({ err }, 'executor heartbeat rejected');
      }
    }
  }

  /** Best effort within `timeoutMs`: the server stops offering us jobs. */
  async drain(timeoutMs: number): Promise<void> {
    const id = this.current?.id;
    if (!id) return;
    this.selfDrained = true;
    try {
      this.current = await this.opts.api.drainExecutor(id, { timeoutMs });
    } catch (err) {
      this.opts.log.warn({ error: (err as Error).message }, 'could not mark the executor draining; stopping anyway');
    }
  }

  /** Best effort within `timeoutMs`: jobs the server still thinks we run go back to pending at once. */
  async deregister(timeoutMs: number): Promise<void> {
    const id = this.current?.id;
    if (!id) return;
    this.stopHeartbeats();
    try {
      const res = await this.opts.api.deregisterExecutor(id, { timeoutMs });
      this.opts.log.info({ executor: id, released_jobs: res.released_jobs }, 'executor deregistered');
    } catch (err) {
      if (isNotFound(err)) return; // already gone (pruned)
      this.opts.log.warn({ executor: id, error: (err as Error).message },
        'could not deregister the executor; the control plane prunes it once it stays silent');
    }
  }
}
