import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { performance } from 'node:perf_hooks';
import {
  hostOf, parseWebhookUrl, resolveWebhookAddress, WebhookUrlRefused, type ResolvedAddress, type WebhookUrlPolicy,
} from '../../api/webhook-url-policy.js';

/** What is kept of a receiver's answer: enough to see an error message, never a whole page. */
export const RESPONSE_PREFIX_BYTES = 512;

export interface WebhookRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  policy: WebhookUrlPolicy;
}

export interface WebhookResponse {
  /** The HTTP status, when the receiver answered. */
  status?: number;
  /** The first RESPONSE_PREFIX_BYTES bytes of the answer, as text. */
  bodyPrefix?: string;
  latencyMs: number;
  /** Why the attempt failed (absent for a 2xx). */
  error?: string;
}

// Connections are reused across deliveries to the same receiver (a TLS handshake per event would dominate the
// latency). A pooled socket is connected to an address that was checked when it was opened.
const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 32 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 32 }),
};

/** Makes the socket connect to the address we checked, whatever the name resolves to by now (DNS rebinding). */
function pinnedLookup(pinned: ResolvedAddress): LookupFunction {
  return ((_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options?.all) callback(null, [{ address: pinned.address, family: pinned.family }]);
    else callback(null, pinned.address, pinned.family);
  }) as unknown as LookupFunction;
}

/**
 * POSTs one signed delivery. The URL is checked again now (scheme, and every address its host resolves to), the
 * connection goes to the checked address, redirects are not followed (a 3xx is a failed attempt), the whole
 * exchange is bounded by `timeoutMs`, and only a prefix of the answer is read. Never throws: a failure is a result.
 */
export async function sendWebhook(req: WebhookRequest): Promise<WebhookResponse> {
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  let url: URL;
  let address: ResolvedAddress;
  try {
    url = parseWebhookUrl(req.url, req.policy);
    address = await resolveWebhookAddress(url, req.policy);
  } catch (err) {
    const why = err instanceof WebhookUrlRefused ? err.message : (err as Error).message;
    return { latencyMs: elapsed(), error: `refused: the URL ${why}` };
  }
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise<WebhookResponse>((resolve) => {
    let settled = false;
    const finish = (result: Omit<WebhookResponse, 'latencyMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...result, latencyMs: elapsed() });
    };
    const request = transport.request({
      protocol: url.protocol,
      hostname: hostOf(url),
      port: url.port || undefined,
      path: `${url.pathname}${url.search}`,
      method: 'POST',
      agent: agents[url.protocol as 'http:' | 'https:'],
      lookup: pinnedLookup(address),
      headers: {
        ...req.headers,
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(req.body)),
        'user-agent': 'jobplane-webhooks/0.1',
      },
    }, (res) => {
      const status = res.statusCode ?? 0;
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () => {
        const bodyPrefix = Buffer.concat(chunks).subarray(0, RESPONSE_PREFIX_BYTES).toString('utf8').replace(/\u0000/g, '\uFFFD');
        let error: string | undefined;
        if (status < 200 || status >= 300) {
          error = status >= 300 && status < 400
            ? `HTTP ${status}: redirects are not followed${res.headers.location ? ` (to ${res.headers.location})` : ''}`
            : `HTTP ${status}`;
        }
        finish({ status, bodyPrefix, ...(error ? { error } : {}) });
      };
      res.on('data', (chunk: Buffer) => {
        if (size >= RESPONSE_PREFIX_BYTES) return;
        chunks.push(chunk);
        size += chunk.length;
        if (size >= RESPONSE_PREFIX_BYTES) {
          // Enough: the rest is not read (nor kept); the socket is not reused.
          done();
          res.destroy();
        }
      });
      res.on('end', done);
      res.on('error', done);
      res.on('close', done);
    });
    const timer = setTimeout(() => {
      finish({ error: `timed out: no complete answer within ${req.timeoutMs} ms` });
      request.destroy();
    }, req.timeoutMs);
    request.on('error', (err: NodeJS.ErrnoException) => finish({ error: `${err.code ?? 'error'}: ${err.message}` }));
    request.end(req.body);
  });
}
