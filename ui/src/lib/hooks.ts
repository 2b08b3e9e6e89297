import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { api, ApiError, peekPrefetched, takePrefetched, type Prefetched } from '../api/client';
import { feed, type FeedMode } from '../live/feed';

export interface Loaded<T> {
  data: T | undefined;
  error: ApiError | undefined;
  /** A request for the current path is in flight (the previous data stays shown meanwhile). */
  loading: boolean;
  /** The path whose answer `data` is (tests and the benchmark wait for it). */
  loadedPath: string | null;
  reload: () => void;
}

export interface UseApiOptions {
  /** Refetch when the live feed reports a change: every change, or only those of one job. */
  live?: boolean | { jobId: string };
}

/**
 * GET `path` (null = nothing to fetch yet) and keep the answer. A new path aborts the request for the old one, so a
 * slow answer to an earlier filter can never overwrite a newer one. Live refreshes keep showing the current data
 * until the new answer arrives, so nothing flickers.
 *
 * A refresh (reload(), or the live feed) while a request for the same path is in flight does not abort it: its
 * answer is shown when it comes, and one more request follows, so the data ends up at least as new as the reason
 * for the refresh. (Aborting it would make a first render or a filter change wait for a second request whenever a
 * refresh happened to come in between: the feed refreshes every view when its stream connects.)
 */
export function useApi<T>(path: string | null, opts: UseApiOptions = {}): Loaded<T> {
  // An answer that came before this component did (the boot script's, or a filter change's) is rendered at once.
  const [state, setState] = useState<{ data?: T; error?: ApiError; loadedPath: string | null }>(() => {
    const early = path === null ? undefined : peekPrefetched<T>(path);
    return early ? { data: early.data, loadedPath: path } : { loadedPath: null };
  });
  const [loading, setLoading] = useState(() => path !== null && state.loadedPath !== path);
  /** The request in flight (at most one), and whether a refresh asked for another once it is answered. */
  const inFlight = useRef<{ path: string; abort: AbortController; again: boolean } | null>(null);
  const currentPath = useRef(path);
  currentPath.current = path;
  const stateRef = useRef(state);
  stateRef.current = state;

  const start = useCallback((p: string, prefetched?: Prefetched<T>) => {
    const abort = prefetched?.abort ?? new AbortController();
    const request = { path: p, abort, again: false };
    inFlight.current?.abort.abort(); // one for another path (a refresh that came before the effect below)
    inFlight.current = request;
    const settle = () => {
      if (inFlight.current !== request) return;
      inFlight.current = null;
      if (request.again) start(p);
    };
    (prefetched?.promise ?? api<T>(p, { signal: abort.signal })).then(
      (data) => {
        if (abort.signal.aborted) return;
        setState({ data, loadedPath: p });
        setLoading(false);
        settle();
      },
      (err: unknown) => {
        if (abort.signal.aborted || (err as Error).name === 'AbortError') return;
        setState((s) => ({ ...s, error: err instanceof ApiError ? err : new ApiError({ status: 0, detail: String(err) }), loadedPath: p, data: s.loadedPath === p ? s.data : undefined }));
        setLoading(false);
        settle();
      },
    );
  }, []);

  const reload = useCallback(() => {
    const p = currentPath.current;
    if (p === null) return;
    if (inFlight.current?.path === p) inFlight.current.again = true;
    else start(p);
  }, [start]);

  useEffect(() => {
    if (path === null) {
      setLoading(false);
      return;
    }
    const early = takePrefetched<T>(path);
    if (!(early?.answer && stateRef.current.loadedPath === path && stateRef.current.data === early.answer.data)) {
      // A new path is "loading" (aria-busy); a live refresh of the same path is not (nothing dims every 2 s).
      setLoading(true);
      start(path, early);
    } // else rendered with it already (see useState above)
    return () => {
      inFlight.current?.abort.abort();
      inFlight.current = null;
    };
  }, [path, start]);

  // A successful answer clears an earlier error (setState above replaces the whole state).
  const { data, error } = state;

  const live = opts.live;
  const liveJob = typeof live === 'object' ? live.jobId : undefined;
  useEffect(() => {
    if (!live || path === null) return;
    return feed.subscribe(liveJob, reload);
  }, [live ? 1 : 0, liveJob, path, reload]); // eslint-disable-line react-hooks/exhaustive-deps

  return { data, error, loading, loadedPath: state.loadedPath, reload };
}

/** The feed's mode, for the "live" indicator. */
export function useFeedMode(): FeedMode {
  const [mode, setMode] = useState<FeedMode>(feed.mode);
  useEffect(() => feed.onMode(setMode), []);
  return mode;
}

/** One timer per period for every component that shows relative times (a table has hundreds of them). */
const tickers = new Map<number, { now: number; listeners: Set<() => void>; timer: ReturnType<typeof setInterval> | null }>();

function tickerOf(ms: number) {
  let t = tickers.get(ms);
  if (!t) {
    t = { now: Date.now(), listeners: new Set(), timer: null };
    tickers.set(ms, t);
  }
  return t;
}

/** The current time, updated every `ms` (for "3 min ago" labels). */
export function useNow(ms = 15_000): number {
  const ticker = tickerOf(ms);
  const subscribe = useCallback((notify: () => void) => {
    ticker.listeners.add(notify);
    if (!ticker.timer) {
      ticker.now = Date.now();
      ticker.timer = setInterval(() => {
        ticker.now = Date.now();
        for (const l of ticker.listeners) l();
      }, ms);
    }
    return () => {
      ticker.listeners.delete(notify);
      if (ticker.listeners.size === 0 && ticker.timer) {
        clearInterval(ticker.timer);
        ticker.timer = null;
      }
    };
  }, [ticker, ms]);
  return useSyncExternalStore(subscribe, () => ticker.now);
}

/** `value`, once it has stopped changing for `ms`. */
export function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return settled;
}

/** document.title for the page. */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · jobplane`;
  }, [title]);
}
