// Inclusive ("total") time of the project's own functions in a V8 .cpuprofile, to say which route and which store
// call the server's thread spends its time under (cpuprofile.ts gives self time, which lands in pg, node and V8).
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

export interface InclusiveFrame {
  /** `name src/file.ts:line` */
  frame: string;
  ms: number;
  /** Of the busy (non-idle) sampled time. */
  share: number;
}

/** Frames in src/ (ours), ranked by inclusive time over the samples in `window` (µs, CLOCK_MONOTONIC). */
export function inclusiveOwnFrames(file: string, window?: { startUs: number; endUs: number }, top = 25): { busyMs: number; frames: InclusiveFrame[] } {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (n: ProfileNode): string | undefined => {
    const m = /\/(src\/.+\.ts)$/.exec(n.callFrame.url.replace(/^file:\/\//, ''));
    if (!m) return undefined;
    // tsx's transpiled modules report line 0 for most frames: a line is shown only when it says something.
    const line = n.callFrame.lineNumber > 0 ? `:${n.callFrame.lineNumber + 1}` : '';
    return `${n.callFrame.functionName || '(anonymous)'} ${m[1]}${line}`;
  };
  // The distinct own frames on each node's stack, computed once per node.
  const stackCache = new Map<number, string[]>();
  const ownStack = (id: number): string[] => {
    const hit = stackCache.get(id);
    if (hit) return hit;
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const l = label(byId.get(cur)!);
      if (l) seen.add(l);
    }
    const out = [...seen];
    stackCache.set(id, out);
    return out;
  };
  const total = new Map<string, number>();
  let busyMs = 0;
  let t = p.startTime;
  p.samples.forEach((id, i) => {
    const dt = (p.timeDeltas[i] ?? 0) / 1000;
    t += p.timeDeltas[i] ?? 0;
    if (window && (t < window.startUs || t > window.endUs)) return;
    const n = byId.get(id);
    if (!n || n.callFrame.functionName === '(idle)') return;
    busyMs += dt;
    for (const f of ownStack(id)) total.set(f, (total.get(f) ?? 0) + dt);
  });
  const frames = [...total].sort((a, b) => b[1] - a[1]).slice(0, top).map(([frame, ms]) => ({ frame, ms, share: ms / Math.max(busyMs, 1e-9) }));
  return { busyMs, frames };
}
