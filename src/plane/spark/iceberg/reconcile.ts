/**
 * Makes an Iceberg table's current state agree with the control plane, which is the source of truth: a snapshot is
 * the table's current one if and only if the control plane committed it (its job completed).
 *
 * The operator commits a run's snapshot in the control plane first (with the job's completion, fenced by the
 * lease) and publishes it in Iceberg afterwards. A crash in between leaves a committed but unpublished snapshot;
 * the next reconcile of that table (before any job reads or writes it, and right after every completion) rolls it
 * forward. Staged snapshots the control plane never committed (failed, cancelled, fenced-out or crashed attempts)
 * are never published; once older than `orphanAgeMs` (well above a lease, so a live attempt is never touched) and
 * confirmed unknown to the control plane they are expired, with the data files only they referenced.
 *
 * | control plane's latest L | Iceberg | action |
 * |---|---|---|
 * | L | current is L | nothing |
 * | L | L staged, its chain of parents reaches current | cherry-pick the chain, oldest first (fast-forwards) |
 * | L | L is an ancestor of current (the control plane went back, e.g. restored) | roll back to L |
 * | none | no current snapshot | nothing |
 * | otherwise | | SparkError 'execution' naming both sides: an operator must look |
 */
import type { Logger } from 'pino';
import { SparkError } from '../spark-errors.js';
import type { IcebergSnapshot, IcebergTable } from './iceberg-table.js';
import { matchesJobplaneId, jobplaneSnapshotId } from './snapshot-ids.js';

/** WAP ids jobplane gives its staged writes: `jobplane-<job_id>-<attempt>`. */
export const WAP_PREFIX = 'jobplane-';
export const wapIdFor = (jobId: string, attempt: number) => `${WAP_PREFIX}${jobId}-${attempt}`;

export interface ReconcileOptions {
  /** The control plane's latest committed snapshot of the dataset (jobplane id), or null. */
  latestSnapshotId: number | null;
  /**
   * Whether the control plane has committed a snapshot (jobplane id): true, false, or undefined when it could not
   * be asked (then nothing is expired).
   */
  isCommitted?: ((snapshotId: number) => Promise<boolean | undefined>) | undefined;
  /** Staged snapshots younger than this are left alone (default: never expire). */
  orphanAgeMs?: number | undefined;
  now?: number | undefined;
  signal?: AbortSignal | undefined;
  log?: Logger | undefined;
  /**
   * The table's current snapshot (Iceberg id, or null for none) as the caller has just read it from the table
   * itself (IcebergTable.ensure's SHOW TBLPROPERTIES, see `currentOf`); undefined: read it here.
   */
  current?: string | null | undefined;
  /** Snapshots the caller knows to be in the table (the one its job staged), with their parents. */
  known?: readonly IcebergSnapshot[] | undefined;
}

export interface ReconcileResult {
  /** The current snapshot after reconciling (Iceberg id), or null. */
  current: string | null;
  published: string[];
  expired: string[];
}

/**
 * What a reconcile reads, cheapest first. The table's current snapshot comes from its properties (SHOW
 * TBLPROPERTIES: a command on the driver, no Spark job), and is enough when it already is the control plane's
 * latest L (or there is none on either side): nothing to publish, nothing to roll back. This is a fresh read of the
 * table each time, never a cache, so it is right whatever another operator, a restart or a hand did to the table
 * since: any disagreement takes the full path, which lists the snapshots (one Spark job) and decides by the table
 * above. `opts.current` passes a current snapshot the caller has just read the same way (IcebergTable.ensure).
 * `opts.known` names snapshots the caller knows to be in the table (the one its job just staged): when L is one
 * of them and its parent is current, it is published without listing the others (the publish after a completion).
 * The orphan sweep needs the full list; it runs here when asked for (orphanAgeMs and isCommitted), and otherwise
 * the caller runs `orphanCandidates`/`expireOrphans` on a list it reads anyway (materialize.ts, after its write).
 */
