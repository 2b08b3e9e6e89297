import type { JobplaneClient } from '../client/client.js';
import { isTransient } from '../client/errors.js';
import type { Job } from '../client/types.js';
import { CliError, EXIT } from './cli-errors.js';
import { formatCount } from './output.js';

/**
 * Following a job until it is over. "Over" is not the same as the API's terminal states: a `failed` job with a
 * `retry_at` and attempts left will run again, so waiting goes on through it (that is what `--wait` users mean).
 */
export function isOver(job: Pick<Job, 'state' | 'retry_at' | 'attempt' | 'max_attempts'>): boolean {
  if (job.state === 'completed' || job.state === 'cancelled') return true;
  if (job.state !== 'failed') return false;
  return !(job.retry_at !== null && job.attempt < job.max_attempts);
}

/** The exit code for a job that is over: 0 only for `completed`. */
export function exitCodeOf(job: Pick<Job, 'state'>): number {
  if (job.state === 'completed') return EXIT.ok;
  if (job.state === 'cancelled') return EXIT.cancelled;
  return EXIT.error;
}

export interface FollowOptions {
  /** How often to ask for the job (default 500 ms). */
  intervalMs?: number;
  /** Give up after this long (a CliError with EXIT.timeout); default: wait as long as it takes. */
  timeoutMs?: number;
  /** Called with every version of the job whose state, attempt or progress changed (the first one too). */
  onChange?: (job: Job, previous: Job | undefined) => void;
  /** Called on every poll (for a ticking display). */
  onTick?: (job: Job) => void;
}

/**
 * Polls the job until it is over and returns it. A transient error (the server restarting, a 5xx) is retried at
 * the same pace; anything else (404, 403) ends the wait with that error.
 */
export async function followJob(client: JobplaneClient, jobId: string, opts: FollowOptions = {}): Promise<Job> {
  const interval = opts.intervalMs ?? 500;
  const deadline = opts.timeoutMs === undefined ? Infinity : Date.now() + opts.timeoutMs;
  let previous: Job | undefined;
  for (;;) {
    let job: Job | undefined;
    try {
      job = await client.getJob(jobId);
    } catch (err) {
      if (!isTransient(err) || Date.now() >= deadline) throw err;
    }
    if (job) {
      if (!previous || changed(previous, job)) opts.onChange?.(job, previous);
      opts.onTick?.(job);
      previous = job;
      if (isOver(job)) return job;
    }
    if (Date.now() >= deadline) {
      throw new CliError(`gave up waiting for job ${jobId} after ${Math.round(opts.timeoutMs! / 1000)} s: it is ${previous?.state ?? 'unknown'}`, EXIT.timeout);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(interval, Math.max(0, deadline - Date.now()))));
  }
}

function changed(a: Job, b: Job): boolean {
  return a.state !== b.state || a.attempt !== b.attempt || a.failures.length !== b.failures.length
    || JSON.stringify(progressOf(a)) !== JSON.stringify(progressOf(b));
}

/** The operator's latest progress report, when the server shows it on the job (`progress`, free-form). */
export function progressOf(job: Job): Record<string, unknown> | undefined {
  const p = (job as Job & { progress?: unknown }).progress;
  return p && typeof p === 'object' ? p as Record<string, unknown> : undefined;
}

/** `running, attempt 2/3, query, 12,345 rows`: the state and what is known of the progress. */
export function describeProgress(job: Job): string {
  const parts = [job.state, `attempt ${job.attempt}/${job.max_attempts}`];
  const p = progressOf(job);
  if (typeof p?.['phase'] === 'string') parts.push(p['phase']);
  const rows = p?.['rows'] ?? p?.['rows_written'];
  if (typeof rows === 'number') parts.push(`${formatCount(rows)} rows`);
  if (job.state === 'failed' && job.retry_at) parts.push(`retry at ${new Date(job.retry_at).toLocaleTimeString()}`);
  return parts.join(', ');
}

/**
 * The live line on a terminal's stderr while a command waits: the job's progress and the time waited, rewritten
 * in place; retries are kept as lines of their own. Off the terminal it prints nothing (stdout has the result).
 */
export class WaitDisplay {
  readonly #tty = Boolean(process.stderr.isTTY);
  readonly #started = Date.now();
  #timer: NodeJS.Timeout | undefined;
  #job: Job | undefined;
  #frame = 0;

  constructor(private readonly label: string) {
    if (this.#tty) this.#timer = setInterval(() => this.#draw(), 250);
  }

  change(job: Job, previous: Job | undefined): void {
    if (this.#tty && previous && job.failures.length > previous.failures.length && !isOver(job)) {
      const failure = job.failures.at(-1)!;
      this.#line(`attempt ${previous.attempt} failed: ${failure.message}; it will be retried`);
    }
    this.#job = job;
    this.#draw();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    if (this.#tty) process.stderr.write('\r\x1b[2K');
  }

  #line(text: string): void {
    process.stderr.write(`\r\x1b[2K${text}\n`);
  }

  #draw(): void {
    if (!this.#tty || !this.#job) return;
    const spin = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏'[this.#frame++ % 10];
    const secs = Math.round((Date.now() - this.#started) / 1000);
    process.stderr.write(`\r\x1b[2K${spin} ${this.label}: ${describeProgress(this.#job)} (${secs}s)`);
  }
}

/** Waits for the job with the terminal display; the final job. */
export async function waitWithDisplay(client: JobplaneClient, jobId: string, opts: { timeoutMs?: number; intervalMs?: number } = {}): Promise<Job> {
  const display = new WaitDisplay(`job ${jobId}`);
  try {
    return await followJob(client, jobId, { ...opts, onChange: (job, prev) => display.change(job, prev) });
  } finally {
    display.stop();
  }
}

/** The failure a user should read for a job that ended badly, for stderr. */
export function endMessage(job: Job): string | undefined {
  if (job.state === 'completed') return undefined;
  if (job.state === 'cancelled') return `job ${job.job_id} was cancelled`;
  const last = job.failures.at(-1);
  return `job ${job.job_id} failed after ${job.attempt} attempt${job.attempt === 1 ? '' : 's'}${last ? `: ${last.message}` : ''}`;
}
