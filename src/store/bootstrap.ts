import { ALL_PERMISSIONS } from '../core/permissions.js';
import type { Db } from './db/types.js';
import { companyCreate, companySetDefaultDataPlane, userCreate } from './companies.js';
import { dataPlaneCreate } from './data-planes.js';
import { tokenCreate } from './tokens.js';
import { DEFAULT_ENGINE, type Engine } from '../core/engines.js';

const BOOTSTRAP_LOCK_KEY = 7_311_002_002;

export interface BootstrapResult {
  /** Set only when this call created the first company: the admin token, to be shown once. */
  adminToken?: string;
  companyId: number;
  dataPlaneId: string;
}

/**
 * On an empty database: company 1, user 1, a default data plane, and an admin token holding every permission.
 * Runs under an advisory lock and in one transaction, so two servers starting at once bootstrap exactly once.
 */
export async function bootstrap(db: Db, opts: { engine?: Engine } = {}): Promise<BootstrapResult> {
  const engine = opts.engine ?? DEFAULT_ENGINE;
  const result = await db.withAdvisoryLock(BOOTSTRAP_LOCK_KEY, async () => {
    const existing = await db.query<{ id: number; default_data_plane_id: string }>(
      'SELECT id, default_data_plane_id::text AS default_data_plane_id FROM companies ORDER BY id LIMIT 1',
    );
    if (existing[0]) return { companyId: existing[0].id, dataPlaneId: existing[0].default_data_plane_id };
    return db.transaction(async (tx) => {
      const company = await companyCreate(tx, 'Default company');
      const user = await userCreate(tx, company.id, 'admin');
      const plane = await dataPlaneCreate(tx, {
        companyId: company.id, displayName: 'Local data plane',
        description: engine === 'spark' ? 'Spark over Spark Connect, Iceberg tables' : 'DuckDB on this machine',
        engine, tags: [],
      });
      await companySetDefaultDataPlane(tx, company.id, plane.id);
      const { token } = await tokenCreate(tx, {
        companyId: company.id, userId: user.id, name: 'admin (bootstrap)', permissions: [...ALL_PERMISSIONS],
        dataPlaneId: null, expiresAt: null,
      });
      return { companyId: company.id, dataPlaneId: plane.id, adminToken: token };
    });
  });
  return result!;
}
