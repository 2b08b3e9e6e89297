import type { Db, Queryable } from './db/types.js';
import { ts } from './job-columns.js';

/**
 * The webhook outbox. A delivery is one event for one subscription:
 *   waiting -> pending -> delivering -> succeeded | failed (given up) ; pending/waiting -> cancelled
 * Ordered per job: one job's deliveries to one subscription form a chain, of which only the head (the oldest open
 * delivery) is `pending` or `delivering`; the later ones are `waiting` until it has ended, so event n+1 is never
 * sent before n succeeded or was given up. A chain gets a new head in two ways:
 * - the fan-out writes a delivery `pending` at once when its chain has no open delivery (the usual case);
 * - a promotion makes the chain's oldest waiting delivery `pending` when the chain has no head
 *   (`deliveriesPromote`): whoever ends a delivery promotes in the same transaction AND again after its commit,
 *   and the fan-out promotes the chains it wrote waiting deliveries to after its commit. That second look closes
 *   the one race there is (a fan-out that saw the head still open, and an ending that did not see the fan-out's new
 *   delivery): each side looks after its own commit, so at least one of the two sees the other's. Promotions lock
 *   their rows in id order (no deadlock), and the delivery service sweeps for heads-less chains now and then, for
 *   a server that died between a commit and its second look.
 * No subscription-wide lock is taken on the way, so deliveries of one subscription end in parallel and the feed's
 * sequencer never waits for them. (A manual retry may briefly give a chain two heads; see deliveryRetry.)
 * Shared by every API server: a server claims due deliveries with FOR UPDATE SKIP LOCKED and marks them
 * `delivering` with a lease before it sends anything, so no delivery is sent by two servers at once; a server
 * that dies mid-send leaves a lease that runs out, and the delivery is sent again (at-least-once). Results are
 * fenced by the attempt number. Every time comes from the caller (`now`), so tests drive the clock.
 */

export type DeliveryStatus = 'waiting' | 'pending' | 'delivering' | 'succeeded' | 'failed' | 'cancelled';
export const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['waiting', 'pending', 'delivering', 'succeeded', 'failed', 'cancelled'];
const OPEN = `('waiting', 'pending', 'delivering')`;

/**
 * Writes the deliveries of the events stamped at positions (fromSeq, toSeq], for every active subscription of
 * the event's company whose filters match. Runs inside the sequencer's transaction, so events and deliveries
 * commit together: a subscription receives every event stamped after it became visible, none twice.
 */
export interface FanOut {
  deliveries: number;
  /** The chains this fan-out wrote `waiting` deliveries to: promote them after the commit (see above). */
  waitingChains: Chain[];
}

/** One job's deliveries to one subscription. */
export interface Chain {
  subscriptionId: string;
  jobId: string;
}

export async function webhookFanOut(tx: Queryable, fromSeq: number, toSeq: number): Promise<FanOut> {
  // FOR SHARE: a subscription archived or disabled while we write gets no new deliveries (the lock waits for that
  // change and the row no longer matches). Nothing that ends a delivery takes this row's lock, so this waits only
  // for such status changes.
  const subs = await tx.query<{ id: string }>(
    `SELECT s.id::text AS id FROM webhook_subscriptions s
      WHERE s.status = 'active'
        AND s.company_id IN (SELECT DISTINCT company_id FROM job_events WHERE seq > $1 AND seq <= $2)
      ORDER BY s.id FOR SHARE`,
    [fromSeq, toSeq],
  );
  if (subs.length === 0) return { deliveries: 0, waitingChains: [] };
  const rows = await tx.query<{ subscription_id: string; job_id: string; status: DeliveryStatus }>(
    `WITH matched AS (
       SELECT s.id AS subscription_id, e.id AS event_id, e.seq, e.job_id,
              row_number() OVER (PARTITION BY s.id, e.job_id ORDER BY e.seq) AS nth
         FROM job_events e
         JOIN jobs j ON j.job_id = e.job_id
         JOIN webhook_subscriptions s ON s.company_id = e.company_id AND s.status = 'active'
        WHERE e.seq > $1 AND e.seq <= $2 AND s.id = ANY($3::uuid[])
          AND (s.job_ids IS NULL OR e.job_id = ANY(s.job_ids))
          AND (s.job_types IS NULL OR j.type = ANY(s.job_types))
          AND (s.states IS NULL OR e.to_state = ANY(s.states))
     ), ins AS (
       INSERT INTO webhook_deliveries (id, subscription_id, event_id, event_seq, job_id, status, next_attempt_at)
       SELECT gen_random_uuid(), m.subscription_id, m.event_id, m.seq, m.job_id,
              CASE WHEN m.nth > 1 OR EXISTS (
                     SELECT 1 FROM webhook_deliveries o
                      WHERE o.subscription_id = m.subscription_id AND o.job_id = m.job_id AND o.status IN ${OPEN})
                   THEN 'waiting' ELSE 'pending' END,
              NULL
         FROM matched m
       ON CONFLICT (subscription_id, event_id) DO NOTHING
       RETURNING subscription_id, job_id, status
     )
     SELECT subscription_id::text AS subscription_id, job_id::text AS job_id, status FROM ins`,
    [fromSeq, toSeq, subs.map((s) => s.id)],
  );
  const waiting = new Map<string, Chain>();
  for (const r of rows) {
    if (r.status === 'waiting') waiting.set(`${r.subscription_id}/${r.job_id}`, { subscriptionId: r.subscription_id, jobId: r.job_id });
  }
  return { deliveries: rows.length, waitingChains: [...waiting.values()] };
}

