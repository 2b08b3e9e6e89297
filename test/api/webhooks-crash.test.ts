import { afterAll, describe, expect, it } from 'vitest';
import { verifyWebhook } from '../../src/client/webhook-signature.js';
import { backends } from '../support/backends.js';
import { SpawnedServer } from '../support/plane-cluster.js';
import { waitFor } from '../support/wait-for.js';
import { Receiver } from './webhooks-helpers.js';

/**
 * A real `jobplane serve` process dies (SIGKILL) while its webhook delivery is on the wire: the delivery was
 * claimed (leased) but its result never written. After the restart, the lease runs out and the delivery is sent
 * again: at least once, never lost.
 */
describe.each(backends())('an API server killed mid-delivery on %s', (backend) => {
  let server: SpawnedServer | undefined;
  let receiver: Receiver | undefined;
  afterAll(async () => {
    await server?.close();
    await receiver?.close();
  });

  it('sends the delivery after the restart', async () => {
    server = await SpawnedServer.start(backend, {
      JOBPLANE_WEBHOOK_ALLOW_PRIVATE: 'true', JOBPLANE_WEBHOOK_ALLOW_HTTP_HOSTS: '127.0.0.1',
      // The lease is the timeout plus 5 s: the restarted server takes the delivery over within ~9 s.
      JOBPLANE_WEBHOOK_TIMEOUT_MS: '4000',
    });
    receiver = await Receiver.start();
    let calls = 0;
    receiver.answer = () => (++calls === 1 ? 'hold' : { status: 200 });
    const sub = await server.admin.createWebhook({ type: 'webhook_subscription_jobs', url: `${receiver.url}/crash`, states: ['pending'] });
    const job = await server.createJob('test-sleep', { ms: 1 });
    await waitFor(() => receiver!.received.length === 1, { message: 'the first attempt to reach the receiver' });
    const during = await server.admin.listWebhookDeliveries(sub.id);
    expect(during.records[0]).toMatchObject({ status: 'delivering', attempts: 1 });

    await server.restart('SIGKILL');

    const done = await waitFor(async () => {
      const d = (await server!.admin.listWebhookDeliveries(sub.id)).records[0];
      return d?.status === 'succeeded' ? d : undefined;
    }, { timeoutMs: 60_000, intervalMs: 250, message: 'the delivery to succeed after the restart' });
    // Sent again after the restart (a loaded machine may time an attempt out on the way: then one more).
    expect(done).toMatchObject({ responseStatus: 200, jobId: job.job_id, eventType: 'job.pending' });
    expect(done.attempts).toBeGreaterThanOrEqual(2);
    expect(receiver.received.length).toBeGreaterThanOrEqual(2);
    expect(new Set(receiver.received.map((r) => r.headers['webhook-id']))).toEqual(new Set([done.id]));
    expect(receiver.received.at(-1)!.status).toBe(200);
    for (const r of receiver.received) {
      expect(verifyWebhook(sub.secret, r.headers, r.body)).toMatchObject({ type: 'job.pending', data: { job_id: job.job_id } });
    }
  }, 240_000);
});
