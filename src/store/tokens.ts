import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Permission } from '../core/permissions.js';
import type { Queryable } from './db/types.js';
import { ts } from './job-columns.js';

/** `jp_` + 43 base64url characters (32 random bytes). */
export function generateToken(): string {
  return `jp_${randomBytes(32).toString('base64url')}`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export const TOKEN_PATTERN = /^jp_[A-Za-z0-9_-]{43}$/;

export interface AccessToken {
  id: string;
  company_id: number;
  user_id: number | null;
  name: string;
  permissions: Permission[];
  data_plane_id: string | null;
  expires_at: string | null;
  revoked_at: string | null;
  created_at: string;
}

const TOKEN_COLUMNS = `t.id::text AS id, t.company_id, t.user_id, t.name, t.permissions, t.data_plane_id::text AS data_plane_id,
  ${ts('t.expires_at')} AS expires_at, ${ts('t.revoked_at')} AS revoked_at, ${ts('t.created_at')} AS created_at`;

export interface NewToken {
  companyId: number;
  userId: number | null;
  name: string;
  permissions: Permission[];
  dataPlaneId: string | null;
  expiresAt: string | null;
}

/** Stores a new token's hash; returns the record and the token itself, which is shown once and never stored. */
export async function tokenCreate(db: Queryable, t: NewToken): Promise<{ record: AccessToken; token: string }> {
  const token = generateToken();
  const rows = await db.query<AccessToken>(
    `INSERT INTO access_tokens AS t (id, company_id, user_id, name, token_hash, permissions, data_plane_id, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8) RETURNING ${TOKEN_COLUMNS}`,
    [randomUUID(), t.companyId, t.userId, t.name, hashToken(token), JSON.stringify(t.permissions), t.dataPlaneId,
      t.expiresAt],
  );
  return { record: rows[0]!, token };
}

export interface TokenIdentity extends AccessToken {
  /** Whether the token is usable now (not expired, not revoked), decided by the database clock. */
  usable: boolean;
}

export async function tokenFindByValue(db: Queryable, token: string): Promise<TokenIdentity | undefined> {
  const rows = await db.query<TokenIdentity>(
    `SELECT ${TOKEN_COLUMNS}, (t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())) AS usable
       FROM access_tokens t WHERE t.token_hash = $1`,
    [hashToken(token)],
  );
  return rows[0];
}

export async function tokenList(db: Queryable, companyId: number): Promise<AccessToken[]> {
  return db.query<AccessToken>(
    `SELECT ${TOKEN_COLUMNS} FROM access_tokens t WHERE t.company_id = $1 ORDER BY t.created_at, t.id`,
    [companyId],
  );
}

/** Revokes a token of the company; returns undefined when no such token exists there. Revoking twice is a no-op. */
export async function tokenRevoke(db: Queryable, companyId: number, id: string): Promise<AccessToken | undefined> {
  const rows = await db.query<AccessToken>(
    `UPDATE access_tokens t SET revoked_at = COALESCE(t.revoked_at, now())
      WHERE t.id = $1 AND t.company_id = $2 RETURNING ${TOKEN_COLUMNS}`,
    [id, companyId],
  );
  return rows[0];
}
