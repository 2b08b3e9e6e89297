import type { Actor } from '../core/job.js';
import { LEASED_STATES } from '../core/job-states.js';
import type { Queryable } from './db/types.js';
import { jobColumns, toJob, type JobRow } from './job-columns.js';
import { claimableSql, claimCapacitySql, jobClaim, takesSql, type ClaimRequest, type ClaimResult } from './job-claims.js';
import { transitionSql } from './job-transition-sql.js';
import { SqlParams, unnestParams } from './sql-params.js';
import { stateIn } from './state-sql.js';

export interface ClaimOfExecutor extends ClaimRequest {
  actor: Actor;
}

/**
 * Claims of several executors at once (the claim's group commit, src/api/job-writes.ts): per request the same
 * outcome as `jobClaim` alone, with one round trip and one commit for the whole batch where one statement each would
 * pay them per claim. The requests are split into groups that one statement can serve: the same data plane and the
 * same `types` asked for, no compute pool asked for, and one request per executor. A group of one, and the requests
 * this statement cannot serve (an executor registered in a compute pool, whose slots are taken claim by claim), get
 * `undefined`, and the caller runs `jobClaim` for them.
 */
export async function jobClaimMany(db: Queryable, reqs: readonly ClaimOfExecutor[]): Promise<Array<ClaimResult | undefined>> {
  const results: Array<ClaimResult | undefined> = reqs.map(() => undefined);
  const groups = new Map<string, number[]>();
  const executors = new Set<string>();
  reqs.forEach((r, i) => {
    if (r.computePoolId !== undefined || executors.has(r.executor)) return;
    executors.add(r.executor);
    const key = `${r.dataPlaneId}\u0000${r.types === undefined ? '' : JSON.stringify(r.types)}`;
    const members = groups.get(key);
    if (members) members.push(i);
    else groups.set(key, [i]);
  });
  // Each group is a statement of its own, on its own connection: at once.
  await Promise.all([...groups.values()].filter((members) => members.length > 1).map(async (members) => {
    const claimed = await claimGroup(db, members.map((i) => reqs[i]!));
    members.forEach((i, k) => { results[i] = claimed[k]; });
  }));
  return results;
}

interface BatchRow extends JobRow {
  req_n: number;
  registered: boolean;
  registered_plane: string | null;
  right_plane: boolean | null;
  plane_visible: boolean | null;
  in_pool: boolean | null;
  capacity: number | null;
  lost: boolean | null;
}

/**
 * One statement for executors of one plane asking for the same types. Per executor, the same rules as jobClaim
 * (src/store/job-claims.ts): its registration row locked and its claim_seq bumped (all of them in id order, so
 * batches of two servers never deadlock on each other's executors), its load counted, its capacity from its slots,
 * draining, a dedicated job running, a concurrent claim of its own. Then the executors that may take the same jobs
 * (same types, and idle or not: only an idle executor may take a dedicated job) share one candidate read, in the
 * claim's order, as many as they may take together, and each takes its slice in turn: the first executor of the
 * batch the first jobs. Two such sets of executors may read the same job (their reads overlap when one asks for
 * any type); it goes to the first set, and an executor of the other that came out short claims the rest alone
 * right after, so no executor is told "nothing" while a job it may take was free.
 */
