import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { DomainError, notFound } from '../../core/errors.js';
import {
  computePoolCreate, computePoolList, dataPlaneCreate, dataPlaneGet, dataPlaneHeartbeat, dataPlaneList,
} from '../../store/data-planes.js';
import { identityOf, type Identity } from '../plugins/auth.js';
import { problemResponses } from '../schemas/common.js';
import {
  ComputePool, CreateComputePoolBody, CreateDataPlaneBody, DataPlane, DataPlaneParams,
} from '../schemas/platform.js';

const READ = { auth: { resource: 'data-planes', access: 'read' } } as const;
const WRITE = { auth: { resource: 'data-planes', access: 'write' } } as const;

/** An operator token sees only its own plane; other tokens see their company's planes. */
function canSee(identity: Identity, planeId: string): boolean {
  return identity.dataPlaneId === null || identity.dataPlaneId === planeId;
}

export default async function dataPlaneRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['data-planes'];

  const planeOf = async (identity: Identity, id: string) => {
    const plane = canSee(identity, id) ? await dataPlaneGet(app.db, identity.companyId, id) : undefined;
    if (!plane) throw notFound(`data plane ${id}`);
    return plane;
  };

  app.get('/data-planes', {
    config: READ,
    schema: { tags, summary: 'List data planes', response: { 200: Type.Object({ records: Type.Array(DataPlane) }), ...problemResponses(401, 403) } },
  }, async (request) => {
    const identity = identityOf(request);
    const planes = await dataPlaneList(app.db, identity.companyId);
    return { records: planes.filter((p) => canSee(identity, p.id)) };
  });

  app.post('/data-planes', {
    config: WRITE,
    schema: { tags, summary: 'Create a data plane', body: CreateDataPlaneBody, response: { 201: DataPlane, ...problemResponses(400, 401, 403) } },
  }, async (request, reply) => {
    const identity = identityOf(request);
    if (identity.dataPlaneId) throw new DomainError('forbidden', 'an operator token cannot create data planes');
    const b = request.body;
    const plane = await dataPlaneCreate(app.db, {
      companyId: identity.companyId, displayName: b.display_name, description: b.description ?? null,
      engine: b.engine ?? 'duckdb', tags: b.tags ?? [],
    });
    return reply.status(201).send(plane);
  });

  app.get('/data-planes/:data_plane_id', {
    config: READ,
    schema: { tags, summary: 'Get a data plane', params: DataPlaneParams, response: { 200: DataPlane, ...problemResponses(400, 401, 403, 404) } },
  }, async (request) => planeOf(identityOf(request), request.params.data_plane_id));

  app.post('/data-planes/:data_plane_id/heartbeat', {
    config: WRITE,
    schema: { tags, summary: 'Record a heartbeat from the plane\'s operator', params: DataPlaneParams, response: { 200: DataPlane, ...problemResponses(400, 401, 403, 404) } },
  }, async (request) => {
    const identity = identityOf(request);
    const id = request.params.data_plane_id;
    const plane = canSee(identity, id) ? await dataPlaneHeartbeat(app.db, id, identity.companyId) : undefined;
    if (!plane) throw notFound(`data plane ${id}`);
    return plane;
  });

  app.get('/data-planes/:data_plane_id/compute-pools', {
    config: READ,
    schema: { tags, summary: 'List a plane\'s compute pools', params: DataPlaneParams, response: { 200: Type.Object({ records: Type.Array(ComputePool) }), ...problemResponses(400, 401, 403, 404) } },
  }, async (request) => {
    const plane = await planeOf(identityOf(request), request.params.data_plane_id);
    return { records: await computePoolList(app.db, plane.id) };
  });

  app.post('/data-planes/:data_plane_id/compute-pools', {
    config: WRITE,
    schema: { tags, summary: 'Create a compute pool', params: DataPlaneParams, body: CreateComputePoolBody, response: { 201: ComputePool, ...problemResponses(400, 401, 403, 404, 409) } },
  }, async (request, reply) => {
    const plane = await planeOf(identityOf(request), request.params.data_plane_id);
    const pool = await computePoolCreate(app.db, plane.id, request.body.name, request.body.max_concurrency);
    if (!pool) throw new DomainError('conflict', `a compute pool named "${request.body.name}" already exists on this plane`);
    return reply.status(201).send(pool);
  });
}
