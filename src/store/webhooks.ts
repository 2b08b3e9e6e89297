import type { JobState } from '../core/job-states.js';
import type { Queryable, Db } from './db/types.js';
import { ts } from './job-columns.js';
import { deliveriesCancelOpen } from './webhook-deliveries.js';

/**
 * Webhook subscriptions (Narrative's `webhook_subscription_jobs`), in the camelCase the Narrative webhooks API
 * answers with. The secret is returned by `webhookCreate` only; every other read leaves it out.
 */
export type WebhookStatus = 'active' | 'disabled' | 'archived';

export interface WebhookSubscription {
  id: string;
  type: 'webhook_subscription_jobs';
  name: string | null;
  url: string;
  status: WebhookStatus;
  companyId: number;
  /** null = every job (type, state). */
  jobIds: string[] | null;
  jobTypes: string[] | null;
  jobStates: JobState[] | null;
  /** Why a disabled subscription was disabled (null otherwise). */
  disabledReason: string | null;
  /** Since when every attempt failed (null while deliveries succeed). */
  failingSince: string | null;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface NewWebhook {
  id: string;
  companyId: number;
  name: string | null;
  url: string;
  secret: string;
  jobIds: readonly string[] | null;
  jobTypes: readonly string[] | null;
  states: readonly JobState[] | null;
}

const COLUMNS = `w.id::text AS id, w.type, w.name, w.url, w.status, w.company_id AS "companyId",
  w.job_ids::text[] AS "jobIds", w.job_types AS "jobTypes", w.states AS "jobStates",
  w.disabled_reason AS "disabledReason", ${ts('w.failing_since')} AS "failingSince", w.last_error AS "lastError",
  ${ts('w.created_at')} AS "createdAt", ${ts('w.updated_at')} AS "updatedAt"`;

export async function webhookCreate(db: Queryable, w: NewWebhook): Promise<WebhookSubscription> {
  const rows = await db.query<WebhookSubscription>(
    `WITH w AS (
       INSERT INTO webhook_subscriptions (id, company_id, type, name, url, secret, job_ids, job_types, states)
       VALUES ($1, $2, 'webhook_subscription_jobs', $3, $4, $5, $6::uuid[], $7::text[], $8::text[])
       RETURNING *
     )
     SELECT ${COLUMNS} FROM w`,
    [w.id, w.companyId, w.name, w.url, w.secret, w.jobIds, w.jobTypes, w.states],
  );
  return rows[0]!;
}

export async function webhookGet(db: Queryable, companyId: number, id: string): Promise<WebhookSubscription | undefined> {
  const rows = await db.query<WebhookSubscription>(
    `SELECT ${COLUMNS} FROM webhook_subscriptions w WHERE w.id = $1 AND w.company_id = $2`,
    [id, companyId],
  );
  return rows[0];
}

export async function webhookList(
  db: Queryable, companyId: number, opts: { status?: WebhookStatus | undefined; limit: number; offset: number },
): Promise<{ records: WebhookSubscription[]; total: number }> {
  const [records, count] = await Promise.all([
    db.query<WebhookSubscription>(
      `SELECT ${COLUMNS} FROM webhook_subscriptions w
        WHERE w.company_id = $1 AND ($2::text IS NULL OR w.status = $2)
        ORDER BY w.created_at DESC, w.id DESC LIMIT $3 OFFSET $4`,
      [companyId, opts.status ?? null, opts.limit, opts.offset],
    ),
    db.query<{ total: number }>(
      `SELECT count(*)::int AS total FROM webhook_subscriptions WHERE company_id = $1 AND ($2::text IS NULL OR status = $2)`,
      [companyId, opts.status ?? null],
    ),
  ]);
  return { records, total: count[0]?.total ?? 0 };
}

/**
 * Stops a subscription for good: no new deliveries, and the ones not yet sent are cancelled (one being sent
 * right now finishes). Archiving an archived subscription is a no-op. undefined = not found (or another company's).
 */
export async function webhookArchive(db: Db, companyId: number, id: string): Promise<WebhookSubscription | undefined> {
  return db.transaction(async (tx) => {
    const [locked] = await tx.query<{ status: WebhookStatus }>(
      'SELECT status FROM webhook_subscriptions WHERE id = $1 AND company_id = $2 FOR NO KEY UPDATE',
      [id, companyId],
    );
    if (!locked) return undefined;
    if (locked.status !== 'archived') {
      await tx.query(`UPDATE webhook_subscriptions SET status = 'archived', updated_at = now() WHERE id = $1`, [id]);
      await deliveriesCancelOpen(tx, id, 'the subscription was archived');
    }
    return webhookGet(tx, companyId, id);
  });
}

/**
 * Turns a disabled subscription back on: deliveries resume with the events that come after; the ones cancelled
 * when it was disabled stay cancelled (retry them one by one). 'archived' = archived subscriptions stay archived.
 */
export async function webhookEnable(db: Queryable, companyId: number, id: string): Promise<WebhookSubscription | 'archived' | undefined> {
  const rows = await db.query<WebhookSubscription>(
    `WITH w AS (
       UPDATE webhook_subscriptions SET status = 'active', disabled_reason = NULL, failing_since = NULL, updated_at = now()
        WHERE id = $1 AND company_id = $2 AND status <> 'archived'
       RETURNING *
     )
     SELECT ${COLUMNS} FROM w`,
    [id, companyId],
  );
  if (rows[0]) return rows[0];
  const existing = await webhookGet(db, companyId, id);
  return existing ? 'archived' : undefined;
}
