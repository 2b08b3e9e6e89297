// A real `jobplane serve` process on PostgreSQL, as production runs it (one Node process, its own pg pool).
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SpawnedServer {
  pid: number;
  url: string;
  child: ChildProcess;
  logFile: string;
  /** SIGTERM (graceful: the server finishes in-flight requests and closes its pool), SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<number | null>;
  logTail(chars?: number): string;
}

export async function spawnServer(opts: {
  root: string; databaseUrl: string; dataDir: string; port: number; logLevel: string; cpuProfileDir?: string | undefined;
  env?: Record<string, string>;
  /** How long to wait for /readyz (default 60 s; a loaded machine transpiling src/ with tsx can need more). */
  readyTimeoutMs?: number;
}): Promise<SpawnedServer> {
  const logFile = join(opts.dataDir, 'server.log');
  const log = createWriteStream(logFile);
  const nodeArgs = ['--import', 'tsx'];
  if (opts.cpuProfileDir) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${opts.cpuProfileDir}`);
  const child = spawn(process.execPath, [
    ...nodeArgs, join(opts.root, 'src/cli/main.ts'), 'serve', '--no-operator',
    '--host', '127.0.0.1', '--port', String(opts.port), '--data-dir', opts.dataDir,
  ], {
    cwd: opts.root,
    env: { ...process.env, ...opts.env, DATABASE_URL: opts.databaseUrl, LOG_LEVEL: opts.logLevel },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${opts.port}`;
  const logTail = (chars = 3000) => {
    try {
      return readFileSync(logFile, 'utf8').slice(-chars);
    } catch {
      return '';
    }
  };
  const stop = async (graceMs = 10_000) => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  const server: SpawnedServer = { pid: child.pid!, url, child, logFile, stop, logTail };

  // Ready when /readyz answers (migrations and bootstrap are done, the database answers).
  const readyMs = opts.readyTimeoutMs ?? 60_000;
  const deadline = Date.now() + readyMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}:\n${logTail()}`);
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop(2_000);
      throw new Error(`the server did not become ready in ${readyMs / 1000} s:\n${logTail()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return server;
}
