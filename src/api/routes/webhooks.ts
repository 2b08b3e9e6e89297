import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { DomainError, notFound, validationFailed } from '../../core/errors.js';
import { allows } from '../../core/permissions.js';
import { generateWebhookSecret } from '../../client/webhook-signature.js';
import { webhookArchive, webhookCreate, webhookEnable, webhookGet, webhookList } from '../../store/webhooks.js';
import { deliveriesList, deliveryRetry } from '../../store/webhook-deliveries.js';
import { jobIdsOfCompany } from '../../store/jobs.js';
import { identityOf, type Identity } from '../plugins/auth.js';
import { pageOf, pageOfRecords } from '../pagination.js';
import { problemResponses } from '../schemas/common.js';
import {
  CreatedWebhookSubscription, CreateWebhookBody, DeliveryList, DeliveryParams, ListDeliveriesQuery, ListWebhooksQuery,
  WebhookIdParams, WebhookList,
} from '../schemas/webhooks.js';
import { parseWebhookUrl, resolveWebhookAddress, WebhookUrlRefused } from '../webhook-url-policy.js';

const READ = { auth: { resource: 'webhooks', access: 'read' } } as const;
const WRITE = { auth: { resource: 'webhooks', access: 'write' } } as const;
const Subscription = Type.Ref('WebhookSubscription');
const Delivery = Type.Ref('WebhookDelivery');

/** Webhook subscriptions belong to a company; an operator token (bound to a data plane) has none to manage. */
function companyOf(request: FastifyRequest): number {
  const identity = identityOf(request);
  if (identity.dataPlaneId) {
    throw new DomainError('forbidden', 'webhook subscriptions belong to a company; use a user token, not an operator token');
  }
  return identity.companyId;
}

/** A subscription receives job data, so creating one needs read access to jobs as well. */
function requireJobsRead(identity: Identity): void {
  if (!allows(identity.permissions, 'jobs', 'read')) {
    throw new DomainError('forbidden', 'this token lacks jobs:read (a webhook subscription delivers job data)');
  }
}

