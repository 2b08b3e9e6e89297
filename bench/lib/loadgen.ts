// One entry point for the API phases' HTTP load, whichever generator drives it: wrk (the default: a C process
// costing ~0.05 cores where autocannon, inside this Node process, costs ~0.15-0.2 on a 2-core machine that also
// runs the server and PostgreSQL) or autocannon (BENCH_LOADGEN=autocannon; it can spread over several servers).
import { runLoad, type LoadResult } from './load.js';
import { runWrkLoad } from './load-wrk.js';

export type LoadGen = 'wrk' | 'autocannon';

export interface DriveOptions {
  urls: string[];
  connections: number;
  seconds: number;
  token: string;
  method: 'GET' | 'POST';
  /** For POST each path is sent at most once (a repeat would be a no-op `run`); GET cycles over them. */
  paths: string[];
  body?: string | undefined;
}

export interface DrivenLoad {
  result: LoadResult;
  /** The prefix of `paths` handed out, so the next load starts after it (an upper bound on what the server received). */
  pathsUsed: number;
  /** A POST load ran out of distinct paths: the phase is invalid. */
  exhausted: boolean;
  /** The generator's own CPU time when it is a separate process (wrk); absent = this process. */
  driverCpuMs?: number;
}

export function loadGenFromEnv(): LoadGen {
  const v = process.env['BENCH_LOADGEN'] ?? 'wrk';
  if (v !== 'wrk' && v !== 'autocannon') throw new Error(`BENCH_LOADGEN must be wrk or autocannon, not ${v}`);
  return v;
}

export function driver(kind: LoadGen): (o: DriveOptions) => Promise<DrivenLoad> {
  return kind === 'wrk' ? driveWrk : driveAutocannon;
}

async function driveWrk(o: DriveOptions): Promise<DrivenLoad> {
  if (o.urls.length !== 1) throw new Error('wrk drives one server: use BENCH_LOADGEN=autocannon with BENCH_SERVERS > 1');
  const r = await runWrkLoad({
    url: o.urls[0]!, connections: o.connections, seconds: o.seconds, token: o.token, method: o.method, paths: o.paths,
    ...(o.body !== undefined ? { body: o.body } : {}),
  });
  if (!r.latencyRaw) throw new Error('wrk\'s latency histogram did not add up: per-response percentiles unavailable');
  return { result: r, pathsUsed: r.pathsPrefix, exhausted: r.exhausted, driverCpuMs: r.cpuMs };
}

async function driveAutocannon(o: DriveOptions): Promise<DrivenLoad> {
  let i = 0;
  let exhausted = false;
  const result = await runLoad({
    urls: o.urls, connections: o.connections, seconds: o.seconds, token: o.token, method: o.method,
    nextPath: () => {
      if (i >= o.paths.length) {
        // Repeats of a POST are no-ops (200): the phase is flagged invalid through `exhausted`.
        if (o.method === 'POST') exhausted = true;
        i = 0;
      }
      return o.paths[i++]!;
    },
    ...(o.body !== undefined ? { body: () => o.body! } : {}),
  });
  return { result, pathsUsed: exhausted ? o.paths.length : i, exhausted };
}
