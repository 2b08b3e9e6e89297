import { ApiError, ApiUnavailableError } from './errors.js';
import { fillPath, type Endpoint } from './endpoints.js';
import type { Problem } from './types.js';

export interface TransportOptions {
  /** e.g. `http://127.0.0.1:8080` (a path prefix is kept: `https://host/jobplane`). */
  baseUrl: string;
  /** A `jp_...` bearer token; omit for the public endpoints (health, OpenAPI). */
  token?: string | undefined;
  /** Defaults to the global fetch; inject one for tests, proxies or custom agents. */
  fetch?: typeof fetch | undefined;
  /** Per-request timeout, default 30 s. A long-poll adds its own wait on top. */
  timeoutMs?: number | undefined;
}

export interface CallOptions {
  /** Aborting it rejects the call with the signal's reason (not an ApiUnavailableError: the caller chose this). */
  signal?: AbortSignal | undefined;
  timeoutMs?: number | undefined;
}

export interface RequestSpec extends CallOptions {
  params?: Record<string, string>;
  query?: Record<string, string | number | boolean | readonly string[] | undefined>;
  body?: unknown;
  /** A non-JSON body (a file upload), sent as is; a stream is sent chunked. Takes the place of `body`. */
  upload?: UploadBody | undefined;
}

/** A request body that is not JSON: a file (Blob, bytes) or a stream of one, e.g. a multipart body. */
export interface UploadBody {
  body: Blob | Uint8Array | string | ReadableStream<Uint8Array>;
  contentType: string;
}

export interface RawResponse<T> {
  status: number;
  headers: Headers;
  body: T;
}

export const DEFAULT_TIMEOUT_MS = 30_000;

/** One HTTP exchange: URL building, bearer auth, timeout, JSON both ways, problem+json into ApiError. */
export class Transport {
  private readonly base: string;
  private readonly fetchFn: typeof fetch;
  private readonly timeoutMs: number;
  private readonly token: string | undefined;

  constructor(opts: TransportOptions) {
    this.base = opts.baseUrl.replace(/\/+$/, '');
    this.fetchFn = opts.fetch ?? globalThis.fetch.bind(globalThis);
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.token = opts.token;
  }

  /** The base URL requests go to (no trailing slash). */
  get baseUrl(): string {
    return this.base;
  }

  async request<T>(endpoint: Endpoint, spec: RequestSpec = {}): Promise<RawResponse<T>> {
    const path = fillPath(endpoint.path, spec.params) + queryString(spec.query);
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
    if (this.token) headers['authorization'] = `Bearer ${this.token}`;
    let payload: UploadBody['body'] | undefined;
    if (spec.upload) {
      headers['content-type'] = spec.upload.contentType;
      payload = spec.upload.body;
    } else if (spec.body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(spec.body);
    }
    const timeout = AbortSignal.timeout(spec.timeoutMs ?? this.timeoutMs);
    const signal = spec.signal ? AbortSignal.any([spec.signal, timeout]) : timeout;
    let response: Response;
    let text: string;
    try {
      // `duplex: 'half'` is how fetch must be told that a streamed request body is sent before the response is read.
      const init: RequestInit & { duplex?: 'half' } = { method: endpoint.method, headers, body: payload as RequestInit['body'], signal };
      if (payload instanceof ReadableStream) init.duplex = 'half';
      response = await this.fetchFn(`${this.base}${path}`, init);
      text = await response.text(); // a connection reset can also happen while the body streams in
    } catch (err) {
      if (spec.signal?.aborted) throw spec.signal.reason;
      throw new ApiUnavailableError(endpoint.method, path, timeout.aborted ? 'timeout' : 'network', err, this.base);
    }
    const body = parseBody(text, response.headers.get('content-type'));
    if (response.status >= 400) {
      throw new ApiError(endpoint.method, path, asProblem(body, response, path));
    }
    return { status: response.status, headers: response.headers, body: body as T };
  }
}

function queryString(query: RequestSpec['query']): string {
  if (!query) return '';
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) search.append(key, String(v));
    else search.append(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

function parseBody(text: string, contentType: string | null): unknown {
  if (text === '') return undefined;
  if (contentType && /json/i.test(contentType)) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

/** Problem bodies come from jobplane itself; anything else (a proxy's HTML 502) is wrapped into one. */
function asProblem(body: unknown, response: Response, path: string): Problem {
  if (body && typeof body === 'object' && typeof (body as Problem).code === 'string') {
    return { ...(body as Problem), status: response.status };
  }
  return {
    type: 'about:blank',
    title: response.statusText || `HTTP ${response.status}`,
    status: response.status,
    detail: typeof body === 'string' && body.length > 0 ? body.slice(0, 500) : `HTTP ${response.status}`,
    instance: path,
    code: response.status >= 500 ? 'service_unavailable' : `http_${response.status}`,
  };
}