/**
 * Gives each of these chains a head if it has none: its oldest waiting delivery becomes pending (due now). Safe to
 * run any number of times, concurrently: rows are locked in id order and re-checked after the lock, so two
 * promoters of one chain promote the same delivery, once.
 */
export async function deliveriesPromote(db: Queryable, chains: readonly Chain[]): Promise<number> {
  if (chains.length === 0) return 0;
  const rows = await db.query<{ n: number }>(
    `WITH heads AS (
       SELECT h.id
         FROM unnest($1::uuid[], $2::uuid[]) AS c(subscription_id, job_id)
         CROSS JOIN LATERAL (
           SELECT w.id FROM webhook_deliveries w
            WHERE w.subscription_id = c.subscription_id AND w.job_id = c.job_id AND w.status = 'waiting'
            ORDER BY w.event_seq LIMIT 1) h
        WHERE NOT EXISTS (SELECT 1 FROM webhook_deliveries o
                           WHERE o.subscription_id = c.subscription_id AND o.job_id = c.job_id
                             AND o.status IN ('pending', 'delivering'))
     ), locked AS (
       SELECT d.id FROM webhook_deliveries d WHERE d.id IN (SELECT id FROM heads) AND d.status = 'waiting'
        ORDER BY d.id FOR UPDATE
     ), promoted AS (
       UPDATE webhook_deliveries d SET status = 'pending', next_attempt_at = NULL
         FROM locked WHERE d.id = locked.id
       RETURNING 1
     )
     SELECT count(*)::int AS n FROM promoted`,
    [chains.map((c) => c.subscriptionId), chains.map((c) => c.jobId)],
  );
  return rows[0]?.n ?? 0;
}

/** Chains of active subscriptions with waiting deliveries and no head (a server died between a commit and its
 * second look): the delivery service's safety net, at most `limit` chains at a time. */
export async function deliveriesPromoteOrphans(db: Queryable, limit = 500): Promise<number> {
  const chains = await db.query<Chain>(
    `SELECT DISTINCT w.subscription_id::text AS "subscriptionId", w.job_id::text AS "jobId"
       FROM webhook_deliveries w
       JOIN webhook_subscriptions s ON s.id = w.subscription_id AND s.status = 'active'
      WHERE w.status = 'waiting'
        AND NOT EXISTS (SELECT 1 FROM webhook_deliveries o
                         WHERE o.subscription_id = w.subscription_id AND o.job_id = w.job_id
                           AND o.status IN ('pending', 'delivering'))
      LIMIT $1`,
    [limit],
  );
  return deliveriesPromote(db, chains);
}

export interface ClaimedDelivery {
  id: string;
  subscriptionId: string;
  eventId: number;
  jobId: string;
  /** This attempt's number (1 = first): the fence of its result. */
  attempt: number;
  /** Epoch ms of the first attempt (the retry window starts there). */
  windowStartedAt: number;
  url: string;
  secret: string;
}

