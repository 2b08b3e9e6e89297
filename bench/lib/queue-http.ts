// A minimal JSON-over-HTTP client for the queue benchmark's executors: node:http with a keep-alive agent, so each
// executor holds its own connection(s) to the server as a real operator would, and costs its process as little CPU
// as possible (no fetch/undici streams, no response parsing unless the caller asks for it).
import http from 'node:http';

export interface HttpReply {
  status: number;
  /** The raw body; callers parse it only when they need its contents. */
  text: string;
}

export class KeepAliveJson {
  private readonly agent: http.Agent;
  private readonly host: string;
  private readonly port: number;
  private readonly auth: string;

  /** `sockets`: the most requests this client has in flight at once (one connection each). */
  constructor(baseUrl: string, token: string, sockets = 1) {
    const u = new URL(baseUrl);
    if (u.protocol !== 'http:') throw new Error(`KeepAliveJson: only http:// URLs, not ${baseUrl}`);
    this.host = u.hostname;
    this.port = Number(u.port || 80);
    this.auth = `Bearer ${token}`;
    this.agent = new http.Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
  }

  post(path: string, body: unknown): Promise<HttpReply> {
    return this.send('POST', path, JSON.stringify(body));
  }

  get(path: string): Promise<HttpReply> {
    return this.send('GET', path, undefined);
  }

  private send(method: string, path: string, payload: string | undefined): Promise<HttpReply> {
    return new Promise((resolve, reject) => {
      const headers: http.OutgoingHttpHeaders = { authorization: this.auth, accept: 'application/json' };
      if (payload !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = Buffer.byteLength(payload);
      }
      const req = http.request({ host: this.host, port: this.port, method, path, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** CLOCK_MONOTONIC in ms: the same clock in every process of the machine, so executors' timestamps compare. */
export function monoMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