export async function reconcileTable(table: IcebergTable, opts: ReconcileOptions): Promise<ReconcileResult> {
  const { signal } = opts;
  const published: string[] = [];
  let current = opts.current !== undefined ? opts.current : await table.currentSnapshotId(signal);
  const latest = opts.latestSnapshotId;
  const sweep = opts.orphanAgeMs !== undefined && opts.isCommitted !== undefined;
  const agree = latest === null ? current === null : current !== null && matchesJobplaneId(current, latest);
  if (agree && !sweep) return { current, published, expired: [] };

  const known = latest === null ? undefined : opts.known?.find((s) => matchesJobplaneId(s.snapshotId, latest));
  if (!agree && !sweep && known && known.parentId === current) {
    await publish(table, known.snapshotId, signal);
    opts.log?.info({ table: table.name, iceberg_snapshot_id: known.snapshotId, snapshot_id: jobplaneSnapshotId(known.snapshotId) }, 'snapshot published');
    return { current: known.snapshotId, published: [known.snapshotId], expired: [] };
  }

  const snapshots = await table.snapshots(signal);
  const byId = new Map(snapshots.map((s) => [s.snapshotId, s]));
  if (latest === null) {
    if (current !== null) {
      throw new SparkError(`${table.name} has a current snapshot (${current}) but the control plane has no snapshot of dataset ${table.datasetId}`, 'execution');
    }
  } else {
    const target = snapshots.find((s) => matchesJobplaneId(s.snapshotId, latest));
    if (!target) {
      throw new SparkError(`snapshot ${latest} of dataset ${table.datasetId} (committed in the control plane) is not in ${table.name}`, 'execution');
    }
    if (target.snapshotId !== current) {
      if (ancestorsOf(current, byId).has(target.snapshotId)) {
        opts.log?.warn({ table: table.name, from: current, to: target.snapshotId }, 'Iceberg is ahead of the control plane: rolling back');
        await table.rollbackTo(target.snapshotId, signal);
      } else {
        const chain = chainTo(target, current, byId);
        if (!chain) {
          throw new SparkError(`${table.name}: the control plane's latest snapshot ${latest} (Iceberg ${target.snapshotId}) does not descend from the current snapshot ${current ?? 'none'}`, 'execution');
        }
        for (const s of chain) {
          await publish(table, s.snapshotId, signal);
          published.push(s.snapshotId);
          opts.log?.info({ table: table.name, iceberg_snapshot_id: s.snapshotId, snapshot_id: jobplaneSnapshotId(s.snapshotId) }, 'snapshot published');
        }
      }
      current = target.snapshotId;
    }
  }

  const expired = sweep ? await expireOrphans(table, orphanCandidates(snapshots, current, opts.orphanAgeMs!, opts.now), opts) : [];
  return { current, published, expired };
}

/** Cherry-picks a staged snapshot; if a concurrent reconcile published it first, that is success too. */
async function publish(table: IcebergTable, snapshotId: string, signal?: AbortSignal): Promise<void> {
  try {
    await table.cherrypick(snapshotId, signal);
  } catch (err) {
    const state = await table.state(signal);
    const now = state.current;
    const byId = new Map(state.snapshots.map((s) => [s.snapshotId, s]));
    if (now === snapshotId || ancestorsOf(now, byId).has(snapshotId)) return;
    throw err;
  }
}

/**
 * Staged jobplane snapshots that are no ancestor of current and older than `orphanAgeMs`: the ones an orphan sweep
 * asks the control plane about. `snapshots` is a full listing of the table, `current` its current snapshot when
 * (or before) it was listed. A current snapshot read a little earlier than the listing only ever widens what is
 * asked about, and only a snapshot the control plane confirms it never committed is expired (expireOrphans).
 */
export function orphanCandidates(snapshots: readonly IcebergSnapshot[], current: string | null, orphanAgeMs: number, now = Date.now()): IcebergSnapshot[] {
  const byId = new Map(snapshots.map((s) => [s.snapshotId, s]));
  const live = ancestorsOf(current, byId);
  if (current) live.add(current);
  return snapshots.filter((s) => !live.has(s.snapshotId) && (s.summary['wap.id'] ?? '').startsWith(WAP_PREFIX)
    && now - s.committedAtMs > orphanAgeMs);
}

/** Expires those of `candidates` the control plane says it never committed (false, not undefined: an outage keeps them). */
export async function expireOrphans(
  table: IcebergTable, candidates: readonly IcebergSnapshot[],
  opts: { isCommitted?: ReconcileOptions['isCommitted']; signal?: AbortSignal | undefined; log?: Logger | undefined },
): Promise<string[]> {
  if (!opts.isCommitted || candidates.length === 0) return [];
  const garbage: string[] = [];
  for (const s of candidates) {
    if ((await opts.isCommitted(jobplaneSnapshotId(s.snapshotId))) === false) garbage.push(s.snapshotId);
  }
  if (garbage.length > 0) {
    await table.expire(garbage, opts.signal);
    opts.log?.info({ table: table.name, expired: garbage }, 'expired staged snapshots of attempts that never completed');
  }
  return garbage;
}

export function ancestorsOf(id: string | null, byId: Map<string, IcebergSnapshot>): Set<string> {
  const out = new Set<string>();
  let at = id === null ? undefined : byId.get(id)?.parentId ?? undefined;
  while (at) {
    out.add(at);
    at = byId.get(at)?.parentId ?? undefined;
  }
  return out;
}

/** target and its parents up to (excluding) `current`, oldest first; null when the chain never reaches current. */
function chainTo(target: IcebergSnapshot, current: string | null, byId: Map<string, IcebergSnapshot>): IcebergSnapshot[] | null {
  const chain: IcebergSnapshot[] = [];
  let at: IcebergSnapshot | undefined = target;
  while (at) {
    chain.unshift(at);
    if (at.parentId === current) return chain;
    if (at.parentId === null) return null;
    at = byId.get(at.parentId);
  }
  return null;
}
