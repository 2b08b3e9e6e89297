/**
 * Typed domain errors. `src/api/problems.ts` maps each `code` to an HTTP status and an RFC 7807 problem type;
 * `docs/errors.md` lists them all (a test keeps the two in step).
 */
export type ErrorCode =
  | 'not_found'
  | 'conflict'
  | 'stale_lease'
  | 'transition_not_allowed'
  | 'validation_failed'
  | 'unauthenticated'
  | 'forbidden'
  | 'payload_too_large'
  | 'uri_too_long'
  | 'headers_too_large'
  | 'request_timeout'
  | 'unsupported_media_type'
  | 'nql_syntax_error'
  | 'nql_analysis_error'
  | 'service_unavailable'
  | 'internal';

export interface FieldError {
  /** Where the problem is: `body`, `query`, `params` or `headers`. */
  in?: string;
  /** JSON Pointer (RFC 6901) into that part, e.g. `/executor`. */
  pointer: string;
  message: string;
}

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: { errors?: readonly unknown[]; [key: string]: unknown } = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const notFound = (what: string): DomainError => new DomainError('not_found', `${what} was not found`);

export const transitionNotAllowed = (action: string, jobId: string, state: string): DomainError =>
  new DomainError('transition_not_allowed', `cannot ${action.replace(/_/g, ' ')} job ${jobId}: it is ${state}`, {
    state,
  });

export const staleLease = (jobId: string, executor: string, attempt: number): DomainError =>
  new DomainError(
    'stale_lease',
    `executor ${executor} no longer holds attempt ${attempt} of job ${jobId} (it was reclaimed, rescheduled or finished)`,
  );

export const validationFailed = (message: string, errors: FieldError[]): DomainError =>
  new DomainError('validation_failed', message, { errors });

/** A 400 about one field of the request body, at its JSON pointer. */
export const bodyError = (pointer: string, message: string): DomainError =>
  validationFailed(`body${pointer} ${message}`, [{ in: 'body', pointer, message }]);
