import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import { CLI_BUILD_ENV } from './cli-build.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

let distIsFresh: boolean | undefined;

/**
 * Whether `dist/` (npm run build) holds a build of every file under `src/` at least as new as its source: then
 * spawned CLIs run the compiled JavaScript, which starts several times faster than the sources through tsx. In CI
 * (`npm ci` builds it) that is the case; in a working tree where someone just edited `src/`, it is not, and the
 * sources run. `JOBPLANE_TEST_CLI=tsx` or `=dist` forces one.
 */
export function useDist(): boolean {
  const forced = process.env['JOBPLANE_TEST_CLI'];
  if (forced === 'tsx' || forced === 'dist') return forced === 'dist';
  if (distIsFresh !== undefined) return distIsFresh;
  const stale = (dir: string): boolean => readdirSync(path.join(ROOT, dir), { withFileTypes: true }).some((entry) => {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) return stale(rel);
    const built = rel.endsWith('.ts') && !rel.endsWith('.d.ts')
      ? `dist${rel.slice('src'.length, -'.ts'.length)}.js`
      : rel.endsWith('.sql') ? `dist${rel.slice('src'.length)}` : undefined;
    if (!built) return false;
    try {
      return statSync(path.join(ROOT, built)).mtimeMs < statSync(path.join(ROOT, rel)).mtimeMs;
    } catch {
      return true; // not built at all
    }
  });
  distIsFresh = !stale('src');
  return distIsFresh;
}

/**
 * This test run's JavaScript build of src/ and test/fixtures/ (cli-build.ts; the vitest global setup makes it and
 * names it in JOBPLANE_TEST_CLI_BUILD), relative to the repository root; undefined outside such a run (the chaos
 * runner) or when JOBPLANE_TEST_CLI forces `tsx` or `dist`.
 */
function runBuild(): string | undefined {
  const forced = process.env['JOBPLANE_TEST_CLI'];
  if (forced === 'tsx' || forced === 'dist') return undefined;
  const dir = process.env[CLI_BUILD_ENV];
  return dir && existsSync(path.join(ROOT, dir, 'src/cli/main.js')) ? dir : undefined;
}

/**
 * The node arguments that run the `jobplane` CLI with `args`, fastest first: this run's build (with TypeScript
 * modules named on the command line, such as `test/fixtures/handlers/test-sleep.ts` for `operator --handlers`,
 * replaced by their compiled twins, so that no tsx loader is needed: it costs seconds per spawn), else a fresh
 * `dist/` (see useDist), else the sources through tsx. Paths stay relative to the repository root (the working
 * directory of spawned CLIs). Any other `.ts` argument brings the tsx loader back.
 */
export function cliArgv(args: readonly string[]): string[] {
  const build = runBuild();
  if (build) {
    const mapped = args.map((a) => {
      const twin = /^(src|test\/fixtures)\/.*\.ts$/.test(a) ? path.join(build, `${a.slice(0, -'.ts'.length)}.js`) : a;
      return twin !== a && existsSync(path.join(ROOT, twin)) ? twin : a;
    });
    const needsTsx = mapped.some((a) => /\.ts$/.test(a));
    return [...(needsTsx ? ['--import', 'tsx'] : []), path.join(build, 'src/cli/main.js'), ...mapped];
  }
  const needsTsx = !useDist() || args.some((a) => /\.ts$/.test(a));
  return [...(needsTsx ? ['--import', 'tsx'] : []), useDist() ? 'dist/cli/main.js' : 'src/cli/main.ts', ...args];
}

/** The repository root: the working directory of spawned CLIs. */
export const REPO_ROOT = ROOT;

export interface CliProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first JSON log line for which `match` is true (pino writes JSON lines to stdout). */
  waitForLog(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): void;
}

/** Runs the real CLI (this run's build, a fresh dist/, else the TypeScript sources through tsx; see cliArgv) as a separate process. */
export function spawnCli(args: string[], env: Record<string, string | undefined> = {}): CliProcess {
  // Spawned servers skip the 1M-row sample dataset unless a test asks for it (JOBPLANE_SAMPLE_DATA=true).
  const merged: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'info', JOBPLANE_SAMPLE_DATA: 'false', ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete merged[k]; // undefined = unset
  const child = spawn(process.execPath, cliArgv(args), {
    cwd: ROOT,
    env: merged,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters: Array<() => void> = [];
  child.stdout!.setEncoding('utf8').on('data', (d: string) => { out += d; waiters.forEach((w) => w()); });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { err += d; });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    kill: (signal = 'SIGTERM') => { child.kill(signal); },
    waitForLog(match, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          for (const line of out.split('\n')) {
            if (!line.startsWith('{')) continue;
            try {
              const parsed = JSON.parse(line) as Record<string, unknown>;
              if (match(parsed)) { resolve(parsed); return true; }
            } catch { /* partial line */ }
          }
          return false;
        };
        if (check()) return;
        const timer = setTimeout(() => reject(new Error(`timed out waiting for a log line; stdout:\n${out}\nstderr:\n${err}`)), timeoutMs);
        waiters.push(() => { if (check()) clearTimeout(timer); });
        void exited.then((code) => { clearTimeout(timer); if (!check()) reject(new Error(`process exited (${code}) before the log line; stderr:\n${err}`)); });
      });
    },
  };
}

/** Runs a CLI command to completion. */
export async function runCli(args: string[], env: Record<string, string | undefined> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = spawnCli(args, env);
  const code = await p.exited;
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}
