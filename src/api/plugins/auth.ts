import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { DomainError } from '../../core/errors.js';
import type { Actor } from '../../core/job.js';
import { allows, type Access, type Permission, type Resource } from '../../core/permissions.js';
import type { JobScope } from '../../store/job-columns.js';
import { TOKEN_PATTERN } from '../../store/tokens.js';
import type { TokenCache } from '../token-cache.js';

export interface Identity {
  tokenId: string;
  companyId: number;
  userId: number | null;
  permissions: Permission[];
  /** Set for operator tokens: the one data plane whose jobs this token may drive. */
  dataPlaneId: string | null;
}

/** Per-route auth requirement, in `config.auth`. Routes with `config.public` skip authentication. */
export interface RouteAuth {
  resource: Resource;
  access: Access;
}

declare module 'fastify' {
  interface FastifyRequest {
    identity: Identity | undefined;
  }
  interface FastifyContextConfig {
    auth?: RouteAuth;
    public?: boolean;
  }
}

const unauthenticated = (why: string) => new DomainError('unauthenticated', why);

/**
 * Authenticates `Authorization: Bearer <token>` on every non-public route (401 for no, unknown, expired or revoked
 * tokens) and checks the route's `{resource, access}` (403). Lookups go through the TokenCache, which every
 * revocation invalidates at once (locally, and on other servers through NOTIFY).
 */
async function authPlugin(app: FastifyInstance, opts: { tokens: TokenCache }): Promise<void> {
  app.decorateRequest('identity', undefined);
  // Each operation's permission in the OpenAPI document (`x-permission: "jobs:write"`): for clients, and for the
  // auth-matrix test that derives what every endpoint must answer from the document (test/security/).
  app.addHook('onRoute', (route) => {
    const need = route.config?.auth;
    if (need && route.schema) (route.schema as Record<string, unknown>)['x-permission'] = `${need.resource}:${need.access}`;
  });
  app.addHook('onRequest', async (request) => {
    const config = request.routeOptions.config;
    // Unknown routes fall through to the 404 handler; the docs UI and its assets are public.
    const url = request.routeOptions.url;
    if (config.public || url === undefined || url === '/docs' || url.startsWith('/docs/')) return;
    const header = request.headers.authorization;
    if (!header) throw unauthenticated('missing Authorization header; send "Authorization: Bearer <token>"');
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw unauthenticated('the Authorization header must have the form "Bearer <token>"');
    const token = match[1]!;
    if (!TOKEN_PATTERN.test(token)) throw unauthenticated('the bearer token is not a jobplane token');
    const found = await opts.tokens.find(token);
    if (!found) throw unauthenticated('the bearer token is unknown');
    if (found.revoked_at) throw unauthenticated('the bearer token was revoked');
    if (!found.usable) throw unauthenticated('the bearer token has expired');
    request.identity = {
      tokenId: found.id,
      companyId: found.company_id,
      userId: found.user_id,
      permissions: found.permissions,
      dataPlaneId: found.data_plane_id,
    };
    const need = config.auth;
    if (need && !allows(found.permissions, need.resource, need.access)) {
      throw new DomainError('forbidden', `this token lacks ${need.resource}:${need.access}`);
    }
  });
}

export default fp(authPlugin, { name: 'jobplane-auth' });

/** The identity of an authenticated route (the auth hook guarantees it). */
export function identityOf(request: FastifyRequest): Identity {
  if (!request.identity) throw unauthenticated('authentication required');
  return request.identity;
}

/** Which jobs this caller may see: an operator token its plane's, any other token its company's. */
export function jobScopeOf(identity: Identity): JobScope {
  return identity.dataPlaneId ? { dataPlaneId: identity.dataPlaneId } : { companyId: identity.companyId };
}

export function actorOf(identity: Identity): Actor {
  return { type: 'api_user', company_id: identity.companyId, user_id: identity.userId, token_id: identity.tokenId };
}
