import type { Logger } from 'pino';

/**
 * Resources that handlers share for the operator's lifetime (`HandlerEnv.shared`): each opened once, on first use,
 * even when two handlers ask at the same time, and closed in reverse order of opening when the operator stops.
 */
export class SharedResources {
  private readonly entries = new Map<string, { value: Promise<unknown>; close?: ((value: any) => Promise<void>) | undefined }>();

  constructor(private readonly log: Logger) {}

  get<T>(key: string, open: () => Promise<T>, close?: (value: T) => Promise<void>): Promise<T> {
    let entry = this.entries.get(key);
    if (!entry) {
      const value = open();
      entry = { value, close };
      this.entries.set(key, entry);
      value.catch(() => this.entries.delete(key)); // a failed open may be retried by the next caller
    }
    return entry.value as Promise<T>;
  }

  async closeAll(): Promise<void> {
    for (const [key, entry] of [...this.entries].reverse()) {
      this.entries.delete(key);
      if (!entry.close) continue;
      try {
        await entry.close(await entry.value);
      } catch (err) {
        this.log.warn({ err, resource: key }, 'closing a shared handler resource failed');
      }
    }
  }
}
