import type { DatasetSchema } from '../core/dataset-schema.js';
import type { Queryable } from './db/types.js';
import { ts } from './job-columns.js';

export interface Dataset {
  id: number;
  company_id: number;
  data_plane_id: string;
  name: string;
  display_name: string;
  description: string | null;
  schema: DatasetSchema;
  status: 'active' | 'pending';
  write_mode: 'append' | 'overwrite';
  tags: string[];
  retention_policy: Record<string, unknown>;
  materialized_view_config: { nql: string } | null;
  is_narrative_managed: boolean;
  price_cpm_usd: number;
  latest_snapshot_id: number | null;
  created_at: string;
  updated_at: string;
  last_snapshot_created_at: string | null;
}

export const DATASET_COLUMNS = `d.id, d.company_id, d.data_plane_id::text AS data_plane_id, d.name, d.display_name,
  d.description, d.schema, d.status, d.write_mode, d.tags, d.retention_policy, d.materialized_view_config,
  (d.materialized_view_config IS NOT NULL) AS is_narrative_managed, d.price_cpm_usd, d.latest_snapshot_id,
  ${ts('d.created_at')} AS created_at, ${ts('d.updated_at')} AS updated_at,
  ${ts('d.last_snapshot_created_at')} AS last_snapshot_created_at`;

export interface NewDataset {
  /** Omit to draw the next automatic id (>= 10000). */
  id?: number;
  companyId: number;
  dataPlaneId: string;
  name: string;
  displayName: string;
  description: string | null;
  schema: DatasetSchema;
  status: 'active' | 'pending';
  writeMode: 'append' | 'overwrite';
  tags: string[];
  retentionPolicy: Record<string, unknown>;
  materializedViewConfig: { nql: string } | null;
}

/** Creates a dataset; undefined when the company already has one of that name (or the explicit id is taken). */
export async function datasetCreate(db: Queryable, d: NewDataset): Promise<Dataset | undefined> {
  const rows = await db.query<Dataset>(
    `INSERT INTO datasets AS d (id, company_id, data_plane_id, name, display_name, description, schema, status,
                                write_mode, tags, retention_policy, materialized_view_config)
     VALUES (COALESCE($1, nextval('datasets_id_seq')), $2, $3, $4, $5, $6, $7::json, $8, $9, $10::jsonb, $11::jsonb, $12::jsonb)
     ON CONFLICT DO NOTHING
     RETURNING ${DATASET_COLUMNS}`,
    [d.id ?? null, d.companyId, d.dataPlaneId, d.name, d.displayName, d.description, JSON.stringify(d.schema), d.status,
      d.writeMode, JSON.stringify(d.tags), JSON.stringify(d.retentionPolicy),
      d.materializedViewConfig === null ? null : JSON.stringify(d.materializedViewConfig)],
  );
  return rows[0];
}

export async function datasetGet(db: Queryable, companyId: number, id: number): Promise<Dataset | undefined> {
  const rows = await db.query<Dataset>(`SELECT ${DATASET_COLUMNS} FROM datasets d WHERE d.id = $1 AND d.company_id = $2`, [id, companyId]);
  return rows[0];
}

/** For a data plane's operator: any company's dataset on that plane. */
export async function datasetGetOnPlane(db: Queryable, dataPlaneId: string, id: number): Promise<Dataset | undefined> {
  const rows = await db.query<Dataset>(`SELECT ${DATASET_COLUMNS} FROM datasets d WHERE d.id = $1 AND d.data_plane_id = $2`, [id, dataPlaneId]);
  return rows[0];
}

/** Draws the next automatic dataset id without creating the dataset (an import writes its files under it first). */
export async function datasetReserveId(db: Queryable): Promise<number> {
  const rows = await db.query<{ id: number }>(`SELECT nextval('datasets_id_seq')::int AS id`);
  return rows[0]!.id;
}

/** The company's datasets among `ids` (another company's ids are simply not found). */
export async function datasetsOfCompany(db: Queryable, companyId: number, ids: number[]): Promise<Dataset[]> {
  if (ids.length === 0) return [];
  return db.query<Dataset>(`SELECT ${DATASET_COLUMNS} FROM datasets d WHERE d.company_id = $1 AND d.id = ANY($2::bigint[])`, [companyId, ids]);
}

/** Resolves NQL dataset references (by id or by name) among the company's datasets. */
export async function datasetsResolve(
  db: Queryable, companyId: number, ids: number[], names: string[],
): Promise<Dataset[]> {
  return db.query<Dataset>(
    `SELECT ${DATASET_COLUMNS} FROM datasets d WHERE d.company_id = $1 AND (d.id = ANY($2::bigint[]) OR d.name = ANY($3::text[]))`,
    [companyId, ids, names],
  );
}

export async function datasetList(
  db: Queryable, companyId: number, limit: number, offset: number, dataPlaneId: string | null = null,
): Promise<{ records: Dataset[]; total: number }> {
  // An operator token lists its plane's datasets only (datasetGetOnPlane is its one-dataset read).
  const values: unknown[] = [companyId];
  const where = dataPlaneId === null ? 'd.company_id = $1' : `d.company_id = $1 AND d.data_plane_id = $${values.push(dataPlaneId)}::uuid`;
  const [records, count] = await Promise.all([
    db.query<Dataset>(
      `SELECT ${DATASET_COLUMNS} FROM datasets d WHERE ${where}
        ORDER BY d.created_at DESC, d.id DESC LIMIT $${values.length + 1} OFFSET $${values.length + 2}`,
      [...values, limit, offset],
    ),
    db.query<{ n: number }>(`SELECT count(*)::int AS n FROM datasets d WHERE ${where}`, values),
  ]);
  return { records, total: count[0]?.n ?? 0 };
}
