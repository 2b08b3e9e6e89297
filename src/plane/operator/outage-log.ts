import type { Logger } from 'pino';

/**
 * Logs an API outage once when it starts and once when it ends, however many calls fail in between (claims,
 * heartbeats and reports of every running job all fail together when the API is down). Shared by the whole
 * operator, so "down" means down for everyone.
 */
export class OutageLog {
  private since: number | undefined;
  private failures = 0;

  constructor(private readonly log: Logger) {}

  get down(): boolean {
    return this.since !== undefined;
  }

  failed(err: unknown, during: string): void {
    this.failures++;
    if (this.since !== undefined) return;
    this.since = Date.now();
    this.log.warn({ during, error: (err as Error)?.message ?? String(err) }, 'jobplane API unreachable; retrying with backoff');
  }

  recovered(): void {
    if (this.since === undefined) return;
    this.log.info({ down_ms: Date.now() - this.since, failed_calls: this.failures }, 'jobplane API reachable again');
    this.since = undefined;
    this.failures = 0;
  }
}
