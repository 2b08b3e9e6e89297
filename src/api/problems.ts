import os from 'node:os';
import path from 'node:path';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, type ErrorCode, type FieldError } from '../core/errors.js';

/**
 * The error catalogue: every DomainError code maps to one HTTP status and one problem type URI. `docs/errors.md`
 * documents the same list, and a test keeps the two in step.
 */
export const PROBLEM_CATALOGUE: Record<ErrorCode, { status: number; title: string }> = {
  validation_failed: { status: 400, title: 'Invalid request' },
  nql_syntax_error: { status: 400, title: 'Failed to Parse Query' },
  nql_analysis_error: { status: 400, title: 'Invalid Query' },
  unauthenticated: { status: 401, title: 'Unauthorized' },
  forbidden: { status: 403, title: 'Forbidden' },
  not_found: { status: 404, title: 'Not Found' },
  conflict: { status: 409, title: 'Conflict' },
  transition_not_allowed: { status: 409, title: 'Transition not allowed' },
  stale_lease: { status: 409, title: 'Stale lease' },
  payload_too_large: { status: 413, title: 'Payload Too Large' },
  uri_too_long: { status: 414, title: 'URI Too Long' },
  headers_too_large: { status: 431, title: 'Request Header Fields Too Large' },
  request_timeout: { status: 408, title: 'Request Timeout' },
  unsupported_media_type: { status: 415, title: 'Unsupported Media Type' },
  service_unavailable: { status: 503, title: 'Service Unavailable' },
  internal: { status: 500, title: 'Internal Server Error' },
};

export const problemType = (code: ErrorCode) => `https://jobplane.dev/problems/${code.replace(/_/g, '-')}`;

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: ErrorCode;
  errors?: readonly unknown[];
  [extra: string]: unknown;
}

export function problemFor(err: DomainError, instance: string): ProblemBody {
  const entry = PROBLEM_CATALOGUE[err.code];
  const { errors, ...extra } = err.details;
  return {
    type: problemType(err.code),
    title: entry.title,
    status: entry.status,
    detail: withoutServerPaths(err.message),
    instance,
    code: err.code,
    ...(errors ? { errors: errors.map(scrubFieldError) } : {}),
    ...extra,
  };
}

/**
 * Directories of this server that no answer may show (a client has no use for them, an attacker has): the
 * working directory, the temp dir, the home dir, plus what the server registers (data dir, storage root).
 * Messages from deeper layers (DuckDB, the file system) sometimes quote a full path; it becomes `<server path>`.
 */
const privateRoots = new Set<string>();
export function hideServerPath(dir: string): void {
  const resolved = path.resolve(dir);
  if (resolved.length > 1) privateRoots.add(resolved);
}
for (const dir of [process.cwd(), os.tmpdir(), os.homedir()]) hideServerPath(dir);

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `text` with every path under a private root (a whole path token, not a prefix of a word) as `<server path>`. */
export function withoutServerPaths(text: string): string {
  let out = text;
  for (const root of [...privateRoots].sort((a, b) => b.length - a.length)) {
    if (!out.includes(root)) continue;
    const token = new RegExp(`(^|[\\s"'\`(=:])${escapeRegExp(root)}(?=$|[/\\s"'\`,;:)])[^\\s"'\`,;)]*`, 'g');
    out = out.replace(token, '$1<server path>');
  }
  return out;
}

function scrubFieldError(e: unknown): unknown {
  if (!e || typeof e !== 'object') return e;
  const copy: Record<string, unknown> = { ...(e as Record<string, unknown>) };
  for (const key of ['message', 'file'] as const) {
    if (typeof copy[key] === 'string') copy[key] = withoutServerPaths(copy[key] as string);
  }
  return copy;
}

export function sendProblem(reply: FastifyReply, request: FastifyRequest, err: DomainError): FastifyReply {
  const body = problemFor(err, request.url.split('?')[0] ?? request.url);
  if (body.status === 401) reply.header('www-authenticate', 'Bearer realm="jobplane"');
  return reply.status(body.status).type('application/problem+json').send(body);
}

/** Longest request line (method, target, version) taken for a long URL rather than too many headers. */
const LONG_REQUEST_LINE = 8 * 1024;

/**
 * Errors Node's HTTP parser raises before there is a request object (Fastify's clientErrorHandler): a request
 * whose headers (the URL included) exceed the limit, one that took too long, or one that is not HTTP at all.
 */
export function clientErrorProblem(err: { code?: string; rawPacket?: unknown }): DomainError {
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT' || err.code === 'ERR_HTTP_HEADERS_TIMEOUT') {
    return new DomainError('request_timeout', 'the request was not received in time; send it again');
  }
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    // The parser counts the request line with the headers; name the URL when it is what overflowed.
    const packet = Buffer.isBuffer(err.rawPacket) ? err.rawPacket : undefined;
    const eol = packet ? packet.indexOf('\r\n') : -1;
    if (packet && /^[A-Z]+ /.test(packet.subarray(0, 16).toString('latin1')) && (eol === -1 || eol > LONG_REQUEST_LINE)) {
      return new DomainError('uri_too_long', 'the URL is too long (the request line and headers must fit in 16 KiB); send large values in a JSON body');
    }
    return new DomainError('headers_too_large', 'the request headers are too large (16 KiB in all, the URL included)');
  }
  return new DomainError('validation_failed', 'the request is not valid HTTP/1.1');
}