async function claimGroup(db: Queryable, reqs: readonly ClaimOfExecutor[]): Promise<Array<ClaimResult | undefined>> {
  const first = reqs[0]!;
  const statement = claimStatement(first.types !== undefined);
  const values = [
    first.dataPlaneId, reqs.map((_, n) => n), reqs.map((r) => r.executor), reqs.map((r) => r.companyId),
    reqs.map((r) => r.boundPlaneId ?? null), reqs.map((r) => r.limit), reqs.map((r) => r.leaseMs),
    reqs.map((r) => JSON.stringify(r.actor)), ...(first.types === undefined ? [] : [first.types]),
  ];
  const rows = await db.query<BatchRow>(statement, values);
  const byRequest = reqs.map(() => [] as BatchRow[]);
  for (const row of rows) byRequest[row.req_n]!.push(row);
  const results: Array<ClaimResult | undefined> = [];
  for (const [n, own] of byRequest.entries()) {
    const status = own[0];
    const request = reqs[n]!;
    if (!status?.registered) results.push({ outcome: 'not_registered' });
    else if (!status.plane_visible) results.push({ outcome: 'plane_not_found' });
    else if (!status.right_plane) results.push({ outcome: 'wrong_plane', registeredPlaneId: status.registered_plane! });
    // A compute pool's executor: its capacity was 0 here; the caller claims for it alone.
    else if (status.in_pool) results.push(undefined);
    else {
      const jobs = own.filter((r) => r.job_id !== null).map(toJobOf);
      // Short because a job it could take went to an earlier set of this batch: the rest, claimed alone now.
      if (status.lost && jobs.length < (status.capacity ?? 0)) {
        const rest = await jobClaim(db, { ...request, limit: request.limit - jobs.length }, request.actor);
        if (rest.outcome === 'claimed') jobs.push(...rest.jobs);
      }
      results.push({ outcome: 'claimed', jobs });
    }
  }
  return results;
}

/** The statement's text, built once per shape (with or without `types` asked for). */
const statements = new Map<boolean, string>();

