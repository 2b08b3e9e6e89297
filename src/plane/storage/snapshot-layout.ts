/**
 * Where snapshots live on disk:
 *
 *   <root>/datasets/<dataset_id>/snapshots/<snapshot_id>/part-<n>.parquet
 *
 * A snapshot directory is written once, by one attempt, and never modified; the control plane's manifest
 * (committed together with the job's completion) is what makes it visible. An append snapshot's manifest also
 * lists files of earlier snapshot directories by path, so a directory may be referenced by later snapshots and
 * must only be deleted when no committed manifest lists it (see sweep-orphans.ts).
 */
import { randomInt } from 'node:crypto';
import path from 'node:path';

/** 2^53: snapshot ids stay below it so JSON clients never round them (DESIGN.md section 2). */
const SNAPSHOT_ID_LIMIT = 2 ** 53;

/** A random snapshot id in [1, 2^53). crypto.randomInt caps at 2^48, so we combine two draws. */
export function newSnapshotId(): number {
  for (;;) {
    const high = randomInt(0, 2 ** 26); // 26 bits
    const low = randomInt(0, 2 ** 27); // 27 bits
    const id = high * 2 ** 27 + low;
    if (id >= 1 && id < SNAPSHOT_ID_LIMIT) return id;
  }
}

export function datasetsDir(root: string): string {
  return path.join(path.resolve(root), 'datasets');
}

export function snapshotsDir(root: string, datasetId: number): string {
  return path.join(datasetsDir(root), String(checkId('dataset', datasetId)), 'snapshots');
}

export function snapshotDir(root: string, datasetId: number, snapshotId: number): string {
  return path.join(snapshotsDir(root, datasetId), String(checkId('snapshot', snapshotId)));
}

/** Name of the n-th file of a snapshot; DuckDB's COPY writes the same names via FILENAME_PATTERN 'part-{i}'. */
export function partFileName(n: number): string {
  return `part-${n}.parquet`;
}

/** Parses a directory name back into an id; null for anything that is not one of ours. */
export function parseId(name: string): number | null {
  if (!/^[1-9][0-9]{0,15}$/u.test(name)) return null;
  const id = Number(name);
  return Number.isSafeInteger(id) ? id : null;
}

function checkId(what: string, id: number): number {
  if (!Number.isSafeInteger(id) || id <= 0) throw new Error(`invalid ${what} id: ${id}`);
  return id;
}
