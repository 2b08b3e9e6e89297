import type { Logger } from 'pino';

/** One thing to stop. `run` gets the end of the grace period (a signal that fires then, or when cut short). */
export interface ShutdownStep {
  /** What the log says the server is waiting for, e.g. "the in-process operator (2 running jobs)". */
  what: () => string;
  run: (graceOver: AbortSignal) => Promise<unknown>;
}

/**
 * The stop sequence of `serve`: steps registered as things start, run in the reverse order (the last started
 * stops first), each one logged with what it waits for and how long it took, one after the other. The grace
 * period is shared: a step that finishes early leaves the rest of it to the next. A failing step is logged and
 * the next one runs anyway, so that the database is always closed and the lock always released.
 */
export class ShutdownSequence {
  private readonly steps: ShutdownStep[] = [];
  private readonly graceOver = new AbortController();
  private running: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly log: Logger) {}

  add(step: ShutdownStep): void {
    this.steps.push(step);
  }

  /** Runs every step (once; later calls return the same promise and end the grace period at once). */
  run(graceMs: number, opts: { quiet?: boolean } = {}): Promise<void> {
    if (this.running) {
      if (!this.graceOver.signal.aborted) {
        this.log.warn('asked again: not waiting any longer; releasing leases and closing connections now');
        this.graceOver.abort();
      }
      return this.running;
    }
    this.timer = setTimeout(() => {
      if (!opts.quiet) this.log.warn({ grace_ms: graceMs }, 'drain grace period over: releasing leases and closing connections');
      this.graceOver.abort();
    }, graceMs);
    this.timer.unref();
    this.running = this.runAll(graceMs, opts.quiet === true);
    return this.running;
  }

  private async runAll(graceMs: number, quiet: boolean): Promise<void> {
    const started = Date.now();
    const info = (obj: object, msg: string) => (quiet ? this.log.debug(obj, msg) : this.log.info(obj, msg));
    info({ grace_ms: graceMs, steps: this.steps.length }, 'shutting down');
    for (const step of [...this.steps].reverse()) {
      const t0 = Date.now();
      info({}, `shutdown: waiting for ${step.what()}`);
      try {
        await step.run(this.graceOver.signal);
      } catch (err) {
        this.log.error({ err }, `shutdown: ${step.what()} failed; carrying on`);
      }
      this.log.debug({ ms: Date.now() - t0 }, 'shutdown step done');
    }
    clearTimeout(this.timer);
    info({ ms: Date.now() - started }, 'shut down');
  }
}

/** `{done: true, value}` when `work` settles first; `{done: false}` once `signal` has fired and `extraMs` more have passed. */
export async function untilAborted<T>(work: Promise<T>, signal: AbortSignal, extraMs = 0): Promise<{ done: true; value: T } | { done: false }> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const over = new Promise<{ done: false }>((resolve) => {
    const fire = () => { timer = setTimeout(() => resolve({ done: false }), extraMs); };
    if (signal.aborted) fire();
    else signal.addEventListener('abort', (onAbort = fire), { once: true });
  });
  try {
    return await Promise.race([work.then((value) => ({ done: true as const, value })), over]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}
