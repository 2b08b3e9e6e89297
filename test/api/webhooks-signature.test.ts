import { describe, expect, it } from 'vitest';
import {
  generateWebhookSecret, signWebhook, verifyWebhook, webhookHeaders, WebhookVerificationError,
} from '../../src/client/webhook-signature.js';

/** The published Standard Webhooks test vector: what any receiver library computes for these inputs. */
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

describe('webhook signatures (Standard Webhooks)', () => {
  it('reproduce the specification\'s test vector', () => {
    expect(signWebhook(VECTOR.secret, VECTOR.id, VECTOR.timestamp, VECTOR.body)).toBe(VECTOR.signature);
    expect(webhookHeaders(VECTOR.secret, VECTOR.id, VECTOR.timestamp, VECTOR.body)).toEqual({
      'webhook-id': VECTOR.id, 'webhook-timestamp': String(VECTOR.timestamp), 'webhook-signature': VECTOR.signature,
      'idempotency-key': VECTOR.id,
    });
  });

  it('verifyWebhook accepts the vector from fetch Headers or Node headers, and any one of several signatures', () => {
    const opts = { nowSeconds: VECTOR.timestamp + 10 };
    const fromNode = { 'Webhook-Id': VECTOR.id, 'webhook-timestamp': String(VECTOR.timestamp), 'webhook-signature': `v1,bm9wZQ== ${VECTOR.signature}` };
    expect(verifyWebhook(VECTOR.secret, fromNode, VECTOR.body, opts)).toEqual({ test: 2432232314 });
    const fromFetch = new Headers({ 'webhook-id': VECTOR.id, 'webhook-timestamp': String(VECTOR.timestamp), 'webhook-signature': VECTOR.signature });
    expect(verifyWebhook(VECTOR.secret, fromFetch, Buffer.from(VECTOR.body), opts)).toEqual({ test: 2432232314 });
  });

  it('verifyWebhook refuses a changed body, id or timestamp, a stale delivery and missing headers', () => {
    const headers = { 'webhook-id': VECTOR.id, 'webhook-timestamp': String(VECTOR.timestamp), 'webhook-signature': VECTOR.signature };
    const opts = { nowSeconds: VECTOR.timestamp };
    expect(() => verifyWebhook(VECTOR.secret, headers, '{"test": 2432232315}', opts)).toThrow(WebhookVerificationError);
    expect(() => verifyWebhook(VECTOR.secret, { ...headers, 'webhook-id': 'msg_other' }, VECTOR.body, opts)).toThrow(/no webhook-signature matches/);
    expect(() => verifyWebhook(VECTOR.secret, { ...headers, 'webhook-timestamp': String(VECTOR.timestamp + 1) }, VECTOR.body, { nowSeconds: VECTOR.timestamp + 1 })).toThrow(/no webhook-signature matches/);
    expect(() => verifyWebhook(VECTOR.secret, headers, VECTOR.body, { nowSeconds: VECTOR.timestamp + 301 })).toThrow(/away from now/);
    expect(() => verifyWebhook(VECTOR.secret, { 'webhook-id': VECTOR.id }, VECTOR.body, opts)).toThrow(/missing/);
    expect(() => verifyWebhook(VECTOR.secret, { ...headers, 'webhook-signature': 'v2,abc' }, VECTOR.body, opts)).toThrow(/no webhook-signature matches/);
  });

  it('generates whsec_ secrets of 32 random bytes that sign and verify', () => {
    const a = generateWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(a.slice(6), 'base64')).toHaveLength(32);
    expect(generateWebhookSecret()).not.toBe(a);
    const headers = webhookHeaders(a, 'd1', 1_700_000_000, '{}');
    expect(verifyWebhook(a, headers, '{}', { nowSeconds: 1_700_000_000 })).toEqual({});
  });
});