/**
 * Claims up to `limit` due deliveries of active subscriptions (pending and due, or delivering with an expired
 * lease: its server died), marks them delivering with a lease until `now + leaseMs`, and returns what sending needs.
 */
export async function deliveriesClaim(db: Queryable, now: Date, limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
  return db.query<ClaimedDelivery>(
    `WITH due AS (
       SELECT d.id FROM webhook_deliveries d
        WHERE ((d.status = 'pending' AND (d.next_attempt_at IS NULL OR d.next_attempt_at <= $1))
               OR (d.status = 'delivering' AND d.lease_expires_at < $1))
          AND EXISTS (SELECT 1 FROM webhook_subscriptions s WHERE s.id = d.subscription_id AND s.status = 'active')
        ORDER BY d.next_attempt_at NULLS FIRST, d.event_seq
        LIMIT $2
        FOR UPDATE OF d SKIP LOCKED
     )
     UPDATE webhook_deliveries d
        SET status = 'delivering', attempts = d.attempts + 1, last_attempt_at = $1,
            lease_expires_at = $1::timestamptz + $3 * interval '1 millisecond',
            window_started_at = coalesce(d.window_started_at, $1)
       FROM due, webhook_subscriptions s
      WHERE d.id = due.id AND s.id = d.subscription_id
     RETURNING d.id::text AS id, d.subscription_id::text AS "subscriptionId", d.event_id AS "eventId",
               d.job_id::text AS "jobId", d.attempts AS attempt,
               (extract(epoch FROM d.window_started_at) * 1000)::float8 AS "windowStartedAt", s.url, s.secret`,
    [now, limit, leaseMs],
  );
}

export interface AttemptResult {
  /** HTTP status of the answer, absent when there was none (timeout, refused, network). */
  responseStatus?: number | undefined;
  responseBody?: string | undefined;
  latencyMs: number;
  /** Why the attempt failed; absent for a 2xx. */
  error?: string | undefined;
}

export type AttemptOutcome =
  | { kind: 'succeeded' }
  | { kind: 'retry'; at: Date }
  | { kind: 'failed' };

export interface RecordedAttempt {
  /** false: the lease was lost (another server took the delivery over); nothing was written. */
  recorded: boolean;
  /** Set when this failure disabled the subscription. */
  disabledReason?: string;
}

/**
 * Writes an attempt's result, fenced by its attempt number: a delivery that was taken over after its lease ran
 * out keeps the newer attempt's state. Ending a delivery promotes the next waiting one of the same job (in the
 * transaction, and again after it: see the top of this file). The subscription's health follows: a success
 * clears `failing_since`; a failure starts it, and once it is older than `disableAfterMs` the subscription is
 * disabled, with the reason, and its open deliveries are cancelled. The subscription's row is written only when
 * its health changes, so deliveries that keep succeeding (or keep failing the same way) do not queue on it.
 */
