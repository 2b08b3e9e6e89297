import type { ErrorCode, Problem } from './types.js';

/**
 * Two kinds of failure, kept apart because callers react differently:
 * - `ApiError`: the server answered with an error status. Look at `status` and `code` (or use the helpers below).
 * - `ApiUnavailableError`: no answer at all (connection refused or reset, DNS, timeout). Safe to retry later; the
 *   request may or may not have reached the server.
 */
export class JobplaneClientError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'JobplaneClientError';
  }
}

export class ApiError extends JobplaneClientError {
  readonly status: number;
  readonly code: ErrorCode;
  readonly problem: Problem;
  readonly method: string;
  readonly path: string;

  constructor(method: string, path: string, problem: Problem) {
    super(`${method} ${path}: ${problem.status} ${problem.code}: ${problem.detail}`);
    this.name = 'ApiError';
    this.status = problem.status;
    this.code = problem.code;
    this.problem = problem;
    this.method = method;
    this.path = path;
  }
}

export class ApiUnavailableError extends JobplaneClientError {
  readonly reason: 'network' | 'timeout';
  readonly method: string;
  readonly path: string;
  /** The API base URL that was tried (the client's `baseUrl`), so that a message can say where it looked. */
  readonly baseUrl: string | undefined;
  /** `ECONNREFUSED`, `ENOTFOUND`, `timed out`...: why there was no answer. */
  readonly why: string;

  constructor(method: string, path: string, reason: 'network' | 'timeout', cause: unknown, baseUrl?: string) {
    const why = reason === 'timeout' ? 'timed out' : describeNetworkError(cause);
    super(`${method} ${path}: the jobplane API${baseUrl ? ` at ${baseUrl}` : ''} is unreachable (${why})`, { cause });
    this.name = 'ApiUnavailableError';
    this.reason = reason;
    this.method = method;
    this.path = path;
    this.baseUrl = baseUrl;
    this.why = why;
  }
}

/** undici hides the useful part (ECONNREFUSED ...) in `cause`. */
function describeNetworkError(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  return cause?.code ?? cause?.message ?? (err as Error | undefined)?.message ?? String(err);
}

export const isApiError = (err: unknown): err is ApiError => err instanceof ApiError;
export const isApiUnavailable = (err: unknown): err is ApiUnavailableError => err instanceof ApiUnavailableError;

const hasStatus = (err: unknown, status: number): err is ApiError => isApiError(err) && err.status === status;

/** The lease is no longer the caller's: the job was reclaimed, rescheduled or finished. Never retry such a call. */
export const isStaleLease = (err: unknown): err is ApiError => hasStatus(err, 409) && err.code === 'stale_lease';
export const isConflict = (err: unknown): err is ApiError => hasStatus(err, 409);
export const isNotFound = (err: unknown): err is ApiError => hasStatus(err, 404);
export const isValidationError = (err: unknown): err is ApiError => hasStatus(err, 400);
export const isUnauthenticated = (err: unknown): err is ApiError => hasStatus(err, 401);
export const isForbidden = (err: unknown): err is ApiError => hasStatus(err, 403);

/**
 * Worth retrying the same request later: no answer, a 5xx (a restarting server or a proxy in front of it), or 429.
 * 4xx answers are final: the same request gets the same answer.
 */
export function isTransient(err: unknown): boolean {
  if (isApiUnavailable(err)) return true;
  return isApiError(err) && (err.status >= 500 || err.status === 429);
}
