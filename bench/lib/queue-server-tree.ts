// Which source tree the benchmarked server runs from, and the store functions the bench must take from that same
// tree (the token it creates, the claim it explains), so that a run against another checkout stays consistent.
// Default: this repository's working tree. BENCH_SERVER_ROOT=<dir> points at another one, e.g. a `git archive HEAD`
// copy with node_modules linked, to measure the committed code while the working tree is being rewritten.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Queryable } from '../../src/store/db/types.js';

export interface ServerTree {
  root: string;
  /** What the tree is, for the report: a commit and whether src/ has uncommitted changes. */
  describe: string;
  tokenCreate(db: Queryable, input: {
    companyId: number; userId: number; name: string; permissions: Array<{ resource: string; access: string }>;
    dataPlaneId: string | null; expiresAt: string | null;
  }): Promise<{ token: string }>;
  /** The tree's `jobClaim(db, req, actor)`; its answer's shape differs between versions (see queue-plan.ts). */
  jobClaim(db: Queryable, req: {
    executor: string; dataPlaneId: string; types: string[] | undefined; computePoolId: string | null | undefined;
    limit: number; leaseMs: number; companyId: number;
  }, actor: { type: 'executor'; executor: string }): Promise<unknown>;
}

function describeTree(root: string): string {
  const marker = join(root, 'BENCH_TREE.txt');
  if (existsSync(marker)) return readFileSync(marker, 'utf8').trim();
  try {
    const head = execFileSync('git', ['-C', root, 'log', '-1', '--format=%h %s'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['-C', root, 'status', '--porcelain', '--', 'src'], { encoding: 'utf8' }).split('\n').filter(Boolean).length;
    return `working tree at ${head.slice(0, 90)}${dirty ? `, with ${dirty} uncommitted changes under src/ (work in progress at the time of the run)` : ', src/ clean'}`;
  } catch {
    return `source tree ${root} (no git metadata)`;
  }
}

export async function loadServerTree(root: string): Promise<ServerTree> {
  const mod = async (rel: string) => import(pathToFileURL(join(root, rel)).href) as Promise<Record<string, unknown>>;
  const tokens = await mod('src/store/tokens.ts');
  const claims = await mod('src/store/job-claims.ts');
  if (typeof tokens['tokenCreate'] !== 'function' || typeof claims['jobClaim'] !== 'function') {
    throw new Error(`${root}: src/store/tokens.ts must export tokenCreate and src/store/job-claims.ts jobClaim`);
  }
  return {
    root, describe: describeTree(root),
    tokenCreate: tokens['tokenCreate'] as ServerTree['tokenCreate'],
    jobClaim: claims['jobClaim'] as ServerTree['jobClaim'],
  };
}
