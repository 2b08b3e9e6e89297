import type { Command } from 'commander';
import type { Permission } from '../../core/permissions.js';

/**
 * What only the machine's administrator may do, where the data lives (PostgreSQL directly, or the embedded
 * database through the running server's local admin socket): create companies, mint tokens for any company.
 * The store and server modules load only when such a command runs, so the API commands start fast.
 */
export interface AdminTokenFlags {
  company: number;
  user?: number | undefined;
  permissions: Permission[];
  dataPlane?: string | undefined;
  expiresIn?: string | undefined;
  name?: string | undefined;
  dataDir?: string | undefined;
}

export async function adminMintToken(o: AdminTokenFlags): Promise<{ id: string; token: string }> {
  const [{ adminCreateToken, parseDuration }, { adminTargetFromEnv, withAdmin }] = await Promise.all([
    import('../../server/admin-ops.js'), import('../admin-client.js'),
  ]);
  const request = {
    company_id: o.company, user_id: o.user, data_plane_id: o.dataPlane, name: o.name,
    expires_in_seconds: o.expiresIn === undefined ? undefined : parseDuration(o.expiresIn),
  };
  const text = o.permissions.map((p) => `${p.resource}:${p.access}`).join(',');
  return withAdmin(
    adminTargetFromEnv(o.dataDir),
    async (post) => (await post('/tokens', { ...request, permissions: text })) as { id: string; token: string },
    (db) => adminCreateToken(db, { ...request, permissions: o.permissions }),
  );
}

export function registerAdmin(program: Command): void {
  program
    .command('company')
    .description('manage companies (administrator)')
    .command('create')
    .description('create a company with a user and a default data plane; prints the new company id')
    .requiredOption('--name <name>', 'company name')
    .option('--data-dir <dir>', 'data directory (env JOBPLANE_DATA_DIR)')
    .action(async (o: { name: string; dataDir?: string }) => {
      const [{ adminCreateCompany }, { adminTargetFromEnv, withAdmin }] = await Promise.all([
        import('../../server/admin-ops.js'), import('../admin-client.js'),
      ]);
      const created = await withAdmin(
        adminTargetFromEnv(o.dataDir),
        async (post) => (await post('/companies', { name: o.name })) as { id: number },
        (db) => adminCreateCompany(db, o.name),
      );
      process.stdout.write(`${created.id}\n`);
    });
}
