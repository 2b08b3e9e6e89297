import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { JobScope } from '../../store/job-columns.js';
import { eventsList, type FeedEvent, type FeedFilter } from '../../store/events.js';

/** Events read and written per round; a slow client holds at most this much beyond its socket buffer. */
const PAGE = 200;
/** A client that does not read for this long is dropped (it resumes with Last-Event-ID when it comes back). */
const DRAIN_TIMEOUT_MS = 60_000;
/** What EventSource clients wait before reconnecting. */
const RETRY_MS = 2_000;

export interface StreamOptions {
  scope: JobScope;
  filter: FeedFilter;
  /** Send the events after this position. */
  after: number;
  heartbeatMs: number;
  /** Re-read at least this often even without a wake-up (a lost notification only delays events). */
  pollMs: number;
}

const frames = new WeakMap<FeedEvent, string>();

/** One event as an SSE frame: its position as `id`, its type as `event`, the event as one `data` line. */
export function sseFrame(event: FeedEvent): string {
  let frame = frames.get(event);
  if (frame === undefined) {
    frame = `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
    frames.set(event, frame); // events never change: streams that share a page share its frames
  }
  return frame;
}

/**
 * Streams that follow the same feed (same scope and filters) are usually at the same cursor: each wake-up would
 * make every one of them run the same query. They share it instead: pages are memoized per (scope, filters,
 * cursor) until the feed moves. A memoized page is still a correct answer after that (events are immutable and new
 * ones only come after it), so sharing it can delay an event, never skip one. A page is shared for MEMO_MS at
 * most, so that a reader woken by its safety timer (a lost notification: the version did not move) reads afresh.
 */
const MEMO_MS = 100;

class PageMemo {
  private version = -1;
  private readonly pages = new Map<string, { at: number; page: Promise<FeedEvent[]> }>();

  read(app: FastifyInstance, opts: StreamOptions, after: number): Promise<FeedEvent[]> {
    const version = app.eventFeed.version;
    if (version !== this.version || this.pages.size > 1_000) {
      this.pages.clear();
      this.version = version;
    }
    const key = JSON.stringify([opts.scope, opts.filter, after]);
    const now = Date.now();
    const memo = this.pages.get(key);
    if (memo && now - memo.at <= MEMO_MS) return memo.page;
    const page = eventsList(app.db, opts.scope, opts.filter, after, PAGE);
    this.pages.set(key, { at: now, page });
    page.catch(() => this.pages.delete(key));
    return page;
  }
}

const memos = new WeakMap<FastifyInstance, PageMemo>();

/**
 * Streams the feed to one client as Server-Sent Events until the client goes away or the server closes. The
 * stream is pulled from the database by cursor, so nothing is buffered per client beyond one page: when the
 * socket's buffer is full, reading waits for it to drain (backpressure), and a client that stops reading for
 * DRAIN_TIMEOUT_MS is dropped. Heartbeats are SSE comments, which EventSource ignores.
 */
export async function streamFeed(app: FastifyInstance, reply: FastifyReply, opts: StreamOptions): Promise<void> {
  reply.hijack();
  const res = reply.raw;
  const gone = new AbortController();
  res.once('close', () => gone.abort());
  const stop = AbortSignal.any([gone.signal, app.closing.signal]);
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    // The stream holds the connection until it ends; then the connection closes rather than idling as keep-alive
    // (a server shutting down would otherwise wait for the client to drop it).
    connection: 'close',
    // Proxies such as nginx would otherwise hold events back to fill a buffer.
    'x-accel-buffering': 'no',
    // Where this stream starts: a client that drops before the first event resumes from here, not from "now".
    'x-jobplane-cursor': String(opts.after),
  });
  app.metrics.feedClients.inc();
  const heartbeat = setInterval(() => {
    if (!res.writableNeedDrain && !res.writableEnded) res.write(': heartbeat\n\n');
  }, opts.heartbeatMs);
  let cursor = opts.after;
  let memo = memos.get(app);
  if (!memo) memos.set(app, (memo = new PageMemo()));
  try {
    await write(res, `retry: ${RETRY_MS}\n: jobplane events after ${cursor}\n\n`, stop);
    while (!stop.aborted) {
      const version = app.eventFeed.version;
      const page = await memo.read(app, opts, cursor);
      for (const event of page) {
        if (stop.aborted) break;
        await write(res, sseFrame(event), stop);
        cursor = Number(event.id);
      }
      if (page.length < PAGE) await app.eventFeed.waitForChange(version, opts.pollMs, stop);
    }
  } catch (err) {
    if (!stop.aborted) app.log.warn({ err, cursor }, 'event stream ended by an error; the client resumes with Last-Event-ID');
  } finally {
    clearInterval(heartbeat);
    app.metrics.feedClients.dec();
    if (gone.signal.aborted || res.writableNeedDrain) res.destroy();
    else res.end();
  }
}

/** Writes a chunk; when the socket buffer is full, waits until it drains (or the client is gone or too slow). */
async function write(res: ServerResponse, chunk: string, stop: AbortSignal): Promise<void> {
  if (res.write(chunk)) return;
  await new Promise<void>((resolve, reject) => {
    const done = (err?: Error) => {
      clearTimeout(timer);
      res.off('drain', onDrain);
      stop.removeEventListener('abort', onStop);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = () => done();
    const onStop = () => done();
    const timer = setTimeout(() => done(new Error(`the client read nothing for ${DRAIN_TIMEOUT_MS} ms`)), DRAIN_TIMEOUT_MS);
    res.on('drain', onDrain);
    stop.addEventListener('abort', onStop, { once: true });
  });
}
