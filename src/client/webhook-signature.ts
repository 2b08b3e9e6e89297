import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FeedEvent } from './events.js';

/**
 * Webhook signatures in the Standard Webhooks format (https://www.standardwebhooks.com), so that any of its
 * receiver libraries verifies jobplane's deliveries:
 *   webhook-id:        the delivery's id, the same on every retry (receivers dedupe on it; also `idempotency-key`)
 *   webhook-timestamp: unix seconds when this attempt was signed
 *   webhook-signature: `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">` (space-separated when several)
 * The secret is `whsec_<base64 key>`; the HMAC key is the decoded bytes.
 */

export const SECRET_PREFIX = 'whsec_';

/** A fresh secret: 32 random bytes. */
export function generateWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}

function keyOf(secret: string): Buffer {
  const base64 = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  const key = Buffer.from(base64, 'base64');
  if (key.length === 0) throw new WebhookVerificationError('the webhook secret is empty or not base64');
  return key;
}

/** `v1,<signature>` of one attempt. */
export function signWebhook(secret: string, id: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', keyOf(secret)).update(`${id}.${timestampSeconds}.${body}`).digest('base64');
  return `v1,${mac}`;
}

/** The headers of a signed delivery (what the sender adds to its POST). */
export function webhookHeaders(secret: string, id: string, timestampSeconds: number, body: string): Record<string, string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': signWebhook(secret, id, timestampSeconds, body),
    'idempotency-key': id,
  };
}

export class WebhookVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookVerificationError';
  }
}

/** Header lookups for a fetch `Headers`, Node's `req.headers`, or a plain object (names case-insensitive). */
export type HeaderSource = Headers | Record<string, string | string[] | undefined>;

function header(headers: HeaderSource, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const record = headers as Record<string, string | string[] | undefined>;
  const key = Object.keys(record).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : record[key];
  return Array.isArray(value) ? value[0] : value;
}

export interface VerifyOptions {
  /** How far the timestamp may be from now, in seconds (replayed old deliveries are refused). Default 300. */
  toleranceSeconds?: number;
  /** Now, in unix seconds (tests). */
  nowSeconds?: number;
}

/**
 * Checks a delivery's signature against the raw body (verify the exact bytes received, before parsing them) and
 * returns the parsed event. Throws WebhookVerificationError when a header is missing, the timestamp is outside the
 * tolerance, or no signature matches.
 *
 * ```ts
 * const event = verifyWebhook(process.env.WEBHOOK_SECRET!, req.headers, rawBody);
 * ```
 */
export function verifyWebhook<T = FeedEvent>(secret: string, headers: HeaderSource, body: string | Buffer, opts: VerifyOptions = {}): T {
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!id || !timestamp || !signatures) {
    throw new WebhookVerificationError('missing webhook-id, webhook-timestamp or webhook-signature header');
  }
  if (!/^\d+$/.test(timestamp)) throw new WebhookVerificationError('webhook-timestamp is not unix seconds');
  const now = opts.nowSeconds ?? Math.floor(Date.now() / 1000);
  const tolerance = opts.toleranceSeconds ?? 300;
  if (Math.abs(now - Number(timestamp)) > tolerance) {
    throw new WebhookVerificationError(`webhook-timestamp ${timestamp} is more than ${tolerance} s away from now`);
  }
  const text = typeof body === 'string' ? body : body.toString('utf8');
  const expected = Buffer.from(signWebhook(secret, id, Number(timestamp), text).slice(3), 'base64');
  const match = signatures.split(' ').some((entry) => {
    const [version, value] = entry.split(',', 2);
    if (version !== 'v1' || !value) return false;
    const given = Buffer.from(value, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!match) throw new WebhookVerificationError('no webhook-signature matches the body: wrong secret, or the body was changed');
  return JSON.parse(text) as T;
}
