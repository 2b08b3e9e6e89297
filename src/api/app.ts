import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Db } from '../store/db/types.js';
import authPlugin from './plugins/auth.js';
import { clientErrorProblem, rawProblemResponse, sendProblem, toDomainError } from './problems.js';
import { DebugRequestLog } from './request-log.js';
import { DomainError } from '../core/errors.js';
import { Problem } from './schemas/common.js';
import { Job } from './schemas/jobs.js';
import { JOB_INPUT_SCHEMAS } from './schemas/job-inputs.js';
import { JobTypeRegistry } from './job-types/index.js';
import { TransitionEffects } from './transition-effects.js';
import { createValidators, type Validators } from './validation.js';
import healthRoutes from './routes/health.js';
import jobRoutes from './routes/jobs.js';
import dataPlaneRoutes from './routes/data-planes.js';
import tokenRoutes from './routes/tokens.js';
import executorJobRoutes from './routes/executor-jobs.js';
import executorRoutes from './routes/executors.js';
import datasetRoutes from './routes/datasets.js';
import nqlRoutes from './routes/nql.js';
import datasetImportRoutes from './routes/dataset-import.js';
import jobExplainRoutes from './routes/job-explain.js';
import jobStatsRoutes from './routes/job-stats.js';
import uiRoutes from './routes/ui.js';
import viewRoutes from './routes/views.js';
import eventRoutes from './routes/events.js';
import webhookRoutes from './routes/webhooks.js';
import { FeedEvent } from './schemas/events.js';
import { WebhookDelivery, WebhookSubscription } from './schemas/webhooks.js';
import { DEFAULT_WEBHOOK_URL_POLICY, type WebhookUrlPolicy } from './webhook-url-policy.js';
import { EventFeed } from '../store/event-feed.js';
import type { DatasetImporter } from './dataset-importer.js';
import { Dataset } from './schemas/datasets.js';
import { Metrics } from './metrics.js';
import { TokenCache } from './token-cache.js';
import { JobWrites } from './job-writes.js';
import { JobSignals } from '../store/job-signals.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../store/retry-policy.js';

export interface ApiConfig {
  /** Lease given by `run`/claim; executors must heartbeat before it ends. */
  leaseMs: number;
  /** The heartbeat interval executors are told to use (well inside the lease). */
  heartbeatMs: number;
  /** Largest accepted request body, in bytes (413 above). */
  bodyLimit: number;
  /** Backoff of automatic retries. */
  retry: RetryPolicy;
  /** Job types accepted beyond the built-in ones (their input is any JSON object). */
  extraJobTypes: string[];
  /** During a long-poll claim, how often to look again even without a wake-up (the safety net). */
  claimPollMs: number;
  /** Largest upload accepted by the import endpoints, in bytes, all files together (`JOBPLANE_IMPORT_LIMIT`). */
  importLimitBytes: number;
  /** Most `run` requests written as one statement (`JOBPLANE_RUN_BATCH_MAX`; 1 = one statement per request). */
  runBatchMax: number;
  /** How often the event sequencer looks for committed events (`JOBPLANE_EVENTS_POLL_MS`; docs/events.md). */
  eventsPollMs: number;
  /** Heartbeat comments on GET /events streams. */
  sseHeartbeatMs: number;
  /** Where webhook subscriptions may point (`JOBPLANE_WEBHOOK_ALLOW_HTTP_HOSTS`, `JOBPLANE_WEBHOOK_ALLOW_PRIVATE`). */
  webhookUrlPolicy: WebhookUrlPolicy;
}

export const DEFAULT_API_CONFIG: ApiConfig = {
  leaseMs: 30_000, heartbeatMs: 10_000, bodyLimit: 1024 * 1024, retry: DEFAULT_RETRY_POLICY, extraJobTypes: [],
  claimPollMs: 1_000, importLimitBytes: 10 * 1024 ** 3, runBatchMax: 64,
  eventsPollMs: 50, sseHeartbeatMs: 15_000, webhookUrlPolicy: DEFAULT_WEBHOOK_URL_POLICY,
};

export interface AppDeps {
  db: Db;
  /** Wake-ups for long-polling claims; created (and started) by buildApp when absent. */
  signals?: JobSignals;
  config?: Partial<ApiConfig>;
  /** A pino logger; absent = no request logging (tests). */
  logger?: FastifyBaseLogger;
  /** Imports into the data plane whose files this server holds; absent = the import endpoints answer 409. */
  importer?: DatasetImporter;
}

declare module 'fastify' {
  interface FastifyInstance {
    db: Db;
    apiConfig: ApiConfig;
    validators: Validators;
    metrics: Metrics;
    signals: JobSignals;
    tokens: TokenCache;
    /** Aborted when the server starts closing: long-polls answer at once instead of holding the shutdown. */
    closing: AbortController;
    importer: DatasetImporter | null;
    /** run, complete, fail and heartbeat, each behind a group commit. */
    writes: JobWrites;
    /** The job types this server accepts, with their control-plane hooks. */
    jobTypes: JobTypeRegistry;
    /** Metrics and wake-ups after every committed transition. */
    effects: TransitionEffects;
    /** What the server is still doing before it is ready (`/readyz` answers 503 while set); null = ready. */
    readiness: { starting: string | null };
    /** The job event feed: its sequencer runs in every server; readers wait on it (docs/events.md). */
    eventFeed: EventFeed;
  }
}

