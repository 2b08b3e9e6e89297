import type { Logger } from 'pino';
import type { Metrics } from '../../api/metrics.js';
import { webhookHeaders } from '../../client/webhook-signature.js';
import type { Db } from '../../store/db/types.js';
import type { EventFeed } from '../../store/event-feed.js';
import { eventsByIds } from '../../store/events.js';
import {
  deliveriesClaim, deliveriesPromoteOrphans, deliveryRecordAttempt, type AttemptOutcome, type ClaimedDelivery,
} from '../../store/webhook-deliveries.js';
import { retryDelayMs } from './backoff.js';
import { systemClock, type Clock } from './clock.js';
import { sendWebhook, type WebhookResponse } from './http-sender.js';
import type { WebhookDeliveryConfig } from './webhook-config.js';

export interface DeliveryCounts {
  claimed: number;
  succeeded: number;
  retrying: number;
  /** Given up: the retry window had passed. */
  failed: number;
  /** The lease was taken over by another server before the result was written (it was sent twice). */
  lost: number;
  /** Subscriptions this pass disabled. */
  disabled: number;
}

export interface DeliveryServiceDeps {
  db: Db;
  config: WebhookDeliveryConfig;
  logger: Logger;
  /** New events wake the service at once; without it, it polls. */
  feed?: EventFeed | undefined;
  metrics?: Metrics | undefined;
  clock?: Clock | undefined;
  /** Jitter source of the backoff (tests pin it). */
  random?: (() => number) | undefined;
}

/** How often to look for job chains left without a head by a server that died at the wrong moment. */
const ORPHAN_SWEEP_MS = 30_000;

const empty = (): DeliveryCounts => ({ claimed: 0, succeeded: 0, retrying: 0, failed: 0, lost: 0, disabled: 0 });

/**
 * Sends webhook deliveries from the outbox (src/store/webhook-deliveries.ts). Every API server runs one; they
 * share the work through the outbox rows (claims are SKIP LOCKED and leased, results fenced), so a delivery is
 * never sent by two servers at once and one that a dead server held is sent again after its lease.
 * `runOnce()` claims what is due, sends it and writes the results, so tests drive the service with their own clock.
 */
export class WebhookDeliveryService {
  private readonly clock: Clock;
  private readonly inflight = new Set<Promise<void>>();
  private stopping = new AbortController();
  private loop: Promise<void> | undefined;
  private slotFreed: (() => void) | undefined;

  constructor(private readonly deps: DeliveryServiceDeps) {
    this.clock = deps.clock ?? systemClock;
  }

  /** Claims up to `concurrency` due deliveries, sends them in parallel and records each result. */
  async runOnce(): Promise<DeliveryCounts> {
    const counts = empty();
    const claimed = await this.claim(this.deps.config.concurrency);
    counts.claimed = claimed.length;
    await Promise.all(claimed.map(async (d) => this.deliver(d, counts)));
    return counts;
  }

  start(): void {
    this.stopping = new AbortController();
    this.loop = this.run();
  }

  /** Stops claiming and waits for the attempts in flight (each bounded by the attempt timeout). */
  async stop(): Promise<void> {
    this.stopping.abort();
    this.slotFreed?.();
    await this.loop;
    await Promise.allSettled([...this.inflight]);
  }

  private async run(): Promise<void> {
    const { config, feed, logger } = this.deps;
    const stop = this.stopping.signal;
    let swept = Date.now();
    while (!stop.aborted) {
      if (Date.now() - swept >= ORPHAN_SWEEP_MS) {
        swept = Date.now();
        await deliveriesPromoteOrphans(this.deps.db).catch((err) => logger.warn({ err }, 'webhook orphan sweep failed'));
      }
      const version = feed?.version ?? 0;
      const free = config.concurrency - this.inflight.size;
      let claimed = 0;
      if (free > 0) {
        try {
          const batch = await this.claim(free);
          claimed = batch.length;
          for (const d of batch) this.track(this.deliver(d, empty()));
        } catch (err) {
          logger.warn({ err }, 'webhook claim failed; will retry');
        }
      }
      if (stop.aborted) break;
      if (claimed === 0 || this.inflight.size >= config.concurrency) {
        // Wait for work: new events (the sequencer wrote deliveries), a finished attempt (it may have released the
        // next event of its job, or freed a slot), or the poll interval (retries falling due).
        const slot = new Promise<void>((resolve) => { this.slotFreed = resolve; });
        const wake = feed
          ? feed.waitForChange(version, config.pollMs, stop)
          : new Promise<void>((resolve) => setTimeout(resolve, config.pollMs));
        await Promise.race([slot, wake]);
        this.slotFreed = undefined;
      }
    }
  }

  private track(attempt: Promise<void>): void {
    this.inflight.add(attempt);
    void attempt.finally(() => {
      this.inflight.delete(attempt);
      this.slotFreed?.();
    });
  }

  private claim(limit: number): Promise<ClaimedDelivery[]> {
    return deliveriesClaim(this.deps.db, this.clock.now(), limit, this.deps.config.leaseMs);
  }

  private async deliver(d: ClaimedDelivery, counts: DeliveryCounts): Promise<void> {
    const { db, config, logger, metrics } = this.deps;
    try {
      const event = (await eventsByIds(db, [d.eventId])).get(d.eventId);
      let response: WebhookResponse;
      if (!event) {
        // Its job was deleted (retention) after the claim; the delivery goes with it.
        response = { latencyMs: 0, error: 'the event no longer exists (its job was deleted)' };
      } else {
        const body = JSON.stringify(event);
        const timestamp = Math.floor(this.clock.now().getTime() / 1000);
        response = await sendWebhook({
          url: d.url, body, headers: webhookHeaders(d.secret, d.id, timestamp, body), timeoutMs: config.timeoutMs,
          policy: config.policy,
        });
      }
      metrics?.webhookAttemptDuration.observe(response.latencyMs / 1000);
      const now = this.clock.now();
      const ok = response.status !== undefined && response.status >= 200 && response.status < 300;
      let outcome: AttemptOutcome;
      if (ok) outcome = { kind: 'succeeded' };
      else if (!event || now.getTime() - d.windowStartedAt >= config.retryWindowMs) outcome = { kind: 'failed' };
      else outcome = { kind: 'retry', at: new Date(now.getTime() + retryDelayMs(d.attempt, config.retryBaseMs, config.retryMaxMs, this.deps.random)) };
      const recorded = await deliveryRecordAttempt(db, d, now, {
        responseStatus: response.status, responseBody: response.bodyPrefix, latencyMs: response.latencyMs, error: response.error,
      }, outcome, config.disableAfterMs);
      const label = !recorded.recorded ? 'lost' : outcome.kind === 'retry' ? 'retrying' : outcome.kind;
      counts[label]++;
      metrics?.webhookDeliveries.inc({ outcome: label });
      if (ok && recorded.recorded && event) {
        metrics?.webhookDeliveryLatency.observe(Math.max(0, Date.now() - Date.parse(event.created_at)) / 1000);
      }
      if (recorded.disabledReason) {
        counts.disabled++;
        logger.warn({ subscription: d.subscriptionId, reason: recorded.disabledReason }, 'webhook subscription disabled');
      }
      if (outcome.kind === 'failed' && recorded.recorded) {
        logger.warn({ subscription: d.subscriptionId, delivery: d.id, attempts: d.attempt, error: response.error }, 'webhook delivery given up');
      }
    } catch (err) {
      // The database failed us; the lease runs out and the delivery is claimed again.
      logger.warn({ err, delivery: d.id }, 'webhook delivery could not be recorded; it will be retried after its lease');
    }
  }
}