/** A whole HTTP/1.1 response carrying `err` as a problem, for a socket that has no Fastify reply. */
export function rawProblemResponse(err: DomainError): string {
  const body = JSON.stringify(problemFor(err, '/'));
  const entry = PROBLEM_CATALOGUE[err.code];
  return `HTTP/1.1 ${entry.status} ${entry.title}\r\nContent-Type: application/problem+json\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** Turns Fastify/Ajv validation output into field errors with JSON Pointers and messages that say what to fix. */
export function fieldErrors(validation: readonly AjvError[], part: string): FieldError[] {
  const out: FieldError[] = [];
  const seen = new Set<string>();
  for (const e of validation) {
    let pointer = e.instancePath || '';
    let message = e.message ?? 'is invalid';
    if (e.keyword === 'required') {
      pointer = `${pointer}/${String(e.params['missingProperty'])}`;
      message = 'is required';
    } else if (e.keyword === 'additionalProperties') {
      pointer = `${pointer}/${String(e.params['additionalProperty'])}`;
      message = 'is not a known field';
    } else if (e.keyword === 'enum' || e.keyword === 'const') {
      const allowed = (e.params['allowedValues'] ?? [e.params['allowedValue']]) as unknown[];
      message = `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`;
    } else if (e.keyword === 'anyOf' || e.keyword === 'oneOf') {
      continue; // the branch errors (e.g. each literal of an enum) already said it; see collapseLiterals below
    }
    const key = `${pointer}|${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ in: part, pointer: pointer || '/', message });
  }
  return collapseLiterals(out);
}

/** TypeBox unions of literals produce one `must be equal to constant` per literal: merge them into one message. */
function collapseLiterals(errors: FieldError[]): FieldError[] {
  const byPointer = new Map<string, FieldError[]>();
  for (const e of errors) byPointer.set(e.pointer, [...(byPointer.get(e.pointer) ?? []), e]);
  const out: FieldError[] = [];
  for (const [pointer, list] of byPointer) {
    const consts = list.filter((e) => e.message.startsWith('must be one of '));
    if (consts.length > 1) {
      const values = consts.map((e) => e.message.slice('must be one of '.length)).join(', ');
      out.push({ in: list[0]!.in, pointer, message: `must be one of ${values}` } as FieldError);
      out.push(...list.filter((e) => !consts.includes(e)));
    } else {
      out.push(...list);
    }
  }
  return out;
}

/** Maps any error thrown inside a request to a problem; 5xx only for what is really our fault. */
export function toDomainError(err: FastifyError & { validation?: AjvError[]; validationContext?: string }): DomainError {
  if (err instanceof DomainError) return err;
  if (err.validation) {
    const part = err.validationContext === 'querystring' ? 'query' : (err.validationContext ?? 'body');
    const errors = fieldErrors(err.validation, part);
    const first = errors[0];
    const detail = first ? `${part}${first.pointer === '/' ? '' : first.pointer} ${first.message}` : 'invalid request';
    return new DomainError('validation_failed', detail, { errors });
  }
  switch (err.code) {
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new DomainError('uri_too_long', 'a path parameter is too long (100 characters at most)');
    case 'FST_ERR_BAD_URL':
      return new DomainError('validation_failed', 'the URL is not valid (a path segment is not decodable)', {
        errors: [{ in: 'params', pointer: '/', message: 'is not a valid URL component' }],
      });
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new DomainError('payload_too_large', err.message);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new DomainError('unsupported_media_type', `${err.message}; send application/json`);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new DomainError('validation_failed', err.message, { errors: [{ in: 'body', pointer: '/', message: err.message }] });
  }
  if (err instanceof SyntaxError || (err.statusCode === 400 && /JSON/i.test(err.message))) {
    return new DomainError('validation_failed', `the body is not valid JSON: ${err.message}`, {
      errors: [{ in: 'body', pointer: '/', message: 'is not valid JSON' }],
    });
  }
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
    const code: ErrorCode = err.statusCode === 404 ? 'not_found' : err.statusCode === 413 ? 'payload_too_large'
      : err.statusCode === 415 ? 'unsupported_media_type' : err.statusCode === 414 ? 'uri_too_long'
      : err.statusCode === 431 ? 'headers_too_large' : err.statusCode === 408 ? 'request_timeout' : 'validation_failed';
    return new DomainError(code, err.message);
  }
  return new DomainError('internal', 'an unexpected error occurred; it has been logged');
}
