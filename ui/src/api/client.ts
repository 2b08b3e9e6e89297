import { forgetToken, storedToken } from './session';

/** An RFC 7807 problem from the API (or a network failure, status 0). */
export interface Problem {
  type?: string;
  title?: string;
  status: number;
  detail: string;
  code?: string;
  errors?: Array<{ pointer?: string; message: string; line?: number; column?: number | string; code?: string }>;
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail);
  }
  get status(): number {
    return this.problem.status;
  }
  /** The server has no such route (an endpoint this server version lacks), as opposed to a missing resource. */
  get noRoute(): boolean {
    return this.status === 404 && /^no route /.test(this.problem.detail);
  }
}

let memoryToken: string | null = null;
let onUnauthorized: (why: string) => void = () => {};

export function currentToken(): string | null {
  return memoryToken ?? storedToken();
}
export function setMemoryToken(token: string | null): void {
  memoryToken = token;
}
/** Called when the API answers 401: the token expired or was revoked while the dashboard was open. */
export function whenUnauthorized(handler: (why: string) => void): void {
  onUnauthorized = handler;
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  body?: unknown;
  signal?: AbortSignal;
  /** Use this token instead of the session's (sign-in checks a token before keeping it). */
  token?: string;
}

/** One call to the public API with the session's bearer token; a problem response becomes an ApiError. */
export async function api<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const token = opts.token ?? currentToken();
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers['authorization'] = `Bearer ${token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, {
      method: opts.method ?? 'GET', headers, signal: opts.signal ?? null, credentials: 'omit', cache: 'no-store',
      body: opts.body === undefined ? null : JSON.stringify(opts.body),
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError({ status: 0, title: 'Network error', detail: `the server did not answer (${(err as Error).message})` });
  }
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!res.ok) {
    const problem = (parsed && typeof parsed === 'object' ? parsed : {}) as Partial<Problem>;
    const error = new ApiError({
      ...problem, status: res.status, detail: problem.detail ?? (text.slice(0, 300) || res.statusText),
    });
    if (res.status === 401 && opts.token === undefined) {
      forgetToken();
      memoryToken = null;
      onUnauthorized(error.problem.detail);
    }
    throw error;
  }
  return parsed as T;
}

/** `?a=1&b=2` from the defined entries (empty string, null and undefined are left out). */
export function query(params: Record<string, string | number | boolean | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/**
 * Requests started before the code that shows their answer runs: the first page's data is asked for by the boot
 * script (boot.ts) together with GET /whoami, while React and the app are still downloading, and a filter change
 * asks for the new list in its event handler rather than after re-rendering. A hook takes the answer once (or the
 * request is aborted when its page no longer wants it); an answer nobody took is forgotten after 10 s.
 */
export interface Prefetched<T> {
  promise: Promise<T>;
  abort: AbortController;
  /** The answer, once it has come (a successful one): what a component can render with at once. */
  answer?: { data: T };
}

const early = new Map<string, Prefetched<unknown>>();

export function prefetch(path: string): void {
  if (early.has(path)) return;
  const abort = new AbortController();
  const promise = api(path, { signal: abort.signal });
  const entry: Prefetched<unknown> = { promise, abort };
  promise.then((data) => { entry.answer = { data }; }, () => undefined); // a failure is seen (and shown) by whoever takes it
  early.set(path, entry);
  setTimeout(() => {
    if (early.get(path) !== entry) return;
    early.delete(path);
    abort.abort(); // unused: forget it (a no-op once answered)
  }, 10_000);
}

/** The answer to a prefetched request, if it has come already (without taking it). */
export function peekPrefetched<T>(path: string): { data: T } | undefined {
  return (early.get(path) as Prefetched<T> | undefined)?.answer;
}

export function takePrefetched<T>(path: string): Prefetched<T> | undefined {
  const p = early.get(path) as Prefetched<T> | undefined;
  early.delete(path);
  return p;
}
