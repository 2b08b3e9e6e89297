import type { Queryable } from './db/types.js';
import { ts } from './job-columns.js';

export interface Company {
  id: number;
  name: string;
  slug: string;
  default_data_plane_id: string | null;
  created_at: string;
}

export interface User {
  id: number;
  company_id: number;
  name: string;
}

const COMPANY_COLUMNS = `c.id, c.name, c.slug, c.default_data_plane_id::text AS default_data_plane_id,
  ${ts('c.created_at')} AS created_at`;

export function slugify(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 64) || 'company';
}

/** The company's first user (its admin): who a token minted without a user acts as. */
export async function userFirstOfCompany(db: Queryable, companyId: number): Promise<User | undefined> {
  const rows = await db.query<User>('SELECT id, company_id, name FROM users WHERE company_id = $1 ORDER BY id LIMIT 1', [companyId]);
  return rows[0];
}

export async function companyCreate(db: Queryable, name: string): Promise<Company> {
  const slug = slugify(name);
  const rows = await db.query<Company>(
    `INSERT INTO companies AS c (name, slug) VALUES ($1, $2) ON CONFLICT (slug) DO NOTHING RETURNING ${COMPANY_COLUMNS}`,
    [name, slug],
  );
  if (rows[0]) return rows[0];
  // The plain slug is taken (two "Acme"s): suffix it with the new id, which is unique by construction.
  const suffixed = await db.query<Company>(
    `INSERT INTO companies AS c (id, name, slug)
     SELECT id, $1, $2 || '_' || id FROM (SELECT nextval('companies_id_seq') AS id) n RETURNING ${COMPANY_COLUMNS}`,
    [name, slug],
  );
  return suffixed[0]!;
}

export async function companyGet(db: Queryable, id: number): Promise<Company | undefined> {
  const rows = await db.query<Company>(`SELECT ${COMPANY_COLUMNS} FROM companies c WHERE c.id = $1`, [id]);
  return rows[0];
}

export async function companySetDefaultDataPlane(db: Queryable, companyId: number, dataPlaneId: string) {
  await db.query('UPDATE companies SET default_data_plane_id = $2 WHERE id = $1', [companyId, dataPlaneId]);
}

export async function userCreate(db: Queryable, companyId: number, name: string): Promise<User> {
  const rows = await db.query<User>(
    'INSERT INTO users (company_id, name) VALUES ($1, $2) RETURNING id, company_id, name',
    [companyId, name],
  );
  return rows[0]!;
}

export async function userGet(db: Queryable, id: number): Promise<User | undefined> {
  const rows = await db.query<User>('SELECT id, company_id, name FROM users WHERE id = $1', [id]);
  return rows[0];
}
