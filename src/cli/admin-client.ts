import http from 'node:http';
import path from 'node:path';
import { openStore } from '../store/open.js';
import type { Db } from '../store/db/types.js';
import { acquireLock, readLock } from '../server/data-dir-lock.js';

export interface AdminTarget {
  dataDir: string;
  databaseUrl: string | undefined;
}

export function adminTargetFromEnv(dataDirFlag: string | undefined): AdminTarget {
  return {
    dataDir: path.resolve(dataDirFlag ?? process.env['JOBPLANE_DATA_DIR'] ?? './.jobplane'),
    databaseUrl: process.env['DATABASE_URL'] || undefined,
  };
}

/**
 * Runs an admin operation where the data lives: on PostgreSQL directly; on the embedded database through the
 * running server's admin socket when `serve` holds it, else by opening it ourselves (under the same lock).
 */
export async function withAdmin<T>(
  target: AdminTarget,
  viaSocket: (post: (path: string, body: unknown) => Promise<unknown>) => Promise<T>,
  direct: (db: Db) => Promise<T>,
): Promise<T> {
  if (target.databaseUrl) return withDb(target, direct);
  const owner = await readLock(target.dataDir);
  if (owner?.kind === 'serve' && owner.adminSocket) {
    const socket = owner.adminSocket;
    return viaSocket((p, body) => postUnix(socket, p, body));
  }
  const release = await acquireLock(target.dataDir, { kind: 'cli' });
  try {
    return await withDb(target, direct);
  } finally {
    await release();
  }
}

async function withDb<T>(target: AdminTarget, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = await openStore({ databaseUrl: target.databaseUrl, dataDir: target.dataDir });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

function postUnix(socketPath: string, urlPath: string, body: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = http.request(
      { socketPath, path: urlPath, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          const parsed = text ? JSON.parse(text) : {};
          if ((res.statusCode ?? 500) >= 400) reject(new Error((parsed as { error?: string }).error ?? `admin socket answered ${res.statusCode}`));
          else resolve(parsed);
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
