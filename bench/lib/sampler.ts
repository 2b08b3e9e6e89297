// CPU accounting during one phase: the server process, the PostgreSQL backends serving the bench database,
// the load generator (this process for autocannon, wrk's own account of its CPU, or the pgbench process), and the whole machine.
// Processes are sampled every 250 ms from /proc; each one's rate is taken over the span it was seen in, so
// backends that connect or disconnect mid-phase (pgbench's) are still counted. Figures are in cores
// (CPU seconds per second).
import { cpus } from 'node:os';
import { machineCpu, processCpuMs, schedstat } from './sys.js';

export interface CpuUsage {
  serverCores: number;
  backendsCores: number;
  driverCores: number;
  /** Busy cores of the whole machine (all processes, kernel included). */
  machineCores: number;
  /** Busy cores not explained by the three groups above: other users of this shared machine. */
  otherCores: number;
  cores: number;
  /**
   * Time the servers' main (JavaScript) threads were runnable but waiting for a CPU, in cores: from
   * /proc/<pid>/schedstat (the leader thread). High = the event loop is starved by other processes on the machine.
   */
  serverRunqCores?: number;
}

interface Track {
  firstMs: number;
  firstT: number;
  lastMs: number;
  lastT: number;
}

export class CpuSampler {
  private readonly tracks = new Map<string, Track>();
  private timer: NodeJS.Timeout | undefined;
  private machineStart = machineCpu();
  private start = 0;
  private selfStart = process.cpuUsage();
  private sampling: Promise<void> = Promise.resolve();
  private schedStart = new Map<number, [number, number]>();

  constructor(
    /** The jobplane server process(es). */
    private readonly serverPids: readonly number[],
    private readonly backendPids: () => Promise<number[]>,
    /** A separate load-generator process (pgbench); absent = this process (autocannon). */
    private readonly driverPid?: number,
  ) {}

  private see(key: string, pid: number): void {
    const ms = processCpuMs(pid);
    if (ms === undefined) return;
    const t = performance.now();
    const tr = this.tracks.get(key);
    if (!tr) this.tracks.set(key, { firstMs: ms, firstT: t, lastMs: ms, lastT: t });
    else Object.assign(tr, { lastMs: ms, lastT: t });
  }

  private async sample(): Promise<void> {
    for (const pid of this.serverPids) this.see(`server:${pid}`, pid);
    if (this.driverPid) this.see('driver', this.driverPid);
    const pids = await this.backendPids().catch(() => [] as number[]);
    for (const pid of pids) this.see(`backend:${pid}`, pid);
  }

  begin(): void {
    for (const pid of this.serverPids) {
      const s = schedstat(pid);
      if (s) this.schedStart.set(pid, s);
    }
    this.machineStart = machineCpu();
    this.start = performance.now();
    this.selfStart = process.cpuUsage();
    this.sampling = this.sample();
    this.timer = setInterval(() => {
      this.sampling = this.sampling.then(() => this.sample());
    }, 250);
  }

  /** `driverCpuMs`: the load generator's CPU time over the window when it measured itself (wrk). */
  async end(driverCpuMs?: number): Promise<CpuUsage> {
    if (this.timer) clearInterval(this.timer);
    await this.sampling;
    await this.sample();
    const windowMs = performance.now() - this.start;
    const m = machineCpu();
    const cores = cpus().length;
    const machineCores = ((m.busy - this.machineStart.busy) / Math.max(1, m.total - this.machineStart.total)) * cores;
    const rate = (tr: Track | undefined) => (tr && tr.lastT > tr.firstT ? (tr.lastMs - tr.firstMs) / (tr.lastT - tr.firstT) : 0);
    let backendsCores = 0;
    let serverCores = 0;
    for (const [key, tr] of this.tracks) {
      if (key.startsWith('backend:')) backendsCores += rate(tr);
      if (key.startsWith('server:')) serverCores += rate(tr);
    }
    let driverCores: number;
    if (driverCpuMs !== undefined && Number.isFinite(driverCpuMs)) {
      driverCores = driverCpuMs / windowMs;
    } else if (this.driverPid !== undefined) {
      driverCores = rate(this.tracks.get('driver'));
    } else {
      const self = process.cpuUsage(this.selfStart);
      driverCores = (self.user + self.system) / 1000 / windowMs;
    }
    const otherCores = Math.max(0, machineCores - serverCores - backendsCores - driverCores);
    let waitNs = 0;
    let seen = false;
    for (const [pid, [, wait0]] of this.schedStart) {
      const s = schedstat(pid);
      if (s) {
        waitNs += s[1] - wait0;
        seen = true;
      }
    }
    const serverRunqCores = seen ? waitNs / 1e6 / windowMs : undefined;
    return { serverCores, backendsCores, driverCores, machineCores, otherCores, cores, ...(serverRunqCores !== undefined ? { serverRunqCores } : {}) };
  }
}
