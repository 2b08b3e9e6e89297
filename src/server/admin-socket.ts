import Fastify, { type FastifyInstance } from 'fastify';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { parsePermissionList } from '../core/permissions.js';
import type { Db } from '../store/db/types.js';
import { AdminInputError, adminCreateCompany, adminCreateToken } from './admin-ops.js';

/** Unix socket paths are limited to ~107 bytes; beyond that the socket goes to the temp dir (named in the lock). */
export function adminSocketPath(dataDir: string): string {
  const preferred = path.join(dataDir, 'admin.sock');
  return preferred.length < 100 ? preferred : path.join(os.tmpdir(), `jobplane-admin-${randomBytes(6).toString('hex')}.sock`);
}

/**
 * The local admin API: a tiny HTTP server on a Unix socket in the data dir (mode 0600), so that `jobplane token
 * create` and `jobplane company create` work while `serve` holds the embedded database. Nothing here is reachable
 * over the network; whoever can open the socket already owns the data dir.
 */
export async function startAdminSocket(db: Db, socketPath: string): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  app.setErrorHandler((err, _req, reply) => {
    const status = err instanceof AdminInputError || (err as { validation?: unknown }).validation ? 400 : 500;
    return reply.status(status).send({ error: (err as Error).message });
  });
  app.post<{ Body: { name: string } }>('/companies', {
    schema: { body: { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1 } } } },
  }, async (req) => adminCreateCompany(db, req.body.name));
  app.post<{ Body: { company_id: number; user_id?: number; permissions: string; data_plane_id?: string; expires_in_seconds?: number; name?: string } }>('/tokens', {
    schema: { body: { type: 'object', required: ['company_id', 'permissions'] } },
  }, async (req) => {
    let permissions;
    try {
      permissions = parsePermissionList(req.body.permissions);
    } catch (err) {
      throw new AdminInputError((err as Error).message);
    }
    return adminCreateToken(db, { ...req.body, permissions });
  });
  await rm(socketPath, { force: true });
  await app.listen({ path: socketPath });
  const { chmod } = await import('node:fs/promises');
  await chmod(socketPath, 0o600);
  return app;
}
