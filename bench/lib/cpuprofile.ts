// Summarizes a V8 .cpuprofile (from `node --cpu-prof`): self time by area and by function, idle excluded.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  startTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  /** Wall-clock span of the samples kept. */
  windowMs: number;
  busyMs: number;
  idleMs: number;
  /** Self time in the `writev` syscall binding, split by who wrote: the pg driver or the HTTP response. */
  writev: { ms: number; pgMs: number; httpMs: number };
  byArea: Array<{ area: string; ms: number; share: number }>;
  byFunction: Array<{ fn: string; ms: number; share: number }>;
}

/** Where a frame's code lives: a package, a project file, node internals, or a V8 pseudo-frame. */
function areaOf(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native/V8)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const src = /\/(src\/[^/]+(?:\/[^/]+)?)/.exec(url);
  if (src) return src[1]!.replace(/\.ts$/, '');
  return url.split('/').slice(-2).join('/');
}

/**
 * `window` (µs of CLOCK_MONOTONIC, i.e. `process.hrtime.bigint() / 1000n` in any process of the machine: V8's
 * profile timestamps use the same clock on Linux) keeps only the samples taken during the measured phase.
 */
export function summarizeProfile(file: string, window?: { startUs: number; endUs: number }, top = 25): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const writer = (id: number): 'pg' | 'http' | 'other' => {
    for (let cur = parent.get(id); cur !== undefined; cur = parent.get(cur)) {
      const url = byId.get(cur)?.callFrame.url ?? '';
      if (/node_modules\/pg(-protocol|-pool)?\//.test(url)) return 'pg';
      if (url.includes('_http_')) return 'http';
    }
    return 'other';
  };
  const writev = { ms: 0, pgMs: 0, httpMs: 0 };
  const self = new Map<number, number>();
  let t = p.startTime;
  let first = Infinity;
  let last = -Infinity;
  p.samples.forEach((id, i) => {
    const dt = p.timeDeltas[i] ?? 0;
    t += dt;
    if (window && (t < window.startUs || t > window.endUs)) return;
    first = Math.min(first, t);
    last = Math.max(last, t);
    self.set(id, (self.get(id) ?? 0) + dt / 1000);
  });
  const areas = new Map<string, number>();
  const fns = new Map<string, number>();
  let idleMs = 0;
  let busyMs = 0;
  for (const [id, ms] of self) {
    const n = byId.get(id);
    if (!n) continue;
    const { functionName, url, lineNumber } = n.callFrame;
    if (functionName === '(idle)') {
      idleMs += ms;
      continue;
    }
    busyMs += ms;
    if (functionName === 'writev') {
      const w = writer(id);
      writev.ms += ms;
      if (w === 'pg') writev.pgMs += ms;
      if (w === 'http') writev.httpMs += ms;
    }
    const area = areaOf(url, functionName);
    areas.set(area, (areas.get(area) ?? 0) + ms);
    const key = `${functionName || '(anonymous)'} ${url ? `${areaOf(url, functionName)}:${lineNumber + 1}` : ''}`.trim();
    fns.set(key, (fns.get(key) ?? 0) + ms);
  }
  const rank = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top);
  return {
    windowMs: Number.isFinite(first) ? (last - first) / 1000 : 0,
    busyMs, idleMs, writev,
    byArea: rank(areas).map(([area, ms]) => ({ area, ms, share: ms / busyMs })),
    byFunction: rank(fns).map(([fn, ms]) => ({ fn, ms, share: ms / busyMs })),
  };
}
