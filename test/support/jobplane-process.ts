import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { cliArgv, REPO_ROOT as ROOT } from './spawn.js';

export type LogLine = Record<string, unknown> & { msg?: string; time?: number };

/**
 * A `jobplane` CLI process (spawn.ts's cliArgv: this run's build, a fresh dist/, else the sources through tsx)
 * whose pino JSON lines are parsed once each as they arrive, so that long-running servers and operators can be
 * watched without rescanning their whole output.
 */
export class JobplaneProcess {
  readonly child: ChildProcess;
  readonly lines: LogLine[] = [];
  readonly exited: Promise<number | null>;
  private carry = '';
  private stderrText = '';
  private listeners = new Set<(line: LogLine) => void>();

  constructor(args: string[], env: Record<string, string | undefined>) {
    const merged: NodeJS.ProcessEnv = { ...process.env, ...env };
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete merged[k];
    this.child = spawn(process.execPath, cliArgv(args), {
      cwd: ROOT, env: merged, stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => this.onData(chunk));
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => { this.stderrText += chunk; });
    this.exited = once(this.child, 'exit').then(([code]) => code as number | null);
  }

  get pid(): number {
    return this.child.pid!;
  }

  get stderr(): string {
    return this.stderrText;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  signal(sig: NodeJS.Signals): void {
    if (this.running) this.child.kill(sig);
  }

  /** SIGKILL (after SIGCONT, in case it was stopped) and wait for the exit. */
  async kill(): Promise<void> {
    if (this.running) {
      this.child.kill('SIGCONT');
      this.child.kill('SIGKILL');
    }
    await this.exited;
  }

  find(match: (line: LogLine) => boolean): LogLine | undefined {
    return this.lines.find(match);
  }

  /** The first line (already seen or still to come) that `match` accepts. */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs = 60_000): Promise<LogLine> {
    const seen = this.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.listeners.delete(listener);
      };
      const listener = (line: LogLine) => {
        if (!match(line)) return;
        done();
        resolve(line);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out waiting for a log line; stderr:\n${this.stderrText.slice(-2000)}`));
      }, timeoutMs);
      this.listeners.add(listener);
      void this.exited.then((code) => {
        if (!this.listeners.has(listener)) return;
        done();
        reject(new Error(`process exited (${code}) before the log line; stderr:\n${this.stderrText.slice(-2000)}`));
      });
    });
  }

  private onData(chunk: string): void {
    const parts = (this.carry + chunk).split('\n');
    this.carry = parts.pop() ?? '';
    for (const text of parts) {
      if (!text.startsWith('{')) continue;
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        continue;
      }
      this.lines.push(line);
      for (const listener of [...this.listeners]) listener(line);
    }
  }
}
