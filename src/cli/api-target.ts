import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { JobplaneClient } from '../client/client.js';
import { lockPath, readLock } from '../server/data-dir-lock.js';

export interface ApiFlags {
  api?: string | undefined;
  token?: string | undefined;
  dataDir?: string | undefined;
}

export const DEFAULT_API = 'http://127.0.0.1:8080';

/** The API a command talks to, and how it was chosen (said in every "cannot connect" message). */
export interface ApiTarget {
  url: string;
  /** e.g. `from --api`, `from JOBPLANE_API`, `the server running on /x/.jobplane`, `the default: ...`. */
  source: string;
  token: string;
  tokenSource: string;
}

/** The data dir the CLI reads the running server and the admin token from. */
export function dataDirOf(flags: ApiFlags, env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(flags.dataDir ?? env['JOBPLANE_DATA_DIR'] ?? './.jobplane');
}

/**
 * `--api`, else `JOBPLANE_API`, else the server that holds the data dir (its URL is in the lock file), else
 * http://127.0.0.1:8080; the token from `--token`, else `JOBPLANE_TOKEN`, else the data dir's `admin-token`.
 */
export async function resolveTarget(flags: ApiFlags, env: NodeJS.ProcessEnv = process.env): Promise<ApiTarget> {
  const dataDir = dataDirOf(flags, env);
  let url: string;
  let source: string;
  if (flags.api) {
    [url, source] = [flags.api, 'from --api'];
  } else if (env['JOBPLANE_API']) {
    [url, source] = [env['JOBPLANE_API'], 'from JOBPLANE_API'];
  } else {
    const lock = await readLock(dataDir);
    if (lock?.url) {
      [url, source] = [lock.url, `the server running on ${dataDir}`];
    } else {
      // A server on PostgreSQL does not record itself in the data dir, so this is the usual case there.
      [url, source] = [DEFAULT_API, `the default: no running server recorded in ${lockPath(dataDir)}; pass --api or set JOBPLANE_API`];
    }
  }
  try {
    new URL(url);
  } catch {
    throw new Error(`the API URL "${url}" (${source}) is not a URL: use e.g. ${DEFAULT_API}`);
  }
  if (flags.token) return { url, source, token: flags.token, tokenSource: '--token' };
  if (env['JOBPLANE_TOKEN']) return { url, source, token: env['JOBPLANE_TOKEN'], tokenSource: 'JOBPLANE_TOKEN' };
  const file = path.join(dataDir, 'admin-token');
  try {
    return { url, source, token: (await readFile(file, 'utf8')).trim(), tokenSource: file };
  } catch {
    throw new Error(`no token: pass --token, set JOBPLANE_TOKEN, or run where the data dir holds admin-token (looked for ${file})`);
  }
}

/** The client of a command, plus its target (for messages). */
export interface CliApi {
  client: JobplaneClient;
  target: ApiTarget;
}

/** The API client of a command, authenticated per `resolveTarget`; see `describeCliError` for its failures. */
export async function clientFrom(flags: ApiFlags): Promise<JobplaneClient> {
  return (await apiFrom(flags)).client;
}

export async function apiFrom(flags: ApiFlags): Promise<CliApi> {
  const target = await resolveTarget(flags);
  currentTarget = target;
  return { client: new JobplaneClient({ baseUrl: target.url, token: target.token }), target };
}

/** The target of the command being run, for the top-level error message ("... (from JOBPLANE_API) is unreachable"). */
let currentTarget: ApiTarget | undefined;
export const lastTarget = (): ApiTarget | undefined => currentTarget;

/** `--api`, `--token`, `--data-dir`: every command that talks to the API takes them. */
export function withApiOptions(command: Command): Command {
  return command
    .option('--api <url>', 'API base URL (env JOBPLANE_API; default: the server running on the data dir, else http://127.0.0.1:8080)')
    .option('--token <token>', 'bearer token (env JOBPLANE_TOKEN; default: the data dir\'s admin-token)')
    .option('--data-dir <dir>', 'data directory (env JOBPLANE_DATA_DIR, default ./.jobplane)');
}

export async function readSource(file: string): Promise<string> {
  if (file !== '-') return readFile(file, 'utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
