import { execFile } from 'node:child_process';
import { chown, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A PostgreSQL cluster of the chaos run's own (initdb + pg_ctl on a spare port, in a temp dir), so that stopping
 * and restarting it disturbs no one else's database. Run as root, the cluster belongs to the `postgres` user
 * (initdb refuses root); otherwise to the current user.
 */
export class ThrowawayPostgres {
  private constructor(
    readonly dir: string, readonly port: number, private readonly asUser: string | null, private readonly bin: string,
  ) {}

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  private get dataDir(): string {
    return path.join(this.dir, 'data');
  }

  static async create(port: number, bin = process.env['JOBPLANE_PG_BIN'] ?? '/usr/lib/postgresql/15/bin'): Promise<ThrowawayPostgres> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'jobplane-chaos-pg-'));
    const asUser = process.getuid?.() === 0 ? 'postgres' : null;
    await mkdir(path.join(dir, 'sock'));
    if (asUser) {
      const uid = Number((await run('id', ['-u', asUser])).stdout.trim());
      const gid = Number((await run('id', ['-g', asUser])).stdout.trim());
      for (const p of [dir, path.join(dir, 'sock')]) await chown(p, uid, gid);
    }
    const pg = new ThrowawayPostgres(dir, port, asUser, bin);
    await pg.exec('initdb', ['-D', pg.dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-instructions']);
    await pg.start();
    return pg;
  }

  private exec(tool: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
    const binary = path.join(this.bin, tool);
    return this.asUser ? run('runuser', ['-u', this.asUser, '--', binary, ...args]) : run(binary, args);
  }

  /** Starts the cluster and waits until it accepts connections. */
  async start(): Promise<void> {
    const opts = `-p ${this.port} -k ${path.join(this.dir, 'sock')} -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off`;
    await this.exec('pg_ctl', ['-D', this.dataDir, '-l', path.join(this.dir, 'server.log'), '-o', opts, '-w', '-t', '60', 'start']);
  }

  /** `immediate`: a crash (no checkpoint, clients cut); `fast`: an orderly stop that rolls back open transactions. */
  async stop(mode: 'immediate' | 'fast' = 'immediate'): Promise<void> {
    await this.exec('pg_ctl', ['-D', this.dataDir, '-m', mode, '-w', '-t', '60', 'stop']);
  }

  async destroy(): Promise<void> {
    await this.stop('immediate').catch(() => {});
    await rm(this.dir, { recursive: true, force: true });
  }
}
