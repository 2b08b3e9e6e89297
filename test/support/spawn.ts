import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = ['--import', 'tsx', 'src/cli/main.ts'];

export interface CliProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first JSON log line for which `match` is true (pino writes JSON lines to stdout). */
  waitForLog(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): void;
}

/** Runs the real CLI (TypeScript sources through tsx) as a separate process. */
export function spawnCli(args: string[], env: Record<string, string | undefined> = {}): CliProcess {
  // Spawned servers skip the 1M-row sample dataset unless a test asks for it (JOBPLANE_SAMPLE_DATA=true).
  const merged: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'info', JOBPLANE_SAMPLE_DATA: 'false', ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete merged[k]; // undefined = unset
  const child = spawn(process.execPath, [...CLI, ...args], {
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
