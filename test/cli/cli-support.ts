import { JobplaneProcess } from '../support/jobplane-process.js';
import type { SpawnedServer } from '../support/plane-cluster.js';
import { runCli } from '../support/spawn.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `jobplane <args>` against `server` with `token` (the admin token by default), as a user would run it. */
export function jp(server: { url: string; adminToken: string }, args: string[], token = server.adminToken, env: Record<string, string | undefined> = {}): Promise<CliResult> {
  return runCli(args, { JOBPLANE_API: server.url, JOBPLANE_TOKEN: token, JOBPLANE_DATA_DIR: undefined, ...env });
}

/** Parses a command's stdout as JSON, saying what it was when it is not. */
export function json<T = any>(res: CliResult): T {
  try {
    return JSON.parse(res.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${res.code}):\n${res.stdout}\nstderr:\n${res.stderr}`);
  }
}

/**
 * `jobplane operator` for `server`'s plane with these handler modules (and the built-in handlers unless
 * `builtins` is false), started with `token`; resolves once its executor is registered.
 */
export async function startOperator(server: SpawnedServer, opts: {
  token: string; handlers?: string[]; builtins?: boolean; types?: string[]; slots?: number; dataPlaneId?: string;
}): Promise<{ proc: JobplaneProcess; executorId: string }> {
  const args = ['operator', '--slots', String(opts.slots ?? 2), '--storage-root', server.storageDir];
  if (opts.handlers?.length) args.push('--handlers', ...opts.handlers);
  if (opts.builtins === false) args.push('--no-builtins');
  if (opts.types) args.push('--types', opts.types.join(','));
  const proc = new JobplaneProcess(args, {
    JOBPLANE_API: server.url, JOBPLANE_TOKEN: opts.token, JOBPLANE_DATA_PLANE: opts.dataPlaneId ?? server.dataPlaneId,
    LOG_LEVEL: 'info', DATABASE_URL: undefined,
  });
  const started = await proc.waitForLog((l) => l.msg === 'operator started', 90_000);
  return { proc, executorId: started['executor'] as string };
}
