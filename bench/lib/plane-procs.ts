// Processes for the whole-system data-plane benchmark (bench/plane.ts): the compiled CLI (`bin/jobplane.js`, which
// runs dist/), spawned as `serve` and `operator`; their memory from /proc; a fresh PostgreSQL database on request.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';

/**
 * Whether dist/ is older than src/: every src/**\/*.ts must have a newer dist/**\/*.js. Returns the first stale
 * source file, or undefined when dist is current.
 */
export function staleDistFile(root: string): string | undefined {
  const walk = (dir: string): string | undefined => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        const found = walk(full);
        if (found) return found;
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
        const rel = path.relative(root, full);
        const out = path.join(root, 'dist', rel.replace(/\.ts$/u, '.js'));
        if (!existsSync(out) || statSync(out).mtimeMs < statSync(full).mtimeMs) return rel;
      }
    }
    return undefined;
  };
  return walk(path.join(root, 'src'));
}

/** Runs `npm run build` when dist/ is stale (bin/jobplane.js runs dist/cli/main.js). Returns what it did. */
export function ensureBuilt(root: string, log: (msg: string) => void): string {
  const stale = staleDistFile(root);
  if (!stale) return 'dist/ was current';
  log(`dist/ is older than ${stale}: npm run build`);
  const t0 = performance.now();
  try {
    execFileSync('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    throw new Error(`npm run build failed (src/ is being edited?):\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
  return `rebuilt (dist/ was older than ${stale}; ${Math.round(performance.now() - t0)} ms)`;
}

export interface CliProcess {
  name: string;
  pid: number;
  child: ChildProcess;
  logFile: string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code (null when killed by a signal). */
  stop(graceMs?: number): Promise<number | null>;
  running(): boolean;
  /** The process's log (stdout + stderr): pino JSON lines. */
  logText(): string;
  logTail(chars?: number): string;
}

/** `node bin/jobplane.js <args>` with its output in `logFile`. The pid is node's own (no shell, no npx). */
export function spawnCli(opts: {
  name: string; root: string; args: readonly string[]; env: NodeJS.ProcessEnv; logFile: string;
}): CliProcess {
  const log = createWriteStream(opts.logFile);
  const child = spawn(process.execPath, [path.join(opts.root, 'bin', 'jobplane.js'), ...opts.args], {
    cwd: opts.root, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const running = () => child.exitCode === null && child.signalCode === null;
  const logText = () => {
    try {
      return readFileSync(opts.logFile, 'utf8');
    } catch {
      return '';
    }
  };
  return {
    name: opts.name, pid: child.pid!, child, logFile: opts.logFile, running, logText,
    logTail: (chars = 3000) => logText().slice(-chars),
    async stop(graceMs = 15_000) {
      if (!running()) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Polls `check` every `everyMs` until it returns a value; fails after `timeoutMs` or when `alive()` turns false. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, opts: {
  timeoutMs: number; everyMs?: number; alive?: () => boolean; diagnostics?: () => string;
}): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (opts.alive && !opts.alive()) throw new Error(`${what}: the process exited\n${opts.diagnostics?.() ?? ''}`);
    if (Date.now() > deadline) throw new Error(`${what}: not within ${opts.timeoutMs} ms\n${opts.diagnostics?.() ?? ''}`);
    await new Promise((r) => setTimeout(r, opts.everyMs ?? 100));
  }
}

/** One line of a pino log. */
export interface LogLine {
  time: number;
  msg: string;
  [k: string]: unknown;
}

export function parseLog(text: string): LogLine[] {
  const out: LogLine[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const v = JSON.parse(line) as LogLine;
      if (typeof v.time === 'number' && typeof v.msg === 'string') out.push(v);
    } catch {
      // a partial last line, or not JSON
    }
  }
  return out;
}

// ---- memory, from /proc/<pid>/status ------------------------------------------------------------------------

export interface ProcMemory {
  /** Resident set size now, KiB. */
  rssKiB: number;
  /** Peak resident set size ("high water mark") since start or the last resetPeak(), KiB. */
  hwmKiB: number;
}

export function readMemory(pid: number): ProcMemory | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssKiB: kib('VmRSS'), hwmKiB: kib('VmHWM') };
  } catch {
    return undefined;
  }
}

