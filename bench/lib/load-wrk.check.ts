// Self-check of bench/lib/load-wrk.ts against a plain node:http server that records every path it receives:
// `npx tsx bench/lib/load-wrk.check.ts` (needs wrk on the PATH, or BENCH_WRK).
import { strict as assert } from 'node:assert';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runLoad } from './load.js';
import { runWrkLoad, type WrkLoadResult } from './load-wrk.js';

const TOKEN = 'check-token "with quotes" \\ and \\\\ backslashes'; // ASCII: Node reads header values as latin1
const BODY = JSON.stringify({ executor: 'job-executor-98e1f48e-bf54-4f11-bbd1-73c445120266' });

interface Tally {
  received: Map<string, number>;
  statuses: Map<number, number>;
  badAuth: number;
  badBody: number;
}
const newTally = (): Tally => ({ received: new Map(), statuses: new Map(), badAuth: 0, badBody: 0 });
let tally = newTally();

const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  const t = tally; // the run this request belongs to
  const path = req.url ?? '';
  t.received.set(path, (t.received.get(path) ?? 0) + 1);
  if (req.headers.authorization !== `Bearer ${TOKEN}`) t.badAuth++;
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (d: string) => { body += d; });
  req.on('end', () => {
    if (req.method === 'POST' && (body !== BODY || req.headers['content-type'] !== 'application/json')) t.badBody++;
    const status = /^\/(ok|slow)\/\d+$/.test(path) ? 200 : /^\/missing\/\d+$/.test(path) ? 404 : 500;
    const answer = () => {
      res.statusCode = status;
      res.setHeader('content-type', 'application/json');
      // Not-found bodies end with raw control characters, quotes and backslashes (the script's JSON escaping).
      res.end(status === 200 ? '{"ok":true}' : `${JSON.stringify({ error: `no such thing: ${path}` })}\u0001\t"\\\n`);
      t.statuses.set(status, (t.statuses.get(status) ?? 0) + 1);
    };
    // /slow/<n>: 15 ms per response, ~2,000 req/s over 32 connections (the API benchmark's rate).
    if (path.startsWith('/slow/')) setTimeout(answer, 15);
    else answer();
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

function serverStatus(t: Tally): Record<string, number> {
  return Object.fromEntries([...t.statuses].map(([k, v]) => [String(k), v]));
}
function dupes(t: Tally): number {
  let n = 0;
  for (const c of t.received.values()) if (c > 1) n++;
  return n;
}
function sum(m: Map<unknown, number>): number {
  let n = 0;
  for (const v of m.values()) n += v;
  return n;
}

async function run(label: string, opts: Parameters<typeof runWrkLoad>[0]): Promise<{ r: WrkLoadResult; t: Tally; wallMs: number; serverCpuMs: number }> {
  tally = newTally();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await runWrkLoad(opts);
  const wallMs = performance.now() - t0;
  await new Promise((resolve) => setTimeout(resolve, 200)); // let the last cut-off requests finish on the server
  const c = process.cpuUsage(cpu0);
  const t = tally;
  const serverCpuMs = (c.user + c.system) / 1000;
  console.log(`\n== ${label}`);
  console.log(`  wrk: ${r.threads} threads, ${r.connections} connections, ${r.seconds.toFixed(2)} s, ${r.completed} completed, ` +
    `${r.ok2xx} 2xx, ${r.non2xx} non-2xx, errors ${r.errors} (timeouts ${r.timeouts}), ${r.rps.toFixed(0)} 2xx/s`);
  console.log(`  statusCodes ${JSON.stringify(r.statusCodes)}; pathsUsed ${r.pathsUsed}; exhausted ${r.exhausted}`);
  console.log(`  latency (per response${r.latencyRaw ? '' : ', NOT uncorrected'}) p50 ${r.p50.toFixed(3)} ms, p97.5 ${r.p975.toFixed(3)}, ` +
    `p99 ${r.p99.toFixed(3)}, max ${r.max.toFixed(3)}; wrk-corrected p50 ${r.wrkCorrected.p50.toFixed(3)}, p99 ${r.wrkCorrected.p99.toFixed(3)}`);
  console.log(`  wrk CPU ${r.cpuMs.toFixed(0)} ms = ${(r.cpuMs / 1000 / r.seconds).toFixed(3)} cores; ` +
    `check process (server) CPU ${serverCpuMs.toFixed(0)} ms = ${(serverCpuMs / wallMs).toFixed(3)} cores; wall ${wallMs.toFixed(0)} ms`);
  console.log(`  server: ${sum(t.received)} requests on ${t.received.size} distinct paths, statuses ${JSON.stringify(serverStatus(t))}, ` +
    `${dupes(t)} paths received twice or more, bad auth ${t.badAuth}, bad body ${t.badBody}`);
  if (r.badSamples.length) console.log(`  badSamples[0]: ${JSON.stringify(r.badSamples[0])}`);
  assert.equal(t.badAuth, 0, 'Authorization header');
  assert.equal(t.badBody, 0, 'POST body / content-type');
  assert.equal(r.errors, 0, 'socket errors');
  assert.ok(r.latencyRaw, 'latency histogram uncorrected');
  // Counts: wrk's responses <= the server's (requests cut off at the end), by at most the connections.
  const serverTotal = sum(t.statuses);
  assert.ok(serverTotal >= r.completed && serverTotal - r.completed <= r.connections, `server ${serverTotal} vs wrk ${r.completed}`);
  for (const [code, n] of t.statuses) {
    const w = r.statusCodes[String(code)] ?? 0;
    assert.ok(w <= n && n - w <= r.connections, `status ${code}: wrk ${w}, server ${n}`);
  }
  assert.equal(r.ok2xx + r.non2xx, r.completed);
  assert.equal(r.ok2xx, r.statusCodes['200'] ?? 0);
  assert.ok(r.pathsUsed >= sum(t.received), `pathsUsed ${r.pathsUsed} >= received ${sum(t.received)}`);
  return { r, t, wallMs, serverCpuMs };
}

try {
  // GET, cycling over a few paths, 1 in 10 a 404.
  const getPaths = Array.from({ length: 1000 }, (_, i) => (i % 10 === 9 ? `/missing/${i}` : `/ok/${i}`));
  const get = await run('GET, 2 s, 1000 paths cycled (10 % 404)', { url, connections: 32, seconds: 2, token: TOKEN, method: 'GET', paths: getPaths });
  assert.equal(get.r.exhausted, false);
  assert.ok(get.r.non2xx > 0 && get.r.badSamples.length > 0 && get.r.badSamples[0]!.startsWith('404 {"error":"no such thing'));
  assert.ok(get.r.badSamples[0]!.endsWith('}\u0001\t"\\\n'), 'bad sample escaping');

  // POST over 200,000 distinct paths, 1 in 100 a 404: no path twice.
  const postPaths = Array.from({ length: 200_000 }, (_, i) => (i % 100 === 99 ? `/missing/${i}` : `/ok/${i}`));
  const post = await run('POST, 2 s, 200,000 distinct paths (1 % 404)', { url, connections: 32, seconds: 2, token: TOKEN, method: 'POST', paths: postPaths, body: BODY });
  assert.equal(dupes(post.t), 0, 'a POST path was received twice');
  assert.equal(post.r.exhausted, false);
  for (const p of post.t.received.keys()) assert.ok(p.startsWith('/ok/') || p.startsWith('/missing/'), p);
  // The next load starts at pathsPrefix: every path received must lie before it (the threads use their
  // interleaved shares at different speeds, so pathsUsed alone would let the next load repeat some).
  const lastIndex = Math.max(...[...post.t.received.keys()].map((p) => Number(p.split('/')[2])));
  assert.ok(lastIndex < post.r.pathsPrefix, `last path received ${lastIndex} < pathsPrefix ${post.r.pathsPrefix}`);
  assert.ok(post.r.pathsPrefix >= post.r.pathsUsed && post.r.pathsPrefix <= postPaths.length, 'pathsUsed <= pathsPrefix <= paths');

  // Too few paths: exhausted, and still no path twice.
  const few = await run('POST, 2 s, 50 distinct paths', { url, connections: 32, seconds: 2, token: TOKEN, method: 'POST', paths: postPaths.slice(0, 50), body: BODY });
  assert.equal(few.r.exhausted, true, 'exhausted');
  assert.equal(dupes(few.t), 0, 'a POST path was received twice (exhausted run)');
  assert.equal(few.r.pathsUsed, 50);

  // 3 threads over 7 paths: still disjoint.
  const odd = await run('POST, 1 s, 3 threads, 7 paths', { url, connections: 3, threads: 3, seconds: 1, token: TOKEN, method: 'POST', paths: postPaths.slice(0, 7), body: BODY });
  assert.equal(odd.r.exhausted, true);
  assert.equal(dupes(odd.t), 0);

  // Load generator CPU at the API benchmark's rate: wrk's own CPU (from /proc) vs autocannon's, estimated as the
  // check process's CPU (server + autocannon) minus the same server's CPU during the wrk run. Informative only.
  const slowPaths = Array.from({ length: 100_000 }, (_, i) => `/slow/${i}`);
  const paced = await run('POST, 3 s, paced server (15 ms per response)', { url, connections: 32, seconds: 3, token: TOKEN, method: 'POST', paths: slowPaths, body: BODY });
  assert.equal(dupes(paced.t), 0);
  tally = newTally();
  let next = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const ac = await runLoad({ urls: [url], connections: 32, seconds: 3, token: TOKEN, method: 'POST', nextPath: () => slowPaths[next++]!, body: () => BODY });
  const acWall = performance.now() - t0;
  const acCpu = process.cpuUsage(cpu0);
  const acCpuMs = (acCpu.user + acCpu.system) / 1000;
  const serverOnly = (paced.serverCpuMs / paced.wallMs) * acWall;
  console.log(`\n== same, autocannon (runLoad): ${ac.rps.toFixed(0)} 2xx/s, p50 ${ac.p50.toFixed(3)} ms, p99 ${ac.p99.toFixed(3)} ms`);
  console.log(`  loadgen CPU: wrk ${(paced.r.cpuMs / 1000 / paced.r.seconds).toFixed(3)} cores at ${paced.r.rps.toFixed(0)} req/s; ` +
    `autocannon ~${((acCpuMs - serverOnly) / acWall).toFixed(3)} cores at ${ac.rps.toFixed(0)} req/s (check process ${(acCpuMs / acWall).toFixed(3)} cores minus the server's ${(serverOnly / acWall).toFixed(3)})`);

  // Errors are reported clearly.
  await assert.rejects(runWrkLoad({ url, connections: 2, seconds: 1, token: TOKEN, method: 'GET', paths: ['/ok/1'], wrkBin: '/nonexistent/wrk' }),
    /wrk not found .*apt-get install wrk.*BENCH_LOADGEN=autocannon/);
  await assert.rejects(runWrkLoad({ url: 'http://127.0.0.1:1', connections: 2, seconds: 1, token: TOKEN, method: 'GET', paths: ['/ok/1'] }),
    (e: Error) => { console.log(`\nunreachable server -> ${e.message.split('\n').slice(0, 2).join(' | ')}`); return /wrk exited with 1/.test(e.message); });
  console.log('\nall checks passed');
} finally {
  server.close();
  server.closeAllConnections();
}
