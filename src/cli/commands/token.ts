import type { Command } from 'commander';
import { OPERATOR_PERMISSIONS, parsePermissionList, type Permission } from '../../core/permissions.js';
import { apiFrom, withApiOptions, type ApiFlags } from '../api-target.js';
import { CliError } from '../cli-errors.js';
import { age, emit, table, type OutputFlags } from '../output.js';
import { durationMs, positiveInt } from '../parse.js';
import { adminMintToken } from './admin.js';

interface CreateFlags extends ApiFlags, OutputFlags {
  company?: number;
  user?: number;
  permissions?: string;
  operator?: boolean;
  dataPlane?: string;
  expiresIn?: string;
  name?: string;
}

const listOf = (perms: readonly Permission[]) => perms.map((p) => `${p.resource}:${p.access}`).join(',');

/** The permissions asked for: `--operator` (the preset) or `--permissions`, exactly one of them. */
function permissionsOf(o: CreateFlags): Permission[] {
  if (o.operator && o.permissions) throw new CliError('--operator is a preset of permissions: pass it or --permissions, not both');
  if (o.operator) {
    if (!o.dataPlane) throw new CliError('--operator needs --data-plane <uuid>: an operator token is bound to the plane it runs');
    return [...OPERATOR_PERMISSIONS];
  }
  if (!o.permissions) throw new CliError('say what the token may do: --permissions jobs:read,datasets:read,... or --operator');
  const permissions = parsePermissionList(o.permissions);
  if (permissions.length === 0) throw new CliError('--permissions lists no permission');
  return permissions;
}

export function registerToken(program: Command): void {
  const token = program.command('token').description('access tokens: create, list, revoke');

  withApiOptions(token.command('create')
    .description('mint a token; prints only the token. Through the API with your token, or with --company as the machine\'s administrator'))
    .option('--permissions <list>', 'e.g. jobs:read,datasets:read,nql:write (or "all")')
    .option('--operator', `the operator preset (${listOf(OPERATOR_PERMISSIONS)}), bound to --data-plane`)
    .option('--data-plane <uuid>', 'bind the token to one data plane (it then sees only that plane\'s jobs and datasets)')
    .option('--expires-in <duration>', 'e.g. 30d, 12h')
    .option('--name <name>', 'a label for the token')
    .option('--company <id>', 'administrator: mint for this company, on the database itself (no API token needed)', positiveInt('--company'))
    .option('--user <id>', 'with --company: the user (default: the company\'s first user)', positiveInt('--user'))
    .option('--json', 'print the created token record as JSON (the token value included)')
    .action(async (o: CreateFlags) => {
      const permissions = permissionsOf(o);
      if (o.company !== undefined) {
        const created = await adminMintToken({
          company: o.company, user: o.user, permissions, dataPlane: o.dataPlane, expiresIn: o.expiresIn, name: o.name, dataDir: o.dataDir,
        });
        emit(created, o, () => created.token);
        return;
      }
      if (o.user !== undefined) throw new CliError('--user goes with --company (a token minted through the API belongs to your own user)');
      const expiresAt = o.expiresIn === undefined ? undefined : new Date(Date.now() + expiresInMs(o.expiresIn)).toISOString();
      const { client } = await apiFrom(o);
      const created = await client.createToken({
        name: o.name ?? (o.operator ? 'operator' : 'cli token'), permissions,
        ...(o.dataPlane ? { data_plane_id: o.dataPlane } : {}), ...(expiresAt ? { expires_at: expiresAt } : {}),
      });
      emit(created, o, () => created.access_token);
    });

  withApiOptions(token.command('list').description('list the company\'s tokens (never their values)'))
    .option('--json', 'print the API\'s JSON')
    .option('--all', 'include revoked and expired tokens')
    .action(async (o: ApiFlags & OutputFlags & { all?: boolean }) => {
      const { client } = await apiFrom(o);
      const list = await client.listTokens();
      const now = Date.now();
      const shown = o.all ? list.records : list.records.filter((t) => !t.revoked_at && !(t.expires_at && Date.parse(t.expires_at) <= now));
      emit(o.all ? list : { records: shown }, o, () => shown.length === 0 ? 'no tokens' : table(
        ['id', 'name', 'permissions', 'data plane', 'expires', 'created', 'revoked'],
        shown.map((t) => [t.id, t.name, listOf(t.permissions), t.data_plane_id, t.expires_at ?? 'never', `${age(t.created_at)} ago`, t.revoked_at]),
      ));
    });

  withApiOptions(token.command('revoke <token-id>').description('revoke a token: it stops working at once'))
    .option('--json', 'print the API\'s JSON')
    .action(async (id: string, o: ApiFlags & OutputFlags) => {
      const { client } = await apiFrom(o);
      const revoked = await client.revokeToken(id);
      emit(revoked, o, () => `revoked ${revoked.id} (${revoked.name})`);
    });
}

/** `30d`, `12h`, `15m`, `45s`: the administrator path's durations (plus `w`, weeks). */
function expiresInMs(text: string): number {
  const weeks = /^(\d+)\s*w$/.exec(text.trim());
  return weeks ? Number(weeks[1]) * 7 * 86_400_000 : durationMs('--expires-in')(text);
}
