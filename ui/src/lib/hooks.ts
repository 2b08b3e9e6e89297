import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { api, ApiError, takePrefetched } from '../api/client';
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
 */
export function useApi<T>(path: string | null, opts: UseApiOptions = {}): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: ApiError; loadedPath: string | null }>({ loadedPath: null });
  const [loading, setLoading] = useState(path !== null);
  const [generation, setGeneration] = useState(0);
  const inFlight = useRef<AbortController | null>(null);
  const requested = useRef<string | null>(null);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);

  useEffect(() => {
    if (path === null) {
      setLoading(false);
      return;
    }
    inFlight.current?.abort();
    const abort = new AbortController();
    inFlight.current = abort;
    // A new path is "loading" (aria-busy); a live refresh of the same path is not (nothing dims every 2 s).
    if (requested.current !== path) setLoading(true);
    requested.current = path;
    (takePrefetched<T>(path) ?? api<T>(path, { signal: abort.signal })).then(
      (data) => {
        if (abort.signal.aborted) return;
        setState({ data, loadedPath: path });
        setLoading(false);
      },
      (err: unknown) => {
        if (abort.signal.aborted || (err as Error).name === 'AbortError') return;
        setState((s) => ({ ...s, error: err instanceof ApiError ? err : new ApiError({ status: 0, detail: String(err) }), loadedPath: path, data: s.loadedPath === path ? s.data : undefined }));
        setLoading(false);
      },
    );
    return () => abort.abort();
  }, [path, generation]);

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
