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
}

export interface ReconcileResult {
  /** The current snapshot after reconciling (Iceberg id), or null. */
  current: string | null;
  published: string[];
  expired: string[];
}

export async function reconcileTable(table: IcebergTable, opts: ReconcileOptions): Promise<ReconcileResult> {
  const { signal } = opts;
  const published: string[] = [];
  let { snapshots, current } = await table.state(signal);
  const byId = new Map(snapshots.map((s) => [s.snapshotId, s]));
  const latest = opts.latestSnapshotId;

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

  const expired = await expireOrphans(table, snapshots, current, opts);
  if (expired.length > 0) snapshots = snapshots.filter((s) => !expired.includes(s.snapshotId));
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

/** Staged jobplane snapshots that are no ancestor of current, old enough, and unknown to the control plane. */
async function expireOrphans(table: IcebergTable, snapshots: IcebergSnapshot[], current: string | null, opts: ReconcileOptions): Promise<string[]> {
  if (opts.orphanAgeMs === undefined || !opts.isCommitted) return [];
  const now = opts.now ?? Date.now();
  const byId = new Map(snapshots.map((s) => [s.snapshotId, s]));
  const live = ancestorsOf(current, byId);
  if (current) live.add(current);
  const candidates = snapshots.filter((s) => !live.has(s.snapshotId) && (s.summary['wap.id'] ?? '').startsWith(WAP_PREFIX)
    && now - s.committedAtMs > opts.orphanAgeMs!);
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
