import { isApiError, isApiUnavailable, type ApiError } from '../client/errors.js';
import type { ApiTarget } from './api-target.js';

/**
 * Exit codes, the same for every command (docs/cli.md): 0 success (for a job: it completed), 1 an error or a job
 * that failed, 2 a job that was cancelled, 3 `--timeout` ran out before the job ended.
 */
export const EXIT = { ok: 0, error: 1, cancelled: 2, timeout: 3 } as const;

/** An error whose message is already what the user should read (no stack, no prefix but `jobplane:`). */
export class CliError extends Error {
  constructor(message: string, readonly exitCode: number = EXIT.error) {
    super(message);
    this.name = 'CliError';
  }
}

/**
 * What the user reads when a command fails:
 * - no answer: which URL was tried and how it was chosen, and why it failed (`the jobplane API at
 *   http://127.0.0.1:8080 (from JOBPLANE_API) is unreachable: ECONNREFUSED`);
 * - a problem: its detail, then each `errors[]` entry as `  <where>: <message>`, where is the JSON pointer in
 *   the body or query the server named (or the file and line of an import).
 */
export function describeCliError(err: unknown, target: ApiTarget | undefined): string {
  if (isApiUnavailable(err)) {
    const url = err.baseUrl ?? target?.url ?? 'the configured URL';
    const how = target && target.url === url ? ` (${target.source})` : '';
    return `the jobplane API at ${url}${how} is unreachable: ${err.why}`;
  }
  if (isApiError(err)) return describeProblem(err, target);
  return (err as Error)?.message ?? String(err);
}

export function describeProblem(err: ApiError, target?: ApiTarget): string {
  const p = err.problem;
  const lines = [`${err.method} ${err.path}: ${p.status} ${p.code}: ${p.detail}`];
  for (const e of p.errors ?? []) lines.push(`  ${whereOf(e)}: ${e.message}`);
  if (p.status === 401 && target) lines.push(`  (the token came from ${target.tokenSource})`);
  if (p.status === 404 && /^no route /.test(p.detail)) lines.push('  (this server does not serve that endpoint: it is older than this CLI)');
  return lines.join('\n');
}

function whereOf(e: NonNullable<ApiError['problem']['errors']>[number]): string {
  const file = typeof e['file'] === 'string' ? e['file'] : undefined;
  if (file || e.line !== undefined) {
    const column = e.column === undefined ? '' : typeof e.column === 'string' ? ` column ${JSON.stringify(e.column)}` : `:${e.column}`;
    return `${file ?? 'line'}${e.line === undefined ? '' : `:${e.line}`}${column}`;
  }
  const at = e.pointer && e.pointer !== '' ? e.pointer : '/';
  return e.in ? `${e.in} ${at}` : at;
}
