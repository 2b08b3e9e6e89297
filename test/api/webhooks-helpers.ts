import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { WebhookDeliveryService } from '../../src/server/webhooks/delivery-service.js';
import { DEFAULT_WEBHOOK_DELIVERY, type WebhookDeliveryConfig } from '../../src/server/webhooks/webhook-config.js';
import type { WebhookUrlPolicy } from '../../src/api/webhook-url-policy.js';
import { forecastJob, type TestServer } from '../support/harness.js';
import { waitFor } from '../support/wait-for.js';

export interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  event: any;
  /** The status the receiver answered with (undefined while held, or never answered). */
  status?: number;
}

export type Answer = { status: number; body?: string; headers?: Record<string, string> } | 'hold';

/** A real webhook receiver on 127.0.0.1: records every request and answers as `answer` says. */
export class Receiver {
  readonly received: Received[] = [];
  answer: (r: Received) => Answer = () => ({ status: 200, body: 'ok' });
  private readonly held = new Set<http.ServerResponse>();

  private constructor(private readonly server: http.Server, readonly url: string) {}

  static async start(): Promise<Receiver> {
    let self: Receiver | undefined;
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const r: Received = { path: req.url ?? '/', headers: req.headers, body, event: JSON.parse(body) };
        self!.received.push(r);
        const answer = self!.answer(r);
        if (answer === 'hold') {
          self!.held.add(res);
          res.on('close', () => self!.held.delete(res));
          return;
        }
        r.status = answer.status;
        res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
        res.end(answer.body ?? '');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    self = new Receiver(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return self;
  }

  /** Received events of one job, by type, in arrival order. */
  typesOf(jobId: string, only?: (r: Received) => boolean): string[] {
    return this.received.filter((r) => r.event.data.job_id === jobId && (!only || only(r))).map((r) => r.event.type);
  }

  async close(): Promise<void> {
    for (const res of this.held) res.destroy();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** A clock the test moves by hand. */
/** Answers the requests the receiver holds (oldest first) with `status`. */
export function release(receiver: Receiver, status = 200): void {
  (receiver as unknown as { held: Set<http.ServerResponse> }).held.forEach((res) => { res.writeHead(status); res.end('released'); });
}

/** create -> run -> request-cancellation -> cancel through the API: events job.pending, running, pending_cancellation, cancelled. */
export async function jobThroughFourStates(server: TestServer, token?: string): Promise<string> {
  const opts = token ? { token } : {};
  const created = await server.request('POST', '/jobs', { ...opts, body: forecastJob() });
  if (created.status !== 201) throw new Error(`create: ${JSON.stringify(created.body)}`);
  const id = created.body.job_id as string;
  for (const [path, body] of [['run', { executor: 'job-executor-hooks' }], ['request-cancellation', undefined], ['cancel', undefined]] as const) {
    const res = await server.request('POST', `/jobs/${id}/${path}`, { ...opts, ...(body ? { body } : {}) });
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
  }
  return id;
}

export const FOUR_STATES = ['job.pending', 'job.running', 'job.pending_cancellation', 'job.cancelled'];

/** Runs delivery passes (moving the clock by `stepMs` before each) until a pass claims nothing. */
export async function drain(service: { runOnce(): Promise<{ claimed: number }> }, clock: TestClock, stepMs = 0, maxPasses = 500): Promise<number> {
  let passes = 0;
  for (; passes < maxPasses; passes++) {
    clock.advance(stepMs);
    if ((await service.runOnce()).claimed === 0) return passes;
  }
  throw new Error(`deliveries still due after ${maxPasses} passes`);
}

export class TestClock {
  constructor(public ms = Date.now()) {}
  now(): Date {
    return new Date(this.ms);
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** Webhooks to the loopback receivers of the tests: http to 127.0.0.1, private addresses allowed. */
export const LOCAL_POLICY: WebhookUrlPolicy = { allowHttpHosts: ['127.0.0.1'], allowPrivate: true };

export function deliveryService(server: TestServer, clock: TestClock, config: Partial<WebhookDeliveryConfig> = {}) {
  return new WebhookDeliveryService({
    db: server.database.db,
    config: { ...DEFAULT_WEBHOOK_DELIVERY, policy: LOCAL_POLICY, timeoutMs: 5_000, leaseMs: 10_000, ...config },
    logger: pino({ level: 'silent' }),
    metrics: server.app.metrics,
    clock,
    random: () => 1, // the longest wait of each backoff step, so that the test can name the exact due times
  });
}

export async function subscribe(server: TestServer, url: string, extra: Record<string, unknown> = {}, token?: string): Promise<any> {
  const res = await server.request('POST', '/webhooks', { body: { type: 'webhook_subscription_jobs', url, ...extra }, ...(token ? { token } : {}) });
  if (res.status !== 201) throw new Error(`POST /webhooks: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Stamps what committed (which also writes the deliveries) and returns the subscription's delivery log. */
export async function deliveries(server: TestServer, subscriptionId: string, token?: string): Promise<any[]> {
  await server.app.eventFeed.sequenceNow({ wait: true });
  const res = await server.request('GET', `/webhooks/${subscriptionId}/deliveries?per_page=500`, token ? { token } : {});
  if (res.status !== 200) throw new Error(`deliveries: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.records;
}

/** Waits until the subscription has `n` deliveries (the sequencer wrote them). */
export function deliveriesCount(server: TestServer, subscriptionId: string, n: number, token?: string): Promise<any[]> {
  return waitFor(async () => {
    const list = await deliveries(server, subscriptionId, token);
    return list.length >= n ? list : undefined;
  }, { message: `${n} deliveries of ${subscriptionId}` });
}
