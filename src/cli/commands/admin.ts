import type { Command } from 'commander';
import { parsePermissionList } from '../../core/permissions.js';
import { adminCreateCompany, adminCreateToken, parseDuration } from '../../server/admin-ops.js';
import { adminTargetFromEnv, withAdmin } from '../admin-client.js';

function positiveInt(name: string) {
  return (text: string) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got "${text}"`);
    return n;
  };
}

export function registerAdmin(program: Command): void {
  const token = program.command('token').description('manage access tokens (administrator)');
  token
    .command('create')
    .description('mint a token for a company; prints only the token on stdout')
    .requiredOption('--company <id>', 'company id', positiveInt('--company'))
    .option('--user <id>', 'user id (default: the company\'s first user)', positiveInt('--user'))
    .requiredOption('--permissions <list>', 'e.g. jobs:read,jobs:write,datasets:read (or "all")')
    .option('--data-plane <uuid>', 'bind the token to one data plane (an operator token)')
    .option('--expires-in <duration>', 'e.g. 30d, 12h')
    .option('--name <name>', 'a label for the token')
    .option('--data-dir <dir>', 'data directory (env JOBPLANE_DATA_DIR)')
    .action(async (o: { company: number; user?: number; permissions: string; dataPlane?: string; expiresIn?: string; name?: string; dataDir?: string }) => {
      const permissions = parsePermissionList(o.permissions);
      if (permissions.length === 0) throw new Error('--permissions lists no permission');
      const request = {
        company_id: o.company, user_id: o.user, data_plane_id: o.dataPlane, name: o.name,
        expires_in_seconds: o.expiresIn === undefined ? undefined : parseDuration(o.expiresIn),
      };
      const created = await withAdmin(
        adminTargetFromEnv(o.dataDir),
        async (post) => (await post('/tokens', { ...request, permissions: o.permissions })) as { token: string },
        (db) => adminCreateToken(db, { ...request, permissions }),
      );
      process.stdout.write(`${created.token}\n`);
    });

  program
    .command('company')
    .description('manage companies (administrator)')
    .command('create')
    .description('create a company with a user and a default data plane; prints the new company id')
    .requiredOption('--name <name>', 'company name')
    .option('--data-dir <dir>', 'data directory (env JOBPLANE_DATA_DIR)')
    .action(async (o: { name: string; dataDir?: string }) => {
      const created = await withAdmin(
        adminTargetFromEnv(o.dataDir),
        async (post) => (await post('/companies', { name: o.name })) as { id: number },
        (db) => adminCreateCompany(db, o.name),
      );
      process.stdout.write(`${created.id}\n`);
    });
}
