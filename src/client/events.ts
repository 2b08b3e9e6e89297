import { ApiError, isTransient } from './errors.js';
import type { EventsQuery, JobStateEvent, Problem } from './types.js';

/** One job event of the feed (GET /events) and of webhook deliveries: `{id, type: "job.<state>", created_at, data: Job}`. */
export type FeedEvent = JobStateEvent;

/** What `streamEvents` follows (as EventsQuery, lists allowed). */
export interface EventFilter extends Omit<EventsQuery, 'after' | 'limit' | 'type' | 'state'> {
  /** Job types (comma-separated or a list). */
  type?: string | readonly string[];
  /** States the events moved jobs to. */
  state?: string | readonly string[];
}

export interface EventStreamOptions extends EventFilter {
  /** Start after this position; absent = with the events that come next ("0" = from the oldest kept). */
  after?: string | undefined;
  /** Ends the iteration (the `for await` loop returns). */
  signal?: AbortSignal | undefined;
  /** A connection that delivers nothing (not even a heartbeat) for this long is re-opened. Default 45 s. */
  idleTimeoutMs?: number | undefined;
  /** Told each time the stream is re-opened after a drop, with the cursor it resumes after. */
  onReconnect?: ((info: { after: string | undefined; attempt: number; delayMs: number; error: unknown }) => void) | undefined;
}

export interface StreamConnection {
  baseUrl: string;
  token?: string | undefined;
  fetch?: typeof fetch | undefined;
}

const join = (v: string | readonly string[] | undefined) => (v === undefined ? undefined : typeof v === 'string' ? v : v.join(','));

function filterQuery(q: EventFilter): Record<string, string | undefined> {
  return { job_id: q.job_id, type: join(q.type), state: join(q.state), data_plane_id: q.data_plane_id };
}

/**
 * Follows the feed live as an async iterator: every event after `after`, in commit order, for as long as the caller
 * iterates. A dropped connection (network, a restarting or closing server, silence past `idleTimeoutMs`) is
 * re-opened with Last-Event-ID = the last event received, so the iteration sees each event exactly once and in
 * order, across reconnects and API servers. Errors the server means (401, 403, 400) end the iteration by throwing.
 *
 * ```ts
 * for await (const event of client.streamEvents({ state: 'completed' })) console.log(event.data.job_id);
 * ```
 */
export async function* streamEvents(conn: StreamConnection, opts: EventStreamOptions = {}): AsyncGenerator<FeedEvent, void, undefined> {
  const fetchFn = conn.fetch ?? globalThis.fetch.bind(globalThis);
  const base = conn.baseUrl.replace(/\/+$/, '');
  const idleMs = opts.idleTimeoutMs ?? 45_000;
  let cursor = opts.after;
  let failures = 0;
  while (!opts.signal?.aborted) {
    const search = new URLSearchParams();
    search.set('format', 'sse');
    for (const [k, v] of Object.entries(filterQuery(opts))) if (v !== undefined) search.set(k, v);
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (conn.token) headers['authorization'] = `Bearer ${conn.token}`;
    if (cursor !== undefined) headers['last-event-id'] = cursor;
    const idle = new AbortController();
    const signal = opts.signal ? AbortSignal.any([opts.signal, idle.signal]) : idle.signal;
    let idleTimer = setTimeout(() => idle.abort(new Error(`no data for ${idleMs} ms`)), idleMs);
    const alive = () => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => idle.abort(new Error(`no data for ${idleMs} ms`)), idleMs);
    };
    let error: unknown;
    try {
      const res = await fetchFn(`${base}/events?${search}`, { headers, signal });
      if (!res.ok) {
        const problem = await problemOf(res);
        const err = new ApiError('GET', '/events', problem);
        if (!isTransient(err)) throw err;
        error = err;
      } else {
        // Where a live stream started, so that a drop before its first event resumes without a gap.
        cursor ??= res.headers.get('x-jobplane-cursor') ?? undefined;
        failures = 0;
        for await (const frame of sseFrames(res.body!, alive)) {
          if (frame.data === undefined) continue;
          const event = JSON.parse(frame.data) as FeedEvent;
          cursor = frame.id ?? event.id;
          yield event;
        }
        error = new Error('the server ended the stream');
      }
    } catch (err) {
      if (opts.signal?.aborted) return;
      if (err instanceof ApiError && !isTransient(err)) throw err;
      error = err;
    } finally {
      clearTimeout(idleTimer);
      idle.abort();
    }
    const delayMs = Math.min(5_000, 250 * 2 ** failures++);
    opts.onReconnect?.({ after: cursor, attempt: failures, delayMs, error });
    await sleep(delayMs, opts.signal);
  }
}

async function problemOf(res: Response): Promise<Problem> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as Problem;
    if (typeof body.code === 'string') return { ...body, status: res.status };
  } catch { /* not a problem body */ }
  return {
    type: 'about:blank', title: res.statusText || `HTTP ${res.status}`, status: res.status,
    detail: text.slice(0, 500) || `HTTP ${res.status}`, instance: '/events',
    code: res.status >= 500 ? 'service_unavailable' : `http_${res.status}`,
  } as Problem;
}

interface SseFrame {
  id?: string;
  event?: string;
  data?: string;
}

/** Parses a text/event-stream body into frames (comments and `retry:` only call `alive`). */
async function* sseFrames(body: ReadableStream<Uint8Array>, alive: () => void): AsyncGenerator<SseFrame> {
  const decoder = new TextDecoder();
  let buffer = '';
  let frame: SseFrame = {};
  const reader = body.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      alive();
      buffer += decoder.decode(value, { stream: true });
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline).replace(/\r$/, '');
        buffer = buffer.slice(newline + 1);
        if (line === '') {
          if (frame.data !== undefined || frame.id !== undefined) yield frame;
          frame = {};
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'data') frame.data = frame.data === undefined ? value : `${frame.data}\n${value}`;
        else if (field === 'id') frame.id = value;
        else if (field === 'event') frame.event = value;
      }
    }
  } finally {
    reader.releaseLock();
    await body.cancel().catch(() => {});
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
