// HTTP load with autocannon's programmatic API; latencies are kept per response (µs resolution) rather than
// read from autocannon's histogram, which has 1 ms buckets.
import autocannon, { type Request } from 'autocannon';
import { percentile } from './sys.js';

export interface LoadResult {
  seconds: number;
  completed: number;
  ok2xx: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  rps: number;
  p50: number;
  p975: number;
  p99: number;
  max: number;
  /** Bodies of the first few non-2xx responses, to explain a failure. */
  badSamples: string[];
}

export async function runLoad(opts: {
  /** Several = autocannon spreads the connections over them. */
  urls: string[]; connections: number; seconds: number; token: string; method: 'GET' | 'POST';
  /** Path of the next request; called once per request. */
  nextPath: () => string;
  body?: () => string;
}): Promise<LoadResult> {
  const latencies: number[] = [];
  const badSamples: string[] = [];
  const request: Request = {
    method: opts.method,
    setupRequest: (req) => {
      req.path = opts.nextPath();
      if (opts.body) req.body = opts.body();
      return req;
    },
    onResponse: (status, body) => {
      if ((status < 200 || status > 299) && badSamples.length < 5) badSamples.push(`${status} ${body.slice(0, 300)}`);
    },
  };
  const headers: Record<string, string> = { authorization: `Bearer ${opts.token}` };
  if (opts.method === 'POST') headers['content-type'] = 'application/json';
  const instance = autocannon({
    url: opts.urls.length === 1 ? opts.urls[0]! : opts.urls, connections: opts.connections, duration: opts.seconds, timeout: 10, headers, requests: [request],
  });
  instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
    latencies.push(responseTime);
  });
  const result = await instance;
  latencies.sort((a, b) => a - b);
  const statusCodes: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = count;
  const ok2xx = result['2xx'];
  return {
    seconds: result.duration,
    completed: latencies.length,
    ok2xx,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
    rps: ok2xx / result.duration,
    p50: percentile(latencies, 50),
    p975: percentile(latencies, 97.5),
    p99: percentile(latencies, 99),
    max: latencies[latencies.length - 1] ?? NaN,
    badSamples,
  };
}