export const SHARED_SCHEMAS = [Problem, Job, ...JOB_INPUT_SCHEMAS, Dataset, FeedEvent, WebhookSubscription, WebhookDelivery];

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const config = { ...DEFAULT_API_CONFIG, ...deps.config };
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    bodyLimit: config.bodyLimit,
    // Request ids in logs and responses let an operator find a request from a client's report.
    requestIdHeader: 'x-request-id',
    genReqId: () => crypto.randomUUID(),
    ajv: { customOptions: { removeAdditional: false } },
    // One line per request, at debug (LOG_LEVEL=debug): at info a server's log is its events, not its traffic.
    logController: new DebugRequestLog(),
    // On close: idle keep-alive sockets are closed at once, busy ones once their response is written (Connection:
    // close), so an idle server stops in milliseconds instead of waiting out the 72 s keep-alive timeout.
    forceCloseConnections: 'idle',
    // Requests already on a connection while the server closes are served, not 503'd: they are in flight, and
    // the in-process operator's last reports (complete, fail, deregister) must reach the API during the drain.
    return503OnClosing: false,
    // Errors raised before routing (an undecodable URL, a path parameter over 100 characters) and before HTTP
    // parsing finished (431 headers too large, 414 URL too long, 408, 400 not HTTP) are problems like any other.
    frameworkErrors: (err, request, reply) => sendProblem(reply, request, toDomainError(err as never)),
    clientErrorHandler: (err, socket) => {
      if ((err as NodeJS.ErrnoException).code === 'ECONNRESET' || socket.destroyed) return;
      if (socket.writable) socket.write(rawProblemResponse(clientErrorProblem(err as never)));
      socket.destroy(err);
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.decorate('db', deps.db);
  app.decorate('apiConfig', config);
  app.decorate('importer', deps.importer ?? null);
  const metrics = new Metrics(deps.db);
  app.decorate('metrics', metrics);
  app.decorate('writes', new JobWrites(deps.db, {
    leaseMs: config.leaseMs, maxBatch: config.runBatchMax, retry: config.retry,
    onBatch: (kind, size) => (kind === 'run' ? metrics.runBatchSize.observe(size) : metrics.writeBatchSize.observe({ kind }, size)),
  }));
  let signals = deps.signals;
  if (!signals) {
    const own = new JobSignals(deps.db);
    await own.start();
    app.addHook('onClose', async () => own.stop());
    signals = own;
  }
  app.decorate('signals', signals);
  app.decorate('jobTypes', new JobTypeRegistry(config.extraJobTypes));
  app.decorate('effects', new TransitionEffects(metrics, signals));
  const eventFeed = new EventFeed(deps.db, {
    pollMs: config.eventsPollMs,
    onPass: (pass) => metrics.eventsSequenced.inc(pass.sequenced),
    onError: (err) => app.log.warn({ err }, 'event sequencer pass failed; will retry'),
  });
  await eventFeed.start();
  app.addHook('onClose', async () => eventFeed.stop());
  app.decorate('eventFeed', eventFeed);
  const closing = new AbortController();
  app.decorate('closing', closing);
  app.decorate('readiness', { starting: null });
  app.addHook('preClose', async () => closing.abort());
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unknown';
    metrics.httpDuration.observe({ method: request.method, route, status: reply.statusCode }, reply.elapsedTime / 1000);
  });
  const validators = createValidators(SHARED_SCHEMAS);
  app.decorate('validators', validators);
  for (const schema of SHARED_SCHEMAS) app.addSchema(schema);
  app.setValidatorCompiler(validators.compiler);

  // JSON only (text/plain would otherwise be accepted and fail later as a confusing type error: 415 is clearer).
  // An empty body on a POST whose body is optional (reschedule, cancel) is allowed, as the Narrative API allows it.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = (body as string).trim();
    if (text === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      done(new DomainError('validation_failed', `the body is not valid JSON: ${(err as Error).message}`, {
        errors: [{ in: 'body', pointer: '/', message: 'is not valid JSON' }],
      }), undefined);
    }
  });

  app.setErrorHandler((err, request, reply) => {
    const domain = toDomainError(err as never);
    if (domain.code === 'internal') request.log.error({ err }, 'unhandled error');
    return sendProblem(reply, request, domain);
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    const shown = path.length > 200 ? `${path.slice(0, 200)}...` : path;
    return sendProblem(reply, request, new DomainError('not_found', `no route ${request.method} ${shown}`));
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'jobplane API',
        version: '0.1.0',
        description: 'Job control plane for NQL data jobs, compatible with the Narrative Jobs API.',
      },
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'jp_<43 base64url chars>' } },
      },
      security: [{ bearerAuth: [] }],
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => (json['$id'] as string) || `def-${i}` },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list' } });

  const tokens = new TokenCache(deps.db);
  await tokens.start();
  app.addHook('onClose', async () => tokens.stop());
  app.decorate('tokens', tokens);
  await app.register(authPlugin, { tokens });
  await app.register(healthRoutes);
  await app.register(jobRoutes);
  await app.register(dataPlaneRoutes);
  await app.register(tokenRoutes);
  await app.register(executorJobRoutes);
  await app.register(executorRoutes);
  await app.register(viewRoutes);
  await app.register(datasetRoutes);
  await app.register(nqlRoutes);
  await app.register(datasetImportRoutes);
  await app.register(jobExplainRoutes);
  await app.register(jobStatsRoutes);
  // The dashboard's files (public: the dashboard itself calls the API with the user's token).
  await app.register(uiRoutes);
  await app.register(eventRoutes);
  await app.register(webhookRoutes);
  return app;
}