export default async function webhookRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['webhooks'];

  app.post('/webhooks', {
    config: WRITE,
    schema: {
      tags, summary: 'Create a webhook subscription',
      description:
        'Job state changes of the caller\'s company are POSTed to `url`, signed (Standard Webhooks: webhook-id, ' +
        'webhook-timestamp, webhook-signature), at least once, in order per job, retried with backoff for a day. ' +
        'The response carries the signing secret, shown only here. The URL must be https (or http to a host the ' +
        'operator allows) and resolve to a public address (unless the operator allows private ones). Requires ' +
        'webhooks:write and jobs:read.',
      body: CreateWebhookBody,
      response: { 201: CreatedWebhookSubscription, ...problemResponses(400, 401, 403, 404) },
    },
  }, async (request, reply) => {
    const companyId = companyOf(request);
    requireJobsRead(identityOf(request));
    const body = request.body;
    const policy = app.apiConfig.webhookUrlPolicy;
    try {
      await resolveWebhookAddress(parseWebhookUrl(body.url, policy), policy);
    } catch (err) {
      if (!(err instanceof WebhookUrlRefused)) throw err;
      throw validationFailed(`the webhook url ${err.message}`, [{ in: 'body', pointer: '/url', message: err.message }]);
    }
    if (body.job_ids) {
      // Like every id in a body: another company's (or a made-up) job is one the caller cannot name.
      const own = await jobIdsOfCompany(app.db, companyId, body.job_ids);
      const missing = body.job_ids.find((id) => !own.has(id));
      if (missing !== undefined) throw notFound(`job ${missing}`);
    }
    const secret = generateWebhookSecret();
    const created = await webhookCreate(app.db, {
      id: randomUUID(), companyId, name: body.name ?? null, url: body.url, secret,
      jobIds: body.job_ids ?? null, jobTypes: body.job_types ?? null, states: body.states ?? null,
    });
    return reply.status(201).send({ ...created, secret });
  });

  app.get('/webhooks', {
    config: READ,
    schema: {
      tags, summary: 'List webhook subscriptions', description: 'The company\'s subscriptions, newest first (secrets are never shown again).',
      querystring: ListWebhooksQuery, response: { 200: WebhookList, ...problemResponses(400, 401, 403) },
    },
  }, async (request) => {
    const { limit, offset, page } = pageOf(request.query);
    const { records, total } = await webhookList(app.db, companyOf(request), { status: request.query.status, limit, offset });
    return pageOfRecords(page, limit, total, records);
  });

  app.get('/webhooks/:webhook_id', {
    config: READ,
    schema: {
      tags, summary: 'Get a webhook subscription', params: WebhookIdParams,
      response: { 200: Subscription, ...problemResponses(400, 401, 403, 404) },
    },
  }, async (request) => {
    const found = await webhookGet(app.db, companyOf(request), request.params.webhook_id);
    if (!found) throw notFound(`webhook subscription ${request.params.webhook_id}`);
    return found;
  });

  app.post('/webhooks/:webhook_id/archive', {
    config: WRITE,
    schema: {
      tags, summary: 'Archive a webhook subscription',
      description: 'No more deliveries: the ones not yet sent are cancelled. Archiving is final (create a new subscription to resume).',
      params: WebhookIdParams, response: { 200: Subscription, ...problemResponses(400, 401, 403, 404) },
    },
  }, async (request) => {
    const archived = await webhookArchive(app.db, companyOf(request), request.params.webhook_id);
    if (!archived) throw notFound(`webhook subscription ${request.params.webhook_id}`);
    return archived;
  });

  app.post('/webhooks/:webhook_id/enable', {
    config: WRITE,
    schema: {
      tags, summary: 'Enable a disabled webhook subscription',
      description:
        'A subscription whose every delivery failed for days is disabled (disabledReason says why). Enabling it ' +
        'delivers the events from now on; cancelled deliveries can be retried one by one. 409 for an archived one.',
      params: WebhookIdParams, response: { 200: Subscription, ...problemResponses(400, 401, 403, 404, 409) },
    },
  }, async (request) => {
    const enabled = await webhookEnable(app.db, companyOf(request), request.params.webhook_id);
    if (!enabled) throw notFound(`webhook subscription ${request.params.webhook_id}`);
    if (enabled === 'archived') throw new DomainError('conflict', `webhook subscription ${request.params.webhook_id} is archived; create a new one`);
    return enabled;
  });

  app.get('/webhooks/:webhook_id/deliveries', {
    config: READ,
    schema: {
      tags, summary: 'List a subscription\'s deliveries',
      description: 'The delivery log, newest event first: status, attempts, the last answer\'s status, a prefix of its body, latency, the next attempt.',
      params: WebhookIdParams, querystring: ListDeliveriesQuery,
      response: { 200: DeliveryList, ...problemResponses(400, 401, 403, 404) },
    },
  }, async (request) => {
    const sub = await webhookGet(app.db, companyOf(request), request.params.webhook_id);
    if (!sub) throw notFound(`webhook subscription ${request.params.webhook_id}`);
    const { limit, offset, page } = pageOf(request.query);
    const { records, total } = await deliveriesList(app.db, sub.id, {
      status: request.query.status, jobId: request.query.job_id, limit, offset,
    });
    return pageOfRecords(page, limit, total, records);
  });

  app.post('/webhooks/:webhook_id/deliveries/:delivery_id/retry', {
    config: WRITE,
    schema: {
      tags, summary: 'Send a delivery again',
      description:
        'Queues a finished delivery (succeeded, failed, cancelled) again with a new retry window, or makes a pending ' +
        'one due now. It still waits for an earlier undelivered event of the same job. 409 while it is being sent, ' +
        'or when the subscription is not active.',
      params: DeliveryParams, response: { 200: Delivery, ...problemResponses(400, 401, 403, 404, 409) },
    },
  }, async (request) => {
    const { webhook_id, delivery_id } = request.params;
    const sub = await webhookGet(app.db, companyOf(request), webhook_id);
    if (!sub) throw notFound(`webhook subscription ${webhook_id}`);
    const result = await deliveryRetry(app.db, sub.id, delivery_id);
    switch (result.outcome) {
      case 'not_found':
        throw notFound(`delivery ${delivery_id} of webhook subscription ${webhook_id}`);
      case 'subscription_not_active':
        throw new DomainError('conflict', `webhook subscription ${webhook_id} is ${result.status}; enable it first`);
      case 'delivering':
        throw new DomainError('conflict', `delivery ${delivery_id} is being sent right now`);
      default:
        return result.delivery;
    }
  });
}
