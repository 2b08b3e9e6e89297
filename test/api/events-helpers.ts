import type { TestServer } from '../support/harness.js';

export interface SseFrame {
  id?: string;
  event?: string;
  data?: string;
}

/**
 * A raw GET /events stream read frame by frame (a test-side parser of the wire format, independent of the SDK's).
 * `next(n)` resolves with the next n event frames; comments are collected in `comments`.
 */
export class SseReader {
  readonly comments: string[] = [];
  private readonly frames: SseFrame[] = [];
  private buffer = '';
  private waiters: Array<() => void> = [];
  ended = false;
  private constructor(readonly response: Response, private readonly controller: AbortController) {}

  static async open(server: TestServer, opts: { token?: string; lastEventId?: string; query?: string } = {}): Promise<SseReader> {
    const controller = new AbortController();
    const headers: Record<string, string> = { accept: 'text/event-stream', authorization: `Bearer ${opts.token ?? server.adminToken}` };
    if (opts.lastEventId !== undefined) headers['last-event-id'] = opts.lastEventId;
    const res = await fetch(`${server.url}/events${opts.query ? `?${opts.query}` : ''}`, { headers, signal: controller.signal });
    const reader = new SseReader(res, controller);
    if (res.ok) void reader.pump();
    return reader;
  }

  private async pump(): Promise<void> {
    const body = this.response.body!.getReader();
    const decoder = new TextDecoder();
    let frame: SseFrame = {};
    try {
      for (;;) {
        const { value, done } = await body.read();
        if (done) break;
        this.buffer += decoder.decode(value, { stream: true });
        let nl: number;
        while ((nl = this.buffer.indexOf('\n')) >= 0) {
          const line = this.buffer.slice(0, nl);
          this.buffer = this.buffer.slice(nl + 1);
          if (line === '') {
            if (frame.data !== undefined) this.frames.push(frame);
            frame = {};
          } else if (line.startsWith(':')) {
            this.comments.push(line.slice(1).trim());
          } else {
            const i = line.indexOf(':');
            const field = line.slice(0, i);
            const value = line.slice(i + 1).replace(/^ /, '');
            if (field === 'id' || field === 'event' || field === 'data') frame[field] = value;
          }
        }
        this.wake();
      }
    } catch { /* aborted */ }
    this.ended = true;
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Waits until `check()` holds (re-checked as data arrives), or rejects after `timeoutMs`. */
  async until(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (this.ended) throw new Error(`the stream ended before ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what} (${this.frames.length} frames so far)`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => { clearTimeout(timer); resolve(); });
      });
    }
  }

  /** The next `n` event frames (parsed), removed from the queue. */
  async next(n: number, timeoutMs = 30_000): Promise<Array<{ frame: SseFrame; event: any }>> {
    await this.until(() => this.frames.length >= n, `${n} events`, timeoutMs);
    return this.frames.splice(0, n).map((frame) => ({ frame, event: JSON.parse(frame.data!) }));
  }

  get buffered(): number {
    return this.frames.length;
  }

  close(): void {
    this.controller.abort();
  }
}

/** Every event visible to `token` after `after`, through the JSON pages (after sequencing what committed). */
export async function allEvents(server: TestServer, opts: { after?: string; token?: string; query?: string } = {}): Promise<any[]> {
  await server.app.eventFeed.sequenceNow({ wait: true });
  const out: any[] = [];
  let after = opts.after ?? '0';
  for (;;) {
    const res = await server.request('GET', `/events?format=json&limit=1000&after=${after}${opts.query ? `&${opts.query}` : ''}`, opts.token ? { token: opts.token } : {});
    if (res.status !== 200) throw new Error(`GET /events: ${res.status} ${JSON.stringify(res.body)}`);
    out.push(...res.body.records);
    if (res.body.records.length < 1000) return out;
    after = res.body.next_cursor;
  }
}
