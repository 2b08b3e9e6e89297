import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhook, WebhookVerificationError } from '../../src/client/webhook-signature.js';
import { retryDelayMs } from '../../src/server/webhooks/backoff.js';
import { backends } from '../support/backends.js';
import { startTestServer, type TestServer } from '../support/harness.js';
import { waitFor } from '../support/wait-for.js';
import { allEvents } from './events-helpers.js';
import {
  deliveries, deliveriesCount, deliveryService, drain, FOUR_STATES, jobThroughFourStates, LOCAL_POLICY, Receiver,
  release, subscribe, TestClock,
} from './webhooks-helpers.js';

const SECOND = 1_000;
const HOUR = 3_600_000;

describe('retryDelayMs', () => {
  it('doubles per attempt up to the cap, with jitter in the upper half of each step', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => retryDelayMs(n, 1_000, 10_000, () => 1))).toEqual([1_000, 2_000, 4_000, 8_000, 10_000, 10_000]);
    expect([1, 2, 3].map((n) => retryDelayMs(n, 1_000, 10_000, () => 0))).toEqual([500, 1_000, 2_000]);
    for (let n = 1; n < 40; n++) {
      const d = retryDelayMs(n, 5_000, HOUR);
      const step = Math.min(HOUR, 5_000 * 2 ** (n - 1));
      expect(d).toBeGreaterThanOrEqual(step / 2);
      expect(d).toBeLessThanOrEqual(step);
    }
  });
});

