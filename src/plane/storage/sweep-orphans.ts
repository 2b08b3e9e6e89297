/**
 * Deletes snapshot directories that no committed snapshot owns: files of attempts that crashed (SIGKILL
 * mid-write), were fenced out, or failed before their own cleanup ran.
 *
 * A directory is deleted only when isCommitted says no AND nothing in it changed for `olderThanMs`. The age
 * guard protects an attempt that is still running: its directory is not committed *yet*, and the attempt keeps
 * it young (`keepAttemptAlive`) even through phases that write nothing. Choose olderThanMs well above the job
 * lease, so that a dead attempt's job has been retried elsewhere long before its files qualify.
 *
 * Directories referenced by a later append snapshot were themselves committed, so they are kept; deleting
 * committed snapshots is retention's job, which must keep files still listed by a live manifest.
 */
import { readdir, rm, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { datasetsDir, parseId } from './snapshot-layout.js';

/**
 * Keeps a running attempt's directory young for the sweep: touches it every `intervalMs` until the returned stop
 * function is called. Needed because a long blocking phase (a join or aggregate before the first row reaches
 * COPY) writes nothing for minutes, and "untouched" is all the sweep can see of an attempt on a shared storage
 * root. Errors (the directory not created yet, or already deleted) are ignored.
 */
export function keepAttemptAlive(dir: string, intervalMs: number): () => void {
  const timer = setInterval(() => {
    const now = new Date();
    utimes(dir, now, now).catch(() => undefined);
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** How often a running attempt touches its directory, for a sweep that deletes after `orphanAgeMs` untouched. */
export function keepAliveIntervalFor(orphanAgeMs: number): number {
  return Math.max(50, Math.min(60_000, Math.floor(orphanAgeMs / 4)));
}

export type IsCommitted = (datasetId: number, snapshotId: number) => boolean | Promise<boolean>;

export interface SweepResult {
  /** Snapshot directories deleted. */
  deleted: string[];
  /** Uncommitted directories kept because they are younger than the threshold. */
  tooYoung: string[];
}

export async function sweepOrphans(
  root: string,
  isCommitted: IsCommitted,
  olderThanMs: number,
  now: number = Date.now(),
): Promise<SweepResult> {
  const result: SweepResult = { deleted: [], tooYoung: [] };
  for (const datasetName of await listDirs(datasetsDir(root))) {
    const datasetId = parseId(datasetName);
    if (datasetId === null) continue;
    const snapshots = path.join(datasetsDir(root), datasetName, 'snapshots');
    for (const snapshotName of await listDirs(snapshots)) {
      const snapshotId = parseId(snapshotName);
      if (snapshotId === null) continue;
      const dir = path.join(snapshots, snapshotName);
      if (await isCommitted(datasetId, snapshotId)) continue;
      if (now - (await lastChangeMs(dir)) < olderThanMs) {
        result.tooYoung.push(dir);
        continue;
      }
      await rm(dir, { recursive: true, force: true });
      result.deleted.push(dir);
    }
  }
  return result;
}

async function listDirs(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory()).map((e) => e.name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** Newest mtime of the directory and its files: a file still being written keeps the attempt young. */
export async function lastChangeMs(dir: string): Promise<number> {
  let newest = (await stat(dir)).mtimeMs;
  for (const entry of await readdir(dir)) {
    try {
      newest = Math.max(newest, (await stat(path.join(dir, entry))).mtimeMs);
    } catch {
      // Vanished between readdir and stat: someone else is cleaning up; the directory mtime is enough.
    }
  }
  return newest;
}