export async function deliveryRecordAttempt(
  db: Db, claimed: Pick<ClaimedDelivery, 'id' | 'subscriptionId' | 'attempt'>, now: Date, result: AttemptResult,
  outcome: AttemptOutcome, disableAfterMs: number,
): Promise<RecordedAttempt> {
  const ended = outcome.kind !== 'retry';
  let chain: Chain | undefined;
  const recorded = await db.transaction(async (tx): Promise<RecordedAttempt> => {
    const status = outcome.kind === 'retry' ? 'pending' : outcome.kind;
    const updated = await tx.query<{ job_id: string }>(
      `UPDATE webhook_deliveries SET status = $3, lease_expires_at = NULL,
              next_attempt_at = $4, delivered_at = CASE WHEN $3 = 'succeeded' THEN $5::timestamptz END,
              response_status = $6, response_body = $7, latency_ms = $8, last_error = $9
        WHERE id = $1 AND attempts = $2 AND status = 'delivering'
       RETURNING job_id::text AS job_id`,
      [claimed.id, claimed.attempt, status, outcome.kind === 'retry' ? outcome.at : null, now,
        result.responseStatus ?? null, result.responseBody ?? null, Math.round(result.latencyMs), result.error ?? null],
    );
    const row = updated[0];
    if (!row) return { recorded: false };
    chain = { subscriptionId: claimed.subscriptionId, jobId: row.job_id };
    if (ended) await deliveriesPromote(tx, [chain]);
    if (outcome.kind === 'succeeded') {
      await tx.query(
        `UPDATE webhook_subscriptions SET failing_since = NULL, last_error = NULL, updated_at = now()
          WHERE id = $1 AND failing_since IS NOT NULL`,
        [claimed.subscriptionId],
      );
      return { recorded: true };
    }
    const error = result.error ?? `HTTP ${result.responseStatus}`;
    await tx.query(
      `UPDATE webhook_subscriptions SET failing_since = coalesce(failing_since, $2), last_error = $3
        WHERE id = $1 AND (failing_since IS NULL OR last_error IS DISTINCT FROM $3)`,
      [claimed.subscriptionId, now, error],
    );
    const [health] = await tx.query<{ failing_since_ms: number; status: string }>(
      `SELECT (extract(epoch FROM failing_since) * 1000)::float8 AS failing_since_ms, status
         FROM webhook_subscriptions WHERE id = $1`,
      [claimed.subscriptionId],
    );
    if (health && health.status === 'active' && now.getTime() - health.failing_since_ms >= disableAfterMs) {
      const since = new Date(health.failing_since_ms).toISOString();
      const reason = `every delivery attempt since ${since} failed (last: ${result.error ?? `HTTP ${result.responseStatus}`}); ` +
        'fix the receiver, then POST /webhooks/{id}/enable';
      const [disabled] = await tx.query<{ id: string }>(
        `UPDATE webhook_subscriptions SET status = 'disabled', disabled_reason = $2, updated_at = now()
          WHERE id = $1 AND status = 'active' RETURNING id`,
        [claimed.subscriptionId, reason],
      );
      if (disabled) {
        await deliveriesCancelOpen(tx, claimed.subscriptionId, 'the subscription was disabled');
        return { recorded: true, disabledReason: reason };
      }
    }
    return { recorded: true };
  });
  if (ended && chain) await deliveriesPromote(db, [chain]);
  return recorded;
}

/** Cancels what a subscription has not sent yet (archived or disabled), after its status changed. */
export async function deliveriesCancelOpen(tx: Queryable, subscriptionId: string, why: string): Promise<number> {
  const rows = await tx.query<{ n: number }>(
    `WITH c AS (
       UPDATE webhook_deliveries SET status = 'cancelled', next_attempt_at = NULL, last_error = $2
        WHERE subscription_id = $1 AND status IN ('waiting', 'pending')
       RETURNING 1
     )
     SELECT count(*)::int AS n FROM c`,
    [subscriptionId, why],
  );
  return rows[0]?.n ?? 0;
}

/** A delivery as the delivery log shows it (camelCase, like the subscription it belongs to). */
export interface WebhookDelivery {
  id: string;
  subscriptionId: string;
  /** The feed position of the event (its `id` in the body and in GET /events). */
  eventId: string;
  eventType: string;
  jobId: string;
  status: DeliveryStatus;
  attempts: number;
  responseStatus: number | null;
  /** The first bytes of the receiver's last answer. */
  responseBody: string | null;
  latencyMs: number | null;
  lastError: string | null;
  /** When the next attempt is due; null for a pending delivery = as soon as possible. */
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  deliveredAt: string | null;
  createdAt: string;
}

const DELIVERY_COLUMNS = `d.id::text AS id, d.subscription_id::text AS "subscriptionId", d.event_seq::text AS "eventId",
  'job.' || e.to_state AS "eventType", d.job_id::text AS "jobId", d.status, d.attempts,
  d.response_status AS "responseStatus", d.response_body AS "responseBody", d.latency_ms AS "latencyMs",
  d.last_error AS "lastError", ${ts('d.next_attempt_at')} AS "nextAttemptAt", ${ts('d.last_attempt_at')} AS "lastAttemptAt",
  ${ts('d.delivered_at')} AS "deliveredAt", ${ts('d.created_at')} AS "createdAt"`;