function claimStatement(typesGiven: boolean): string {
  const known = statements.get(typesGiven);
  if (known) return known;
  // Placeholders in the order claimGroup passes its values; every one is a request's value (the transition
  // builder binds nothing: its states and action are literals), and PostgreSQL refuses a count that differs.
  const q = new SqlParams();
  const plane = `${q.p(null)}::uuid`;
  const req = `req AS (
       SELECT * FROM ${unnestParams(['int', 'text', 'bigint', 'uuid', 'int', 'int', 'jsonb'].map((type) => [q.p(null), type] as const))}
                AS r(n, executor, company_id, bound_plane, lim, lease_ms, actor)
     )`;
  const types = typesGiven ? `${q.p(null)}::text[]` : 'g.types';
  const ctes = [
    req,
    // The statement's snapshot of each registration: a claim_seq that moved on by the time the row is locked means
    // another claim of that executor committed meanwhile, whose jobs this snapshot's load count may miss.
    `snap AS (SELECT id, claim_seq FROM executors WHERE id IN (SELECT executor FROM req))`,
    // The executors as their callers may see them (another tenant's is "not registered": neither locked nor bumped).
    `locked AS (
       SELECT r.n, e.id FROM executors e JOIN req r ON r.executor = e.id
        WHERE e.data_plane_id IN (SELECT id FROM data_planes dp WHERE dp.company_id = r.company_id)
          AND (r.bound_plane IS NULL OR e.data_plane_id = r.bound_plane)
        ORDER BY e.id
        FOR UPDATE OF e
     )`,
    `reg AS (
       UPDATE executors e SET claim_seq = e.claim_seq + 1 FROM locked l WHERE e.id = l.id
       RETURNING l.n, e.id, e.claim_seq, e.slots, e.status, e.types, e.compute_pool_id, e.data_plane_id
     )`,
    `load AS (
       SELECT executor, count(*)::int AS running, bool_or(execution_cluster = 'dedicated') AS dedicated
         FROM jobs WHERE executor IN (SELECT executor FROM req) AND ${stateIn('state', LEASED_STATES)}
        GROUP BY executor
     )`,
    `lim AS (
       SELECT g.n, g.data_plane_id::text AS registered_plane, (g.data_plane_id = ${plane}) AS right_plane,
              EXISTS (SELECT 1 FROM data_planes dp WHERE dp.id = ${plane} AND dp.company_id = r.company_id) AS plane_visible,
              g.compute_pool_id IS NOT NULL AS in_pool,
              ${claimCapacitySql({
                registration: 'g', snapshotSeq: 's.claim_seq', running: 'coalesce(l.running, 0)', runsDedicated: 'coalesce(l.dedicated, false)',
                askedPlane: plane, limit: 'r.lim', refusedIf: ['g.compute_pool_id IS NOT NULL'],
              })} AS capacity,
              ${types} AS types,
              coalesce(l.running, 0) = 0 AS idle
         FROM reg g JOIN req r ON r.n = g.n JOIN snap s ON s.id = g.id LEFT JOIN load l ON l.executor = g.id
     )`,
    // Executors that may take the same jobs, and how many they may take together.
    `sets AS (
       SELECT types, idle, sum(capacity)::int AS want, min(n) AS first_n
         FROM lim WHERE capacity > 0 GROUP BY types, idle
     )`,
    `cand AS (
       SELECT s.first_n AS set_n, c.job_id, c.execution_cluster, c.priority, c.created_at
         FROM sets s CROSS JOIN LATERAL (
           SELECT j.job_id, j.execution_cluster, j.priority, j.created_at
             FROM jobs j
            WHERE j.data_plane_id = ${plane} AND j.compute_pool_id IS NULL AND ${claimableSql('j')}
              AND ${takesSql('j', 's.types', 's.idle')}
            ORDER BY j.priority DESC, j.created_at, j.job_id
            LIMIT s.want
            FOR UPDATE OF j SKIP LOCKED
         ) c
     )`,
    `owned AS (SELECT DISTINCT ON (job_id) * FROM cand ORDER BY job_id, set_n)`,
    `lost AS (SELECT DISTINCT c.set_n FROM cand c JOIN owned o ON o.job_id = c.job_id AND o.set_n <> c.set_n)`,
    `ranked AS (
       SELECT *, row_number() OVER (PARTITION BY set_n ORDER BY priority DESC, created_at, job_id) AS rank FROM owned
     )`,
    `slices AS (
       SELECT l.n, s.first_n AS set_n, l.capacity,
              sum(l.capacity) OVER (PARTITION BY s.first_n ORDER BY l.n) - l.capacity AS lo
         FROM lim l JOIN sets s ON s.types = l.types AND s.idle = l.idle
        WHERE l.capacity > 0
     )`,
    `eligible AS (
       SELECT sl.n, r.job_id, r.execution_cluster, r.rank - sl.lo AS pos
         FROM slices sl JOIN ranked r ON r.set_n = sl.set_n AND r.rank > sl.lo AND r.rank <= sl.lo + sl.capacity
     )`,
    // As alone: a dedicated job only first in the executor's slice, and then alone.
    `chosen AS (
       SELECT e.n, e.job_id, q.executor, q.lease_ms, q.actor
         FROM eligible e JOIN req q ON q.n = e.n
        WHERE (e.pos = 1 AND e.execution_cluster = 'dedicated')
           OR (e.execution_cluster = 'shared'
               AND NOT EXISTS (SELECT 1 FROM eligible d WHERE d.n = e.n AND d.pos = 1 AND d.execution_cluster = 'dedicated'))
     )`,
  ];
  const text = transitionSql({
    actions: ['claim'], args: { executor: 'chosen.executor', leaseMs: 'chosen.lease_ms' },
    with: ctes, from: 'chosen', where: ['j.job_id = chosen.job_id'],
    returning: ['chosen.n AS req_n', 'chosen.actor AS req_actor'], actor: () => 'req_actor',
    select: `req.n AS req_n, lim.n IS NOT NULL AS registered, lim.registered_plane, lim.right_plane, lim.plane_visible,
             lim.in_pool, lim.capacity, EXISTS (SELECT 1 FROM slices sl JOIN lost x ON x.set_n = sl.set_n WHERE sl.n = lim.n) AS lost,
             ${jobColumns('upd')}`,
    tail: 'RIGHT JOIN lim ON lim.n = upd.req_n RIGHT JOIN req ON req.n = lim.n ORDER BY req.n, upd.priority DESC, upd.created_at, upd.job_id',
  });
  statements.set(typesGiven, text);
  return text;
}

function toJobOf(row: BatchRow) {
  const {
    req_n: _n, registered: _r, registered_plane: _p, right_plane: _rp, plane_visible: _v, in_pool: _i, capacity: _c, lost: _l, ...job
  } = row;
  return toJob(job);
}
