import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { DomainError, notFound } from '../../core/errors.js';
import { allows, normalizePermissions, type Permission } from '../../core/permissions.js';
import { companyGet, userGet } from '../../store/companies.js';
import { dataPlaneGet } from '../../store/data-planes.js';
import { tokenCreate, tokenList, tokenRevoke } from '../../store/tokens.js';
import { identityOf } from '../plugins/auth.js';
import { problemResponses } from '../schemas/common.js';
import { AccessToken, CreatedToken, CreateTokenBody, TokenParams, WhoAmI } from '../schemas/platform.js';

const READ = { auth: { resource: 'access-tokens', access: 'read' } } as const;
const WRITE = { auth: { resource: 'access-tokens', access: 'write' } } as const;

export default async function tokenRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['access-tokens'];

  app.get('/whoami', {
    schema: { tags: ['identity'], summary: 'Who the bearer token belongs to', response: { 200: WhoAmI, ...problemResponses(401) } },
  }, async (request) => {
    const identity = identityOf(request);
    const [company, user] = await Promise.all([
      companyGet(app.db, identity.companyId),
      identity.userId === null ? undefined : userGet(app.db, identity.userId),
    ]);
    return {
      user_id: identity.userId,
      name: user?.name ?? null,
      company_access_list: [identity.companyId],
      current_company_scope: { company_id: identity.companyId, slug: company?.slug ?? '', name: company?.name ?? '' },
      token: { id: identity.tokenId, permissions: identity.permissions, data_plane_id: identity.dataPlaneId },
    };
  });

  app.get('/access-tokens/tokens', {
    config: READ,
    schema: { tags, summary: 'List the company\'s access tokens (never the token values)', response: { 200: Type.Object({ records: Type.Array(AccessToken) }), ...problemResponses(401, 403) } },
  }, async (request) => ({ records: await tokenList(app.db, identityOf(request).companyId) }));

  app.post('/access-tokens/tokens', {
    config: WRITE,
    schema: {
      tags, summary: 'Create an access token', description: 'The token value is in the response once and is never shown again.',
      body: CreateTokenBody,
      response: { 201: CreatedToken, ...problemResponses(400, 401, 403) },
    },
  }, async (request, reply) => {
    const identity = identityOf(request);
    const b = request.body;
    const permissions = normalizePermissions(b.permissions as Permission[]);
    // No escalation: a token can only mint tokens with permissions it holds itself.
    const missing = permissions.filter((p) => !allows(identity.permissions, p.resource, p.access));
    if (missing.length > 0) {
      throw new DomainError('forbidden', `cannot grant permissions this token lacks: ${missing.map((p) => `${p.resource}:${p.access}`).join(', ')}`);
    }
    if (identity.dataPlaneId && b.data_plane_id !== identity.dataPlaneId) {
      throw new DomainError('forbidden', 'an operator token can only mint tokens bound to its own data plane');
    }
    if (b.data_plane_id !== undefined && !(await dataPlaneGet(app.db, identity.companyId, b.data_plane_id))) {
      throw new DomainError('validation_failed', `data plane ${b.data_plane_id} was not found`, {
        errors: [{ in: 'body', pointer: '/data_plane_id', message: 'is not a data plane of your company' }],
      });
    }
    if (b.expires_at !== undefined && Date.parse(b.expires_at) <= Date.now()) {
      throw new DomainError('validation_failed', 'expires_at is in the past', {
        errors: [{ in: 'body', pointer: '/expires_at', message: 'must be in the future' }],
      });
    }
    const { record, token } = await tokenCreate(app.db, {
      companyId: identity.companyId, userId: identity.userId, name: b.name, permissions,
      dataPlaneId: b.data_plane_id ?? identity.dataPlaneId, expiresAt: b.expires_at ?? null,
    });
    return reply.status(201).send({ ...record, access_token: token });
  });

  app.delete('/access-tokens/tokens/:access_token_id', {
    config: WRITE,
    schema: { tags, summary: 'Revoke an access token', description: 'The token stops working at once.', params: TokenParams, response: { 200: AccessToken, ...problemResponses(400, 401, 403, 404) } },
  }, async (request) => {
    const revoked = await tokenRevoke(app.db, identityOf(request).companyId, request.params.access_token_id);
    if (!revoked) throw notFound(`access token ${request.params.access_token_id}`);
    await app.tokens.revoked(revoked.id);
    return revoked;
  });
}
