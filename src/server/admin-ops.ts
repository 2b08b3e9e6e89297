import type { Permission } from '../core/permissions.js';
import type { Db } from '../store/db/types.js';
import { companyCreate, companyGet, companySetDefaultDataPlane, userCreate, userFirstOfCompany, userGet } from '../store/companies.js';
import { dataPlaneCreate, dataPlaneGetById } from '../store/data-planes.js';
import { tokenCreate } from '../store/tokens.js';

/**
 * Operations only the machine's administrator may do (the CLI, directly on the database or through the running
 * server's local admin socket): create companies and mint tokens for any company.
 */
export async function adminCreateCompany(db: Db, name: string): Promise<{ id: number; data_plane_id: string; user_id: number }> {
  return db.transaction(async (tx) => {
    const company = await companyCreate(tx, name);
    const user = await userCreate(tx, company.id, 'admin');
    const plane = await dataPlaneCreate(tx, {
      companyId: company.id, displayName: `${name} data plane`, description: null, engine: 'duckdb', tags: [],
    });
    await companySetDefaultDataPlane(tx, company.id, plane.id);
    return { id: company.id, data_plane_id: plane.id, user_id: user.id };
  });
}

export interface AdminTokenRequest {
  company_id: number;
  user_id?: number | undefined;
  permissions: Permission[];
  data_plane_id?: string | undefined;
  expires_in_seconds?: number | undefined;
  name?: string | undefined;
}

export class AdminInputError extends Error {}

export async function adminCreateToken(db: Db, req: AdminTokenRequest): Promise<{ id: string; token: string }> {
  const company = await companyGet(db, req.company_id);
  if (!company) throw new AdminInputError(`company ${req.company_id} does not exist`);
  let userId: number | null = null;
  if (req.user_id !== undefined) {
    const user = await userGet(db, req.user_id);
    if (!user || user.company_id !== company.id) throw new AdminInputError(`user ${req.user_id} is not in company ${company.id}`);
    userId = user.id;
  } else {
    userId = (await userFirstOfCompany(db, company.id))?.id ?? null;
  }
  if (req.data_plane_id !== undefined) {
    const plane = await dataPlaneGetById(db, req.data_plane_id);
    if (!plane || plane.company_id !== company.id) {
      throw new AdminInputError(`data plane ${req.data_plane_id} is not a data plane of company ${company.id}`);
    }
  }
  const expiresAt = req.expires_in_seconds === undefined ? null
    : new Date(Date.now() + req.expires_in_seconds * 1000).toISOString();
  const { record, token } = await tokenCreate(db, {
    companyId: company.id, userId, name: req.name ?? 'cli token', permissions: req.permissions,
    dataPlaneId: req.data_plane_id ?? null, expiresAt,
  });
  return { id: record.id, token };
}

/** `30d`, `12h`, `15m`, `45s` or a plain number of seconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+)\s*([smhdw]?)$/.exec(text.trim());
  if (!m) throw new AdminInputError(`invalid duration "${text}": use e.g. 30d, 12h, 15m or 3600`);
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 }[m[2] as '' | 's' | 'm' | 'h' | 'd' | 'w'];
  const seconds = Number(m[1]) * unit;
  if (seconds <= 0) throw new AdminInputError('the duration must be positive');
  return seconds;
}
