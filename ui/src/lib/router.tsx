import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent, type ReactNode } from 'react';

/**
 * A small History API router: the dashboard's pages are real URLs under /ui (the server answers every /ui/* path
 * with index.html), so links can be opened in new tabs and shared. Filters live in the query string; the access
 * token never does.
 */
export const BASE = '/ui';
const CHANGE = 'jobplane:navigate';

export interface Location {
  /** The path below /ui, starting with "/" ("/jobs/123"). */
  path: string;
  search: URLSearchParams;
  /** The raw query string, with its "?" (or ""), a stable dependency for hooks. */
  searchText: string;
}

const subscribe = (notify: () => void) => {
  window.addEventListener('popstate', notify);
  window.addEventListener(CHANGE, notify);
  return () => {
    window.removeEventListener('popstate', notify);
    window.removeEventListener(CHANGE, notify);
  };
};
const snapshot = () => window.location.pathname + window.location.search;

export function useLocation(): Location {
  const href = useSyncExternalStore(subscribe, snapshot);
  const url = new URL(href, window.location.origin);
  const path = url.pathname.startsWith(BASE) ? url.pathname.slice(BASE.length) || '/' : url.pathname;
  return { path, search: url.searchParams, searchText: url.search };
}

/** Goes to `to` (a path below /ui, e.g. "/jobs?state=failed"). */
export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  const href = BASE + to;
  if (href === window.location.pathname + window.location.search) return;
  if (opts.replace) window.history.replaceState(null, '', href);
  else window.history.pushState(null, '', href);
  window.dispatchEvent(new Event(CHANGE));
}

/** Replaces the query string of the current page (filters), keeping the path. */
export function setSearch(params: URLSearchParams, opts: { replace?: boolean } = { replace: true }): void {
  const path = window.location.pathname.slice(BASE.length) || '/';
  const s = params.toString();
  navigate(s ? `${path}?${s}` : path, opts);
}

type LinkProps = Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'> & { to: string; children: ReactNode };

export function Link({ to, onClick, ...rest }: LinkProps) {
  const handle = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  return <a href={BASE + to} onClick={handle} {...rest} />;
}

/** Matches "/jobs/:id" against a path; returns the parameters, or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split('/').filter(Boolean);
  const s = path.split('/').filter(Boolean);
  if (p.length !== s.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    const part = p[i]!;
    if (part.startsWith(':')) params[part.slice(1)] = decodeURIComponent(s[i]!);
    else if (part !== s[i]) return null;
  }
  return params;
}
