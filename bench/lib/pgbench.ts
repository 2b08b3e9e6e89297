// Runs pgbench with a custom script and reads its summary and per-transaction log.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { percentile } from './sys.js';

export function pgbenchPath(): string {
  try {
    return execFileSync('which', ['pgbench'], { encoding: 'utf8' }).trim();
  } catch {
    const fallback = '/usr/lib/postgresql/15/bin/pgbench';
    if (existsSync(fallback)) return fallback;
    throw new Error('pgbench not found on PATH nor in /usr/lib/postgresql/15/bin');
  }
}

export function pgbenchVersion(): string {
  return execFileSync(pgbenchPath(), ['--version'], { encoding: 'utf8' }).trim();
}

export interface PgbenchResult {
  tps: number;
  processed: number;
  failed: number;
  latencyAvgMs: number;
  p50: number;
  p975: number;
  p99: number;
  max: number;
  output: string;
}

export interface PgbenchRun {
  child: ChildProcess;
  done: Promise<PgbenchResult>;
}

export function startPgbench(opts: {
  url: URL; database: string; script: string; clients: number; threads: number; seconds: number;
  mode: 'simple' | 'extended' | 'prepared'; defines: string[];
}): PgbenchRun {
  const dir = mkdtempSync(join(tmpdir(), 'jp-pgbench-'));
  const scriptFile = join(dir, 'script.sql');
  writeFileSync(scriptFile, opts.script);
  const args = [
    '-h', opts.url.hostname, '-p', opts.url.port || '5432', '-U', decodeURIComponent(opts.url.username || 'postgres'),
    '-n', '-c', String(opts.clients), '-j', String(opts.threads), '-T', String(opts.seconds), '-M', opts.mode,
    ...opts.defines.flatMap((d) => ['-D', d]),
    '-f', scriptFile, '-l', '--log-prefix', join(dir, 'tx'), opts.database,
  ];
  const child = spawn(pgbenchPath(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const done = new Promise<PgbenchResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      try {
        if (code !== 0) throw new Error(`pgbench exited with ${code}:\n${output.slice(-2000)}`);
        const num = (re: RegExp) => Number(re.exec(output)?.[1] ?? NaN);
        const latencies: number[] = [];
        for (const f of readdirSync(dir).filter((n) => n.startsWith('tx.'))) {
          for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) {
            // client_id transaction_no time(us) script_no time_epoch time_us
            const us = Number(line.split(' ')[2]);
            if (Number.isFinite(us)) latencies.push(us / 1000);
          }
        }
        latencies.sort((a, b) => a - b);
        resolve({
          tps: num(/tps = ([\d.]+) \(without initial connection time\)/),
          processed: num(/number of transactions actually processed: (\d+)/),
          failed: num(/number of failed transactions: (\d+)/) || 0,
          latencyAvgMs: num(/latency average = ([\d.]+) ms/),
          p50: percentile(latencies, 50), p975: percentile(latencies, 97.5), p99: percentile(latencies, 99),
          max: latencies[latencies.length - 1] ?? NaN,
          output,
        });
      } catch (err) {
        reject(err as Error);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
  return { child, done };
}
