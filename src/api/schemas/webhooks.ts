import { Type } from 'typebox';
import { JobStateSchema, JobTypeSchema } from './jobs.js';
import { Nullable, NullableTimestamp, PageQuery, StringEnum, Text, Timestamp, Uuid } from './common.js';
import { DELIVERY_STATUSES } from '../../store/webhook-deliveries.js';

const WEBHOOK_STATUSES = ['active', 'disabled', 'archived'] as const;

export const CreateWebhookBody = Type.Object(
  {
    type: StringEnum(['webhook_subscription_jobs'] as const, { description: 'Job state change subscriptions (the only kind so far).' }),
    url: Text({ minLength: 1, maxLength: 2048, description: 'https, or http to a host the operator allows; a public address unless the operator allows private ones.' }),
    name: Type.Optional(Text({ minLength: 1, maxLength: 200 })),
    job_ids: Type.Optional(Type.Array(Uuid(), { minItems: 1, maxItems: 1000, uniqueItems: true, description: 'Only these jobs (omit for all).' })),
    job_types: Type.Optional(Type.Array(JobTypeSchema, { minItems: 1, maxItems: 100, uniqueItems: true, description: 'Only jobs of these types (omit for all).' })),
    states: Type.Optional(Type.Array(JobStateSchema, { minItems: 1, uniqueItems: true, description: 'Only transitions to these states (omit for all).' })),
  },
  { additionalProperties: false },
);

const subscriptionFields = {
  id: Uuid(),
  type: StringEnum(['webhook_subscription_jobs'] as const),
  name: Nullable(Text()),
  url: Text(),
  status: StringEnum(WEBHOOK_STATUSES, { description: 'active; disabled (every attempt failed for days: see disabledReason); archived' }),
  companyId: Type.Integer(),
  jobIds: Nullable(Type.Array(Uuid())),
  jobTypes: Nullable(Type.Array(Text())),
  jobStates: Nullable(Type.Array(JobStateSchema)),
  disabledReason: Nullable(Text({ description: 'Why the subscription was disabled.' })),
  failingSince: NullableTimestamp('Since when every delivery attempt failed (null while they succeed).'),
  lastError: Nullable(Text({ description: 'The last failed attempt\'s error.' })),
  createdAt: Timestamp('When the subscription was created.'),
  updatedAt: Timestamp('When it last changed.'),
};

export const WebhookSubscription = Type.Object(subscriptionFields, { $id: 'WebhookSubscription', additionalProperties: false });

export const CreatedWebhookSubscription = Type.Object(
  {
    ...subscriptionFields,
    secret: Text({ description: 'whsec_<base64>: the key of the webhook-signature HMAC. Shown only in this response: store it.' }),
  },
  { additionalProperties: false },
);

export const WebhookList = Type.Object(
  {
    current_page: Type.Integer(), total_records: Type.Integer(), total_pages: Type.Integer(),
    records: Type.Array(Type.Ref('WebhookSubscription')),
  },
  { additionalProperties: false },
);

export const ListWebhooksQuery = Type.Object(
  { status: Type.Optional(StringEnum(WEBHOOK_STATUSES)), ...PageQuery },
  { additionalProperties: false },
);

export const WebhookIdParams = Type.Object({ webhook_id: Uuid('A webhook subscription.') }, { additionalProperties: false });
export const DeliveryParams = Type.Object(
  { webhook_id: Uuid('A webhook subscription.'), delivery_id: Uuid('One of its deliveries.') },
  { additionalProperties: false },
);

export const WebhookDelivery = Type.Object(
  {
    id: Uuid('Also the webhook-id (and idempotency-key) header of every attempt.'),
    subscriptionId: Uuid(),
    eventId: Text({ description: 'The event\'s feed position (its id in the body and in GET /events).' }),
    eventType: Text({ description: 'job.<state>' }),
    jobId: Uuid(),
    status: StringEnum(DELIVERY_STATUSES, {
      description: 'waiting (an earlier event of the job is not delivered yet), pending, delivering, succeeded, failed (given up), cancelled',
    }),
    attempts: Type.Integer(),
    responseStatus: Nullable(Type.Integer({ description: 'The last answer\'s HTTP status.' })),
    responseBody: Nullable(Text({ description: 'The first 512 bytes of the last answer.' })),
    latencyMs: Nullable(Type.Integer({ description: 'The last attempt\'s HTTP exchange.' })),
    lastError: Nullable(Text()),
    nextAttemptAt: NullableTimestamp('When the next attempt is due (pending only; null = as soon as possible).'),
    lastAttemptAt: NullableTimestamp('When the last attempt started.'),
    deliveredAt: NullableTimestamp('When the receiver answered 2xx.'),
    createdAt: Timestamp('When the delivery was queued.'),
  },
  { $id: 'WebhookDelivery', additionalProperties: false },
);

export const DeliveryList = Type.Object(
  {
    current_page: Type.Integer(), total_records: Type.Integer(), total_pages: Type.Integer(),
    records: Type.Array(Type.Ref('WebhookDelivery')),
  },
  { additionalProperties: false },
);

export const ListDeliveriesQuery = Type.Object(
  { status: Type.Optional(StringEnum(DELIVERY_STATUSES)), job_id: Type.Optional(Uuid()), ...PageQuery },
  { additionalProperties: false },
);