describe.each(backends())('webhook deliveries on %s', (backend) => {
  let server: TestServer;
  let receiver: Receiver;
  beforeAll(async () => {
    server = await startTestServer(backend, { webhookUrlPolicy: LOCAL_POLICY });
  });
  afterAll(async () => server?.close());
  afterEach(async () => {
    await receiver?.close();
    // Each test's subscriptions end with it, so that the next test's events reach only its own.
    const subs = (await server.request('GET', '/webhooks?per_page=500')).body.records;
    for (const sub of subs) if (sub.status !== 'archived') await server.request('POST', `/webhooks/${sub.id}/archive`);
  });

  it('delivers each event signed in the Standard Webhooks format, with the feed\'s event as its body', async () => {
    receiver = await Receiver.start();
    const clock = new TestClock();
    const sub = await subscribe(server, `${receiver.url}/hooks`);
    const job = await jobThroughFourStates(server);
    await deliveriesCount(server, sub.id, 4);
    const service = deliveryService(server, clock);
    await drain(service, clock);

    expect(receiver.typesOf(job)).toEqual(FOUR_STATES);
    const feed = (await allEvents(server)).filter((e) => e.data.job_id === job);
    const log = await deliveries(server, sub.id);
    for (const [i, r] of receiver.received.entries()) {
      expect(r.path).toBe('/hooks');
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.headers['webhook-timestamp']).toBe(String(Math.floor(clock.ms / 1000)));
      expect(r.headers['idempotency-key']).toBe(r.headers['webhook-id']);
      expect(r.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
      const verified = verifyWebhook(sub.secret, r.headers, r.body, { nowSeconds: Math.floor(clock.ms / 1000) });
      expect(verified).toEqual(feed[i]);
      expect(log.find((d) => d.id === r.headers['webhook-id'])).toMatchObject({ eventId: feed[i].id, eventType: feed[i].type, jobId: job });
      // A changed body, another secret, or an old timestamp do not verify.
      expect(() => verifyWebhook(sub.secret, r.headers, r.body.replace('"job.', '"job.x'), { nowSeconds: Math.floor(clock.ms / 1000) })).toThrow(WebhookVerificationError);
      expect(() => verifyWebhook('whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=', r.headers, r.body, { nowSeconds: Math.floor(clock.ms / 1000) })).toThrow(/no webhook-signature matches/);
      expect(() => verifyWebhook(sub.secret, r.headers, r.body, { nowSeconds: Math.floor(clock.ms / 1000) + 600 })).toThrow(/away from now/);
    }
    for (const d of log) {
      expect(d).toMatchObject({ status: 'succeeded', attempts: 1, responseStatus: 200, responseBody: 'ok', lastError: null, nextAttemptAt: null });
      expect(d.latencyMs).toBeGreaterThanOrEqual(0);
      expect(d.deliveredAt).toMatch(/Z$/);
    }
  });

  it('receiver down for a while, then up: every event is delivered, none lost, in order per job', async () => {
    receiver = await Receiver.start();
    receiver.answer = () => ({ status: 503, body: 'maintenance' });
    const clock = new TestClock();
    const sub = await subscribe(server, `${receiver.url}/down`);
    const jobs = [await jobThroughFourStates(server), await jobThroughFourStates(server), await jobThroughFourStates(server)];
    await deliveriesCount(server, sub.id, 12);
    const service = deliveryService(server, clock, { retryBaseMs: SECOND, retryMaxMs: 60 * SECOND });

    // While it is down, only each job's oldest event is tried: the later ones wait behind it.
    for (let round = 0; round < 6; round++) {
      expect((await service.runOnce()).claimed).toBe(3);
      clock.advance(60 * SECOND);
    }
    expect(receiver.received).toHaveLength(18);
    expect(new Set(receiver.received.map((r) => r.event.type))).toEqual(new Set(['job.pending']));
    // More events happen during the outage.
    jobs.push(await jobThroughFourStates(server));
    await deliveriesCount(server, sub.id, 16);
    const waiting = (await deliveries(server, sub.id)).filter((d) => d.status === 'waiting');
    expect(waiting).toHaveLength(12);

    receiver.answer = () => ({ status: 204 });
    await drain(service, clock, 60 * SECOND);
    for (const job of jobs) expect(receiver.typesOf(job, (r) => r.status === 204), job).toEqual(FOUR_STATES);
    const log = await deliveries(server, sub.id);
    expect(log).toHaveLength(16);
    expect(log.every((d) => d.status === 'succeeded')).toBe(true);
    expect(log.filter((d) => d.eventType === 'job.pending' && d.jobId !== jobs[3]).every((d) => d.attempts === 7)).toBe(true);
    // The subscription is healthy again.
    expect((await server.request('GET', `/webhooks/${sub.id}`)).body).toMatchObject({ status: 'active', failingSince: null, lastError: null });
  });

  it('retries a receiver answering 500 with exponential backoff, keeps a prefix of its answer, and gives up after the window', async () => {
    receiver = await Receiver.start();
    receiver.answer = () => ({ status: 500, body: 'x'.repeat(20_000) });
    const clock = new TestClock();
    const sub = await subscribe(server, `${receiver.url}/err`, { states: ['pending', 'running'] });
    const job = await jobThroughFourStates(server);
    await deliveriesCount(server, sub.id, 2);
    const service = deliveryService(server, clock, { retryBaseMs: SECOND, retryMaxMs: 8 * SECOND, retryWindowMs: 60 * SECOND });
    const first = async () => (await deliveries(server, sub.id)).find((d) => d.eventType === 'job.pending');

    const start = clock.ms;
    const attemptsAt: number[] = [];
    for (let i = 0; i < 40; i++) {
      const before = receiver.received.length;
      const counts = await service.runOnce();
      if (counts.claimed > 0) attemptsAt.push((clock.ms - start) / SECOND);
      expect(receiver.received.length - before).toBe(counts.claimed);
      const d = await first();
      if (d.status === 'failed') break;
      expect(d).toMatchObject({ status: 'pending', responseStatus: 500, lastError: 'HTTP 500' });
      expect(d.responseBody).toHaveLength(512);
      // Not due a millisecond early...
      clock.ms = Date.parse(d.nextAttemptAt) - 1;
      expect((await service.runOnce()).claimed).toBe(0);
      clock.advance(1);
    }
    // 1, 2, 4, 8 s, then the 8 s cap; the attempt after the 60 s window is the last.
    expect(attemptsAt).toEqual([0, 1, 3, 7, 15, 23, 31, 39, 47, 55, 63]);
    expect(await first()).toMatchObject({ status: 'failed', attempts: 11, nextAttemptAt: null });
    // Given up: the job's next event is on its way now, the subscription remembers the failures.
    expect((await deliveries(server, sub.id)).find((d) => d.eventType === 'job.running')).toMatchObject({ status: 'pending', attempts: 0 });
    expect((await server.request('GET', `/webhooks/${sub.id}`)).body).toMatchObject({ status: 'active', lastError: 'HTTP 500' });
    expect(receiver.typesOf(job)).toEqual(Array(11).fill('job.pending'));
    await server.request('POST', `/webhooks/${sub.id}/archive`);
  });

  it('disables a subscription failing for days, says why, and enabling it delivers again; retry re-sends one delivery', async () => {
    receiver = await Receiver.start();
    receiver.answer = () => ({ status: 500 });
    const clock = new TestClock();
    const sub = await subscribe(server, `${receiver.url}/sick`);
    const job = await jobThroughFourStates(server);
    await deliveriesCount(server, sub.id, 4);
    const service = deliveryService(server, clock, { retryBaseMs: HOUR / 4, retryMaxMs: HOUR, disableAfterMs: 72 * HOUR });
    let disabled = 0;
    for (let i = 0; i < 200 && disabled === 0; i++) {
      disabled = (await service.runOnce()).disabled;
      clock.advance(HOUR);
    }
    expect(disabled).toBe(1);
    const state = (await server.request('GET', `/webhooks/${sub.id}`)).body;
    expect(state.status).toBe('disabled');
    expect(state.disabledReason).toMatch(/every delivery attempt since .* failed \(last: HTTP 500\)/);
    const log = await deliveries(server, sub.id);
    // The first event was given up after a day; the next one failed until the subscription was disabled.
    expect(log.find((d) => d.eventType === 'job.pending')).toMatchObject({ status: 'failed' });
    expect(log.filter((d) => d.status === 'cancelled').map((d) => d.eventType).sort()).toEqual(['job.cancelled', 'job.pending_cancellation']);
    // No deliveries while disabled.
    await jobThroughFourStates(server);
    expect(await deliveries(server, sub.id)).toHaveLength(4);
    expect((await service.runOnce()).claimed).toBe(0);
    const retryWhileDisabled = await server.request('POST', `/webhooks/${sub.id}/deliveries/${log[0].id}/retry`);
    expect(retryWhileDisabled.status).toBe(409);

    receiver.answer = () => ({ status: 200 });
    expect((await server.request('POST', `/webhooks/${sub.id}/enable`)).body).toMatchObject({ status: 'active', disabledReason: null });
    const next = await jobThroughFourStates(server);
    await deliveriesCount(server, sub.id, 8);
    await drain(service, clock);
    expect(receiver.typesOf(next, (r) => r.status === 200)).toEqual(FOUR_STATES);

    // A cancelled delivery, sent again on request.
    const cancelled = (await deliveries(server, sub.id)).find((d) => d.jobId === job && d.eventType === 'job.cancelled');
    const retried = await server.request('POST', `/webhooks/${sub.id}/deliveries/${cancelled.id}/retry`);
    expect(retried.body).toMatchObject({ id: cancelled.id, status: 'pending', nextAttemptAt: null });
    await drain(service, clock);
    expect((await deliveries(server, sub.id)).find((d) => d.id === cancelled.id)).toMatchObject({ status: 'succeeded' });
    expect(receiver.typesOf(job, (r) => r.status === 200)).toEqual(['job.cancelled']);
    await server.request('POST', `/webhooks/${sub.id}/archive`);
  });

  it('times a slow receiver out, follows no redirect, and refuses a private address at send time', async () => {
    receiver = await Receiver.start();
    const elsewhere = await Receiver.start();
    try {
      const clock = new TestClock();
      const slow = await subscribe(server, `${receiver.url}/slow`, { states: ['pending'] });
      const moved = await subscribe(server, `${receiver.url}/moved`, { states: ['pending'] });
      receiver.answer = (r) => (r.path === '/slow' ? 'hold' : { status: 302, headers: { location: `${elsewhere.url}/` } });
      await jobThroughFourStates(server);
      await deliveriesCount(server, slow.id, 1);
      await deliveriesCount(server, moved.id, 1);
      await drain(deliveryService(server, clock, { timeoutMs: 300 }), clock);
      expect((await deliveries(server, slow.id))[0]).toMatchObject({ status: 'pending', attempts: 1, responseStatus: null });
      expect((await deliveries(server, slow.id))[0].lastError).toMatch(/timed out: no complete answer within 300 ms/);
      expect((await deliveries(server, moved.id))[0]).toMatchObject({ status: 'pending', responseStatus: 302 });
      expect((await deliveries(server, moved.id))[0].lastError).toMatch(/redirects are not followed/);
      expect(elsewhere.received).toHaveLength(0);

      // A server that does not allow private addresses refuses to send there, whatever was accepted at create.
      receiver.answer = () => ({ status: 200 });
      const strict = deliveryService(server, clock, { policy: { allowHttpHosts: ['127.0.0.1'], allowPrivate: false } });
      const sentBefore = receiver.received.length;
      clock.advance(HOUR);
      expect((await strict.runOnce()).claimed).toBe(2);
      expect(receiver.received.length).toBe(sentBefore);
      for (const sub of [slow, moved]) {
        expect((await deliveries(server, sub.id))[0].lastError).toMatch(/^refused: the URL resolves to 127\.0\.0\.1, a private, loopback or link-local address/);
      }
      for (const sub of [slow, moved]) await server.request('POST', `/webhooks/${sub.id}/archive`);
    } finally {
      await elsewhere.close();
    }
  });

  it('refuses to retry a delivery while it is being sent', async () => {
    receiver = await Receiver.start();
    receiver.answer = () => 'hold';
    const clock = new TestClock();
    const sub = await subscribe(server, `${receiver.url}/held`, { states: ['pending'] });
    await jobThroughFourStates(server);
    const [d] = await deliveriesCount(server, sub.id, 1);
    const sending = deliveryService(server, clock).runOnce();
    await waitFor(() => receiver.received.length === 1, { message: 'the receiver to hold the delivery' });
    const retry = await server.request('POST', `/webhooks/${sub.id}/deliveries/${d.id}/retry`);
    expect(retry.status).toBe(409);
    expect(retry.body.detail).toMatch(/being sent/);
    release(receiver);
    expect((await sending).succeeded).toBe(1);
    await server.request('POST', `/webhooks/${sub.id}/archive`);
  });

  it('sends a company\'s events to its own subscriptions only, as their filters say', async () => {
    receiver = await Receiver.start();
    const clock = new TestClock();
    const other = await server.otherCompany();
    const mineCancelled = await subscribe(server, `${receiver.url}/a`, { states: ['cancelled'], job_types: ['nql-forecast'] });
    const mineMaterialize = await subscribe(server, `${receiver.url}/m`, { job_types: ['materialize-view'] });
    const theirs = await subscribe(server, `${receiver.url}/b`, {}, other.token);
    const myJob = await jobThroughFourStates(server);
    const theirJob = await jobThroughFourStates(server, other.token);
    await server.app.eventFeed.sequenceNow({ wait: true }); // myJob's events have their deliveries before /j exists
    const onlyJob = await subscribe(server, `${receiver.url}/j`, { job_ids: [myJob] });
    expect(onlyJob.jobIds).toEqual([myJob]);
    await deliveriesCount(server, theirs.id, 4, other.token);
    await drain(deliveryService(server, clock), clock);
    const at = (path: string) => receiver.received.filter((r) => r.path === path).map((r) => `${r.event.data.job_id}:${r.event.type}`);
    expect(at('/a')).toEqual([`${myJob}:job.cancelled`]);
    expect(at('/m')).toEqual([]);
    expect(at('/b')).toEqual(FOUR_STATES.map((t) => `${theirJob}:${t}`));
    // A subscription gets the events after its creation (here: none of the job that ended before it).
    expect(at('/j')).toEqual([]);
    for (const r of receiver.received.filter((x) => x.path === '/b')) expect(r.event.data.company_id).toBe(other.companyId);
    expect((await server.request('GET', `/webhooks/${theirs.id}/deliveries`, { token: other.token })).body.total_records).toBe(4);
    for (const s of [mineCancelled, mineMaterialize, onlyJob]) await server.request('POST', `/webhooks/${s.id}/archive`);
    await server.request('POST', `/webhooks/${theirs.id}/archive`, { token: other.token });
  });

  it('two servers share the outbox without sending any delivery twice', async () => {
    receiver = await Receiver.start();
    const clock = new TestClock();
    const second = await startTestServer(backend, { webhookUrlPolicy: LOCAL_POLICY }, { shareDatabaseOf: server });
    try {
      const sub = await subscribe(server, `${receiver.url}/shared`);
      const jobs = await Promise.all(Array.from({ length: 8 }, () => jobThroughFourStates(server)));
      await deliveriesCount(server, sub.id, 32);
      const one = deliveryService(server, clock, { concurrency: 3 });
      const two = deliveryService(second, clock, { concurrency: 3 });
      await Promise.all([drain(one, clock), drain(two, clock)]);
      await drain(one, clock); // whatever the other's last pass released
      const ids = receiver.received.map((r) => r.headers['webhook-id']);
      expect(ids).toHaveLength(32);
      expect(new Set(ids).size).toBe(32);
      for (const job of jobs) expect(receiver.typesOf(job)).toEqual(FOUR_STATES);
      await server.request('POST', `/webhooks/${sub.id}/archive`);
    } finally {
      await second.close();
    }
  });
});