/**
 * Resets the process's VmHWM to its current RSS (`echo 5 > /proc/<pid>/clear_refs`, Linux >= 4.0), so that the
 * next reading is the peak of one workload. Returns false when the kernel or the sandbox refuses.
 */
export function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Samples VmRSS of some processes every `everyMs`; `window()` returns the max since the last call. */
export class RssSampler {
  private readonly timer: NodeJS.Timeout;
  private readonly windowMax = new Map<number, number>();
  private readonly overallMax = new Map<number, number>();
  samples = 0;

  /** everyMs 0: no periodic sampling (window() and overall() then see only the readings they take themselves). */
  constructor(private readonly pids: readonly number[], everyMs = 100) {
    this.timer = setInterval(() => everyMs > 0 && this.sample(), everyMs > 0 ? everyMs : 3_600_000);
    this.timer.unref();
    this.sample();
  }

  private sample(): void {
    this.samples++;
    for (const pid of this.pids) {
      const m = readMemory(pid);
      if (!m || !Number.isFinite(m.rssKiB)) continue;
      this.windowMax.set(pid, Math.max(this.windowMax.get(pid) ?? 0, m.rssKiB));
      this.overallMax.set(pid, Math.max(this.overallMax.get(pid) ?? 0, m.rssKiB));
    }
  }

  /** Max sampled VmRSS (KiB) of `pid` since the previous window() for it; starts a new window. */
  window(pid: number): number {
    this.sample();
    const v = this.windowMax.get(pid) ?? NaN;
    this.windowMax.delete(pid);
    return v;
  }

  overall(pid: number): number {
    return this.overallMax.get(pid) ?? NaN;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

// ---- an empty PostgreSQL database (BENCH_DATABASE_URL) --------------------------------------------------------

/**
 * Creates a fresh database next to the one `adminUrl` names (the benchmark needs an empty install: bootstrap writes
 * the admin token and generates the sample dataset only then). Returns its URL and a drop function.
 */
export async function createScratchDatabase(adminUrl: string): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `jobplane_bench_plane_${process.pid}_${Date.now().toString(36)}`;
  const withAdmin = async (sql: string) => {
    const c = new pg.Client({ connectionString: adminUrl, application_name: 'jobplane-bench-plane' });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end().catch(() => {});
    }
  };
  await withAdmin(`CREATE DATABASE "${name}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), name, drop: () => withAdmin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}

// ---- CPU per thread, from /proc/<pid>/task/*/stat -------------------------------------------------------------

/** User + system CPU of each thread of `pid`, in clock ticks (100 per second on Linux x86). */
export function threadTicks(pid: number | 'self'): Map<number, number> {
  const out = new Map<number, number>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(tid), Number(f[11]) + Number(f[12]));
    } catch {
      // the thread ended
    }
  }
  return out;
}

export interface ThreadSplit {
  /** The main thread (JavaScript, the event loop), ms. */
  mainMs: number;
  /** Every other thread (DuckDB's workers and the libuv pool that runs its calls; V8's helpers), ms. */
  otherMs: number;
  /** The busiest other threads, ms, descending. */
  top: number[];
}

/** CPU per thread between two threadTicks() readings; the main thread is the one whose id is the pid. */
export function threadSplit(mainTid: number, before: Map<number, number>, after: Map<number, number>, tickMs = 10): ThreadSplit {
  let mainMs = 0;
  const others: number[] = [];
  for (const [tid, ticks] of after) {
    const ms = (ticks - (before.get(tid) ?? 0)) * tickMs;
    if (tid === mainTid) mainMs = ms;
    else others.push(ms);
  }
  others.sort((a, b) => b - a);
  return { mainMs, otherMs: others.reduce((a, b) => a + b, 0), top: others.slice(0, 4) };
}
