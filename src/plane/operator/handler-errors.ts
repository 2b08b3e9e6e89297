import type { JsonObject } from '../../client/types.js';
import type { AbortCause } from './types.js';

/**
 * Errors a handler throws to steer what happens next. Anything else thrown counts as retryable, since most
 * unexpected failures (a dropped connection, a full disk) are transient; an error can also opt out by carrying
 * `retryable: false`.
 */
export class RetryableError extends Error {
  readonly retryable = true;
  constructor(message: string, readonly value: JsonObject = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RetryableError';
  }
}

/** Retrying cannot help (bad input, a SQL syntax error): the job fails for good. */
export class FatalError extends Error {
  readonly retryable = false;
  constructor(message: string, readonly value: JsonObject = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FatalError';
  }
}

/** The reason of an aborted `ctx.signal`: `signal.throwIfAborted()` throws it. */
export class JobAbortedError extends Error {
  constructor(readonly abortCause: AbortCause) {
    super(ABORT_MESSAGES[abortCause]);
    this.name = 'JobAbortedError';
  }
}

const ABORT_MESSAGES: Record<AbortCause, string> = {
  cancel_requested: 'cancellation was requested',
  lease_lost: 'the lease was lost: another executor may own the job now',
  drain_timeout: 'the operator is shutting down and the drain grace period ended',
};

/** The server's limit on `failure.message`. */
const MAX_MESSAGE = 10_000;

export interface ClassifiedFailure {
  message: string;
  value: JsonObject;
  retryable: boolean;
}

/** What to tell the server about a handler's error: message, diagnostics, and whether a retry may help. */
export function classifyFailure(err: unknown): ClassifiedFailure {
  const e = err as { message?: unknown; name?: unknown; retryable?: unknown; value?: unknown; code?: unknown } | null;
  const message = typeof e?.message === 'string' && e.message !== '' ? e.message : String(err);
  const value: JsonObject = isPlainObject(e?.value) ? { ...e.value } : {};
  if (typeof e?.name === 'string' && value['error'] === undefined) value['error'] = e.name;
  if ((typeof e?.code === 'string' || typeof e?.code === 'number') && value['code'] === undefined) value['code'] = e.code;
  return {
    message: message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 1)}…` : message,
    value,
    retryable: e?.retryable !== false,
  };
}

/** A JSON object as a result or failure value must be: not an array, a class instance, or null. */
export function isPlainObject(v: unknown): v is JsonObject {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}
