import { randomUUID } from 'node:crypto';
import type { Queryable } from './db/types.js';
import { ts } from './job-columns.js';

import type { Engine } from '../core/engines.js';

export interface DataPlane {
  type: 'owned';
  id: string;
  company_id: number;
  display_name: string;
  description: string | null;
  engine: Engine;
  status: 'active' | 'archived';
  tags: string[];
  last_heartbeat_at: string | null;
  created_at: string;
  updated_at: string;
}

const PLANE_COLUMNS = `'owned' AS type, d.id::text AS id, d.company_id, d.display_name, d.description, d.engine, d.status,
  d.tags, ${ts('d.last_heartbeat_at')} AS last_heartbeat_at, ${ts('d.created_at')} AS created_at,
  ${ts('d.updated_at')} AS updated_at`;

export interface NewDataPlane {
  companyId: number;
  displayName: string;
  description: string | null;
  engine: Engine;
  tags: string[];
}

export async function dataPlaneCreate(db: Queryable, p: NewDataPlane): Promise<DataPlane> {
  const rows = await db.query<DataPlane>(
    `INSERT INTO data_planes AS d (id, company_id, display_name, description, engine, tags)
     VALUES ($1, $2, $3, $4, $5, $6::jsonb) RETURNING ${PLANE_COLUMNS}`,
    [randomUUID(), p.companyId, p.displayName, p.description, p.engine, JSON.stringify(p.tags)],
  );
  return rows[0]!;
}

/** A plane visible to the company (its own). */
export async function dataPlaneGet(db: Queryable, companyId: number, id: string): Promise<DataPlane | undefined> {
  const rows = await db.query<DataPlane>(
    `SELECT ${PLANE_COLUMNS} FROM data_planes d WHERE d.id = $1 AND d.company_id = $2`,
    [id, companyId],
  );
  return rows[0];
}

export async function dataPlaneGetById(db: Queryable, id: string): Promise<DataPlane | undefined> {
  const rows = await db.query<DataPlane>(`SELECT ${PLANE_COLUMNS} FROM data_planes d WHERE d.id = $1`, [id]);
  return rows[0];
}

export async function dataPlaneList(db: Queryable, companyId: number): Promise<DataPlane[]> {
  return db.query<DataPlane>(
    `SELECT ${PLANE_COLUMNS} FROM data_planes d WHERE d.company_id = $1 ORDER BY d.created_at, d.id`,
    [companyId],
  );
}

export async function dataPlaneHeartbeat(db: Queryable, id: string, companyId?: number): Promise<DataPlane | undefined> {
  const rows = await db.query<DataPlane>(
    `UPDATE data_planes d SET last_heartbeat_at = now(), updated_at = now()
      WHERE d.id = $1 AND ($2::bigint IS NULL OR d.company_id = $2) RETURNING ${PLANE_COLUMNS}`,
    [id, companyId ?? null],
  );
  return rows[0];
}

export interface ComputePool {
  id: string;
  data_plane_id: string;
  name: string;
  max_concurrency: number;
  created_at: string;
}

const POOL_COLUMNS = `p.id::text AS id, p.data_plane_id::text AS data_plane_id, p.name, p.max_concurrency,
  ${ts('p.created_at')} AS created_at`;

/** Creates a pool; undefined when the name is taken on that plane. */
export async function computePoolCreate(
  db: Queryable, dataPlaneId: string, name: string, maxConcurrency: number,
): Promise<ComputePool | undefined> {
  // The pool's concurrency is its slot rows (compute_pool_slots), created with it: a claim takes a free one.
  const rows = await db.query<ComputePool>(
    `WITH p AS (
       INSERT INTO compute_pools (id, data_plane_id, name, max_concurrency) VALUES ($1, $2, $3, $4)
       ON CONFLICT (data_plane_id, name) DO NOTHING RETURNING *
     ), slots AS (
       INSERT INTO compute_pool_slots (pool_id, slot) SELECT p.id, g FROM p, generate_series(1, p.max_concurrency) g
     )
     SELECT ${POOL_COLUMNS} FROM p`,
    [randomUUID(), dataPlaneId, name, maxConcurrency],
  );
  return rows[0];
}

export async function computePoolList(db: Queryable, dataPlaneId: string): Promise<ComputePool[]> {
  return db.query<ComputePool>(
    `SELECT ${POOL_COLUMNS} FROM compute_pools p WHERE p.data_plane_id = $1 ORDER BY p.created_at, p.id`,
    [dataPlaneId],
  );
}

export async function computePoolGet(db: Queryable, id: string): Promise<ComputePool | undefined> {
  const rows = await db.query<ComputePool>(`SELECT ${POOL_COLUMNS} FROM compute_pools p WHERE p.id = $1`, [id]);
  return rows[0];
}
