import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { JobplaneClient } from '../client/client.js';
import { readLock } from '../server/data-dir-lock.js';

export interface ApiFlags {
  api?: string | undefined;
  token?: string | undefined;
  dataDir?: string | undefined;
}

/**
 * The API a CLI command talks to: `--api`/`JOBPLANE_API`, else the server running on the data dir (from its lock
 * file), else http://127.0.0.1:8080; the token from `--token`/`JOBPLANE_TOKEN`, else the data dir's admin token.
 */
export async function clientFrom(flags: ApiFlags): Promise<JobplaneClient> {
  const dataDir = path.resolve(flags.dataDir ?? process.env['JOBPLANE_DATA_DIR'] ?? './.jobplane');
  const baseUrl = flags.api ?? process.env['JOBPLANE_API'] ?? (await readLock(dataDir))?.url ?? 'http://127.0.0.1:8080';
  let token = flags.token ?? process.env['JOBPLANE_TOKEN'];
  if (!token) {
    try {
      token = (await readFile(path.join(dataDir, 'admin-token'), 'utf8')).trim();
    } catch {
      throw new Error('no token: pass --token, set JOBPLANE_TOKEN, or run where the data dir holds admin-token');
    }
  }
  return new JobplaneClient({ baseUrl, token });
}

export async function readSource(file: string): Promise<string> {
  if (file !== '-') return readFile(file, 'utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
