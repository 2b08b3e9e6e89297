import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { DomainError, notFound } from '../../core/errors.js';
import { computePoolGet, dataPlaneGetById, dataPlaneList } from '../../store/data-planes.js';
import {
  executorCancellations, executorCreate, executorDelete, executorDrain, executorGet, executorHeartbeat, executorList, type Executor,
} from '../../store/executors.js';
import { actorOf, identityOf, type Identity } from '../plugins/auth.js';
import { longPoll, requestLifetime } from '../request-lifetime.js';
import { problemResponses } from '../schemas/common.js';
import {
  Cancellations, CancellationsQuery, Executor as ExecutorSchema, ExecutorParams, ListExecutorsQuery, RegisterExecutorBody,
} from '../schemas/executors.js';

const READ = { auth: { resource: 'data-planes', access: 'read' } } as const;
const WRITE = { auth: { resource: 'data-planes', access: 'write' } } as const;

/** Planes whose executors the caller may see and manage: an operator token's own, or its company's. */
async function planesOf(app: FastifyInstance, identity: Identity): Promise<string[]> {
  if (identity.dataPlaneId !== null) return [identity.dataPlaneId];
  return (await dataPlaneList(app.db, identity.companyId)).map((p) => p.id);
}

export default async function executorRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['executors'];

  const visibleExecutor = async (identity: Identity, id: string): Promise<Executor> => {
    const executor = await executorGet(app.db, id);
    if (!executor || !(await planesOf(app, identity)).includes(executor.data_plane_id)) throw notFound(`executor ${id}`);
    return executor;
  };

  app.post('/executors', {
    config: WRITE,
    schema: { tags, summary: 'Register an executor', body: RegisterExecutorBody, response: { 201: ExecutorSchema, ...problemResponses(400, 401, 403) } },
  }, async (request, reply) => {
    const identity = identityOf(request);
    const b = request.body;
    const plane = await dataPlaneGetById(app.db, b.data_plane_id);
    if (!plane || !(await planesOf(app, identity)).includes(plane.id)) {
      throw new DomainError('validation_failed', `data plane ${b.data_plane_id} was not found`, {
        errors: [{ in: 'body', pointer: '/data_plane_id', message: 'is not a data plane you may use' }],
      });
    }
    if (b.compute_pool_id !== undefined) {
      const pool = await computePoolGet(app.db, b.compute_pool_id);
      if (!pool || pool.data_plane_id !== plane.id) {
        throw new DomainError('validation_failed', `compute pool ${b.compute_pool_id} is not on data plane ${plane.id}`, {
          errors: [{ in: 'body', pointer: '/compute_pool_id', message: 'is not a compute pool of this data plane' }],
        });
      }
    }
    const executor = await executorCreate(app.db, {
      dataPlaneId: plane.id, computePoolId: b.compute_pool_id ?? null, types: b.types, slots: b.slots, name: b.name ?? null,
    });
    request.log.info({ executor: executor.id, data_plane_id: plane.id }, 'executor registered');
    return reply.status(201).send(executor);
  });

  app.get('/executors', {
    config: READ,
    schema: { tags, summary: 'List executors', querystring: ListExecutorsQuery, response: { 200: Type.Object({ records: Type.Array(ExecutorSchema) }), ...problemResponses(400, 401, 403) } },
  }, async (request) => {
    let planes = await planesOf(app, identityOf(request));
    if (request.query.data_plane_id !== undefined) planes = planes.filter((p) => p === request.query.data_plane_id);
    return { records: await executorList(app.db, planes) };
  });

  app.get('/executors/:executor_id', {
    config: READ,
    schema: { tags, summary: 'Get an executor', params: ExecutorParams, response: { 200: ExecutorSchema, ...problemResponses(400, 401, 403, 404) } },
  }, async (request) => visibleExecutor(identityOf(request), request.params.executor_id));

  app.get('/executors/:executor_id/cancellations', {
    config: READ,
    schema: {
      tags, summary: 'Watch for cancellation requests',
      description: 'The jobs this executor runs that were asked to cancel (pending_cancellation), with the lease ' +
        '(attempt) to stop. With wait_ms the request is held until there is one (woken by LISTEN/NOTIFY, polled as a ' +
        'safety net) or the wait ends, so an operator learns of a cancellation at once instead of at its next heartbeat.',
      params: ExecutorParams, querystring: CancellationsQuery,
      response: { 200: Cancellations, ...problemResponses(400, 401, 403, 404) },
    },
  }, async (request, reply) => {
    const { executor_id } = request.params;
    await visibleExecutor(identityOf(request), executor_id);
    const records = await longPoll({
      waitMs: request.query.wait_ms ?? 0, pollMs: app.apiConfig.claimPollMs, stop: requestLifetime(app, reply),
      look: () => executorCancellations(app.db, executor_id),
      wake: (ms, stop) => app.signals.waitForCancelRequest(executor_id, ms, stop),
    });
    return { records };
  });

  app.post('/executors/:executor_id/heartbeat', {
    config: WRITE,
    schema: { tags, summary: 'Executor heartbeat', description: 'Keeps the registration alive; the reply\'s status says whether to drain.', params: ExecutorParams, response: { 200: ExecutorSchema, ...problemResponses(400, 401, 403, 404) } },
  }, async (request) => {
    const { executor_id } = request.params;
    await visibleExecutor(identityOf(request), executor_id);
    const executor = await executorHeartbeat(app.db, executor_id);
    if (!executor) throw notFound(`executor ${executor_id}`);
    return executor;
  });

  app.post('/executors/:executor_id/drain', {
    config: WRITE,
    schema: { tags, summary: 'Drain an executor', description: 'It claims nothing more; its running jobs go on.', params: ExecutorParams, response: { 200: ExecutorSchema, ...problemResponses(400, 401, 403, 404) } },
  }, async (request) => {
    const { executor_id } = request.params;
    await visibleExecutor(identityOf(request), executor_id);
    const executor = await executorDrain(app.db, executor_id);
    if (!executor) throw notFound(`executor ${executor_id}`);
    return executor;
  });

  app.delete('/executors/:executor_id', {
    config: WRITE,
    schema: {
      tags, summary: 'Deregister an executor',
      description: 'Its running jobs go back to pending at once (attempt kept, so its lease is stale) instead of waiting for lease expiry.',
      params: ExecutorParams, response: { 200: Type.Object({ id: Type.String(), released_jobs: Type.Integer() }), ...problemResponses(400, 401, 403, 404) },
    },
  }, async (request) => {
    const identity = identityOf(request);
    const { executor_id } = request.params;
    const executor = await visibleExecutor(identity, executor_id);
    const deleted = await executorDelete(app.db, executor_id, actorOf(identity));
    if (!deleted) throw notFound(`executor ${executor_id}`);
    if (deleted.released > 0) await app.signals.notify(executor.data_plane_id);
    return { id: executor_id, released_jobs: deleted.released };
  });
}
