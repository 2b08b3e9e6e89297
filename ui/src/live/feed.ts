import { currentToken } from '../api/client';

/**
 * Live updates without reloading. When the server has the event feed (`GET /events`, server-sent events), one
 * stream per tab tells every subscribed view when a job changed, and the view fetches what it shows again. Until
 * the feed exists (the request answers 404), and whenever the stream is down, views are refreshed every 2 s.
 *
 * EventSource cannot send an Authorization header, and the token must not go into the URL, so the stream is read
 * with fetch() and parsed here (the text/event-stream format: `id:`, `event:`, `data:` lines, a blank line ends
 * an event, lines starting with ":" are comments such as heartbeats). A dropped stream reconnects with the last
 * event id (`Last-Event-ID`), so nothing is missed.
 */
export const POLL_MS = 2_000;
/** With the stream up, views still refresh this often: a safety net, not the mechanism. */
const SAFETY_MS = 30_000;
/**
 * A burst of events (a batch of claims) costs one refetch per view: the first event waits COALESCE_MS for the rest
 * of its burst, and a view refetches at most once per MIN_REFRESH_MS however busy the system is (each refetch of the
 * jobs page counts the jobs).
 */
const COALESCE_MS = 100;
const MIN_REFRESH_MS = 1_000;
/** With no view subscribed for this long, the stream is closed. */
const IDLE_MS = 5_000;

export type FeedMode = 'connecting' | 'stream' | 'polling';

export interface FeedEvent {
  id: string | null;
  type: string;
  /** The job the event is about, when it says. */
  jobId: string | null;
}

interface Subscriber {
  /** Only events of this job (a job page); absent = every event. */
  jobId?: string | undefined;
  refresh: () => void;
  timer: ReturnType<typeof setTimeout> | null;
  /** When an event last made it refetch (performance.now()). */
  lastEventRefresh: number;
}

class LiveFeed {
  private subscribers = new Set<Subscriber>();
  private modeListeners = new Set<(mode: FeedMode) => void>();
  mode: FeedMode = 'connecting';
  /** null until known; false once the server answered 404 (no feed in this version): never asked again. */
  private feedExists: boolean | null = null;
  private abort: AbortController | null = null;
  private lastEventId: string | null = null;
  private pollTimer: ReturnType<typeof setInterval> | null = null;
  private reconnectDelay = 1_000;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private idleTimer: ReturnType<typeof setTimeout> | null = null;
  /** Between start() and stop(): a stream or a poll timer is (being) set up. */
  private running = false;

  subscribe(jobId: string | undefined, refresh: () => void): () => void {
    const sub: Subscriber = { jobId, refresh, timer: null, lastEventRefresh: -Infinity };
    this.subscribers.add(sub);
    if (this.idleTimer) {
      clearTimeout(this.idleTimer);
      this.idleTimer = null;
    }
    if (this.subscribers.size === 1 && !this.running) this.start();
    return () => {
      if (sub.timer) clearTimeout(sub.timer);
      this.subscribers.delete(sub);
      // Going from one page to the next unsubscribes and subscribes again at once: keep the stream meanwhile.
      if (this.subscribers.size === 0) this.idleTimer = setTimeout(() => this.stop(), IDLE_MS);
    };
  }

  onMode(listener: (mode: FeedMode) => void): () => void {
    this.modeListeners.add(listener);
    return () => this.modeListeners.delete(listener);
  }

  /** Signed out: drop the stream (it carries the old token) and forget what it had seen. */
  reset(): void {
    this.stop();
    this.lastEventId = null;
    if (this.subscribers.size > 0) this.start();
  }

  private setMode(mode: FeedMode): void {
    if (this.mode === mode) return;
    this.mode = mode;
    for (const l of this.modeListeners) l(mode);
  }

  private start(): void {
    this.running = true;
    if (this.feedExists === false) this.startPolling(POLL_MS);
    else void this.connect();
  }

  private stop(): void {
    this.running = false;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    this.abort?.abort();
    this.abort = null;
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = null;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
  }

  private startPolling(ms: number): void {
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = setInterval(() => {
      // A hidden tab asks nothing; it catches up when shown (visibilitychange below).
      if (document.visibilityState === 'hidden') return;
      for (const s of this.subscribers) s.refresh();
    }, ms);
    this.setMode(ms === POLL_MS ? 'polling' : 'stream');
  }

  private async connect(): Promise<void> {
    const token = currentToken();
    if (!token) return;
    const abort = new AbortController();
    this.abort = abort;
    // Until the stream answers, poll, so that nothing waits on the connection.
    this.startPolling(POLL_MS);
    this.setMode(this.feedExists ? 'polling' : 'connecting');
    try {
      const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'text/event-stream' };
      if (this.lastEventId) headers['last-event-id'] = this.lastEventId;
      const res = await fetch('/events', { headers, signal: abort.signal, cache: 'no-store', credentials: 'omit' });
      if (res.status === 404) {
        this.feedExists = false;
        this.setMode('polling');
        return;
      }
      if (!res.ok || !res.body || !(res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
        throw new Error(`the event feed answered ${res.status}`);
      }
      this.feedExists = true;
      this.reconnectDelay = 1_000;
      this.startPolling(SAFETY_MS);
      this.setMode('stream');
      // Whatever happened while we were not connected is fetched once now.
      for (const s of this.subscribers) s.refresh();
      await this.read(res.body, abort.signal);
      throw new Error('the event feed closed');
    } catch (err) {
      if (abort.signal.aborted) return;
      this.startPolling(POLL_MS);
      this.reconnectTimer = setTimeout(() => void this.connect(), this.reconnectDelay);
      this.reconnectDelay = Math.min(this.reconnectDelay * 2, 30_000);
      void err;
    }
  }

  private async read(body: ReadableStream<Uint8Array>, signal: AbortSignal): Promise<void> {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let carry = '';
    let id: string | null = null;
    let type = 'message';
    let data = '';
    while (!signal.aborted) {
      const { value, done } = await reader.read();
      if (done) return;
      const lines = (carry + decoder.decode(value, { stream: true })).split(/\r\n|\r|\n/);
      carry = lines.pop() ?? '';
      for (const line of lines) {
        if (line === '') {
          if (data !== '' || id !== null) this.dispatch({ id, type, data });
          id = null;
          type = 'message';
          data = '';
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const text = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'id') id = text;
        else if (field === 'event') type = text;
        else if (field === 'data') data = data === '' ? text : `${data}\n${text}`;
      }
    }
  }

  private dispatch(raw: { id: string | null; type: string; data: string }): void {
    if (raw.id !== null) this.lastEventId = raw.id;
    let jobId: string | null = null;
    try {
      const parsed = JSON.parse(raw.data) as { data?: { job_id?: string } };
      jobId = parsed.data?.job_id ?? null;
    } catch { /* not JSON: treat as "something changed" */ }
    for (const s of this.subscribers) {
      if (s.jobId && jobId && s.jobId !== jobId) continue;
      if (s.timer) continue;
      const wait = Math.max(COALESCE_MS, s.lastEventRefresh + MIN_REFRESH_MS - performance.now());
      s.timer = setTimeout(() => {
        s.timer = null;
        s.lastEventRefresh = performance.now();
        s.refresh();
      }, wait);
    }
  }

  /** Back in view: refresh at once instead of at the next tick. */
  visible(): void {
    for (const s of this.subscribers) s.refresh();
  }
}

export const feed = new LiveFeed();

if (typeof document !== 'undefined') {
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') feed.visible();
  });
}
