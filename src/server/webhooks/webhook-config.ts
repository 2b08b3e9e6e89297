import { DEFAULT_WEBHOOK_URL_POLICY, type WebhookUrlPolicy } from '../../api/webhook-url-policy.js';

/** How the delivery service sends, retries and gives up (docs/events.md lists the variables). */
export interface WebhookDeliveryConfig {
  policy: WebhookUrlPolicy;
  /** One attempt's whole exchange: connect, send, the receiver's answer (`JOBPLANE_WEBHOOK_TIMEOUT_MS`). */
  timeoutMs: number;
  /** How long a claimed delivery is ours; longer than an attempt can take, so only a dead server loses one. */
  leaseMs: number;
  /** Attempts in flight per server (`JOBPLANE_WEBHOOK_CONCURRENCY`). */
  concurrency: number;
  /** How often to look for retries that fell due (new events wake the service at once). */
  pollMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Retries stop this long after a delivery's first attempt: it is then `failed` (`JOBPLANE_WEBHOOK_RETRY_HOURS`). */
  retryWindowMs: number;
  /** A subscription whose every attempt failed for this long is disabled (`JOBPLANE_WEBHOOK_DISABLE_AFTER_HOURS`). */
  disableAfterMs: number;
}

/** The margin of a lease over the attempt timeout. */
export const LEASE_MARGIN_MS = 5_000;
const HOUR = 3_600_000;

export const DEFAULT_WEBHOOK_DELIVERY: WebhookDeliveryConfig = {
  policy: DEFAULT_WEBHOOK_URL_POLICY,
  timeoutMs: 10_000,
  leaseMs: 10_000 + LEASE_MARGIN_MS,
  concurrency: 16,
  pollMs: 1_000,
  retryBaseMs: 5_000,
  retryMaxMs: HOUR,
  retryWindowMs: 24 * HOUR,
  disableAfterMs: 72 * HOUR,
};

export interface EventsConfig {
  /** How often the sequencer looks for committed events (`JOBPLANE_EVENTS_POLL_MS`). */
  eventsPollMs: number;
  delivery: WebhookDeliveryConfig;
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be an integer between ${min} and ${max}, got "${text}"`);
  return n;
}

function bool(env: NodeJS.ProcessEnv, name: string): boolean {
  const text = (env[name] ?? '').trim().toLowerCase();
  if (text === '' || text === 'false' || text === '0') return false;
  if (text === 'true' || text === '1') return true;
  throw new Error(`${name} must be true or false, got "${env[name]}"`);
}

/** The events and webhook settings of `jobplane serve`, from the environment. Throws on a malformed value. */
export function eventsConfigFromEnv(env: NodeJS.ProcessEnv = process.env): EventsConfig {
  const timeoutMs = int(env, 'JOBPLANE_WEBHOOK_TIMEOUT_MS', DEFAULT_WEBHOOK_DELIVERY.timeoutMs, 100, 120_000);
  return {
    eventsPollMs: int(env, 'JOBPLANE_EVENTS_POLL_MS', 50, 5, 60_000),
    delivery: {
      policy: {
        allowHttpHosts: (env['JOBPLANE_WEBHOOK_ALLOW_HTTP_HOSTS'] ?? '').split(',').map((h) => h.trim()).filter(Boolean),
        allowPrivate: bool(env, 'JOBPLANE_WEBHOOK_ALLOW_PRIVATE'),
      },
      timeoutMs,
      leaseMs: timeoutMs + LEASE_MARGIN_MS,
      concurrency: int(env, 'JOBPLANE_WEBHOOK_CONCURRENCY', DEFAULT_WEBHOOK_DELIVERY.concurrency, 1, 1_000),
      pollMs: DEFAULT_WEBHOOK_DELIVERY.pollMs,
      retryBaseMs: int(env, 'JOBPLANE_WEBHOOK_RETRY_BASE_MS', DEFAULT_WEBHOOK_DELIVERY.retryBaseMs, 10, HOUR),
      retryMaxMs: int(env, 'JOBPLANE_WEBHOOK_RETRY_MAX_MS', DEFAULT_WEBHOOK_DELIVERY.retryMaxMs, 10, 24 * HOUR),
      retryWindowMs: int(env, 'JOBPLANE_WEBHOOK_RETRY_HOURS', 24, 1, 24 * 30) * HOUR,
      disableAfterMs: int(env, 'JOBPLANE_WEBHOOK_DISABLE_AFTER_HOURS', 72, 1, 24 * 365) * HOUR,
    },
  };
}