/** A subscription's deliveries, newest event first. */
export async function deliveriesList(
  db: Queryable, subscriptionId: string,
  opts: { status?: DeliveryStatus | undefined; jobId?: string | undefined; limit: number; offset: number },
): Promise<{ records: WebhookDelivery[]; total: number }> {
  const filter = `d.subscription_id = $1 AND ($2::text IS NULL OR d.status = $2) AND ($3::uuid IS NULL OR d.job_id = $3)`;
  const args = [subscriptionId, opts.status ?? null, opts.jobId ?? null];
  const [records, count] = await Promise.all([
    db.query<WebhookDelivery>(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries d JOIN job_events e ON e.id = d.event_id
        WHERE ${filter} ORDER BY d.event_seq DESC LIMIT $4 OFFSET $5`,
      [...args, opts.limit, opts.offset],
    ),
    db.query<{ total: number }>(`SELECT count(*)::int AS total FROM webhook_deliveries d WHERE ${filter}`, args),
  ]);
  return { records, total: count[0]?.total ?? 0 };
}

export async function deliveryGet(db: Queryable, subscriptionId: string, deliveryId: string): Promise<WebhookDelivery | undefined> {
  const rows = await db.query<WebhookDelivery>(
    `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries d JOIN job_events e ON e.id = d.event_id
      WHERE d.subscription_id = $1 AND d.id = $2`,
    [subscriptionId, deliveryId],
  );
  return rows[0];
}

export type RetryResult =
  | { outcome: 'queued'; delivery: WebhookDelivery }
  | { outcome: 'not_found' }
  | { outcome: 'subscription_not_active'; status: string }
  | { outcome: 'delivering'; delivery: WebhookDelivery };

/**
 * Sends a delivery again as soon as its order allows: a finished one (succeeded, failed, cancelled) is queued with
 * a new retry window, a pending one becomes due now. A queued one waits behind its job's delivery on its way, if
 * any (then goes before the later waiting ones, being older); it does not hold back one already on its way. Racing
 * a promotion, a retry may briefly give the chain a second head: two deliveries of one job in flight at once.
 */
export async function deliveryRetry(db: Db, subscriptionId: string, deliveryId: string): Promise<RetryResult> {
  const result = await db.transaction(async (tx): Promise<RetryResult> => {
    const [sub] = await tx.query<{ status: string }>(
      'SELECT status FROM webhook_subscriptions WHERE id = $1 FOR SHARE', [subscriptionId],
    );
    if (!sub) return { outcome: 'not_found' as const };
    const [d] = await tx.query<{ status: DeliveryStatus; job_id: string; event_seq: number }>(
      `SELECT status, job_id::text AS job_id, event_seq FROM webhook_deliveries
        WHERE id = $1 AND subscription_id = $2 FOR UPDATE`,
      [deliveryId, subscriptionId],
    );
    if (!d) return { outcome: 'not_found' as const };
    if (sub.status !== 'active') return { outcome: 'subscription_not_active' as const, status: sub.status };
    if (d.status === 'delivering') return { outcome: 'delivering' as const, delivery: (await deliveryGet(tx, subscriptionId, deliveryId))! };
    if (d.status === 'pending') {
      await tx.query('UPDATE webhook_deliveries SET next_attempt_at = NULL WHERE id = $1', [deliveryId]);
    } else if (d.status !== 'waiting') {
      // Queued as waiting; the promotion below makes it the head if the chain has none.
      await tx.query(
        `UPDATE webhook_deliveries SET status = 'waiting', next_attempt_at = NULL, window_started_at = NULL,
                delivered_at = NULL
          WHERE id = $1`,
        [deliveryId],
      );
      await deliveriesPromote(tx, [{ subscriptionId, jobId: d.job_id }]);
    }
    return { outcome: 'queued' as const, delivery: (await deliveryGet(tx, subscriptionId, deliveryId))! };
  });
  if (result.outcome === 'queued') {
    await deliveriesPromote(db, [{ subscriptionId, jobId: result.delivery.jobId }]);
    return { outcome: 'queued', delivery: (await deliveryGet(db, subscriptionId, deliveryId))! };
  }
  return result;
}

/** Deliveries not yet ended, by status (the outbox depth; metrics). */
export async function deliveriesOpenCounts(db: Queryable): Promise<Record<'waiting' | 'pending' | 'delivering', number>> {
  const rows = await db.query<{ status: 'waiting' | 'pending' | 'delivering'; n: number }>(
    `SELECT status, count(*)::int AS n FROM webhook_deliveries WHERE status IN ${OPEN} GROUP BY status`,
  );
  const out = { waiting: 0, pending: 0, delivering: 0 };
  for (const r of rows) out[r.status] = r.n;
  return out;
}
