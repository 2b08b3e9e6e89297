import { mkdir, open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';

/**
 * PGlite keeps its files for one process. `jobplane.lock` in the data dir holds the owner's pid and, for a server,
 * the URL of its local admin socket, so that a second `serve` refuses cleanly and the CLI can reach the running one.
 */
export interface LockInfo {
  pid: number;
  kind: 'serve' | 'cli';
  url?: string;
  adminSocket?: string;
  started_at: string;
}

export const lockPath = (dataDir: string) => path.join(dataDir, 'jobplane.lock');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The live owner of the data dir, if any (a lock left by a dead process is stale and ignored). */
export async function readLock(dataDir: string): Promise<LockInfo | undefined> {
  try {
    const info = JSON.parse(await readFile(lockPath(dataDir), 'utf8')) as LockInfo;
    return alive(info.pid) ? info : undefined;
  } catch {
    return undefined;
  }
}

export class DataDirInUse extends Error {
  constructor(readonly owner: LockInfo, dataDir: string) {
    super(
      `the data dir ${dataDir} is in use by ${owner.kind === 'serve' ? 'jobplane serve' : 'another jobplane command'} ` +
        `(pid ${owner.pid}${owner.url ? `, ${owner.url}` : ''}); stop it or pass another --data-dir`,
    );
  }
}

/** Takes the lock or throws DataDirInUse. Returns a release function. */
export async function acquireLock(dataDir: string, info: Omit<LockInfo, 'pid' | 'started_at'>): Promise<() => Promise<void>> {
  await mkdir(dataDir, { recursive: true });
  const file = lockPath(dataDir);
  const content: LockInfo = { ...info, pid: process.pid, started_at: new Date().toISOString() };
  for (let tries = 0; tries < 3; tries++) {
    try {
      const handle = await open(file, 'wx', 0o600);
      await handle.writeFile(JSON.stringify(content));
      await handle.close();
      return async () => {
        const current = await readLock(dataDir);
        if (current?.pid === process.pid) await rm(file, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = await readLock(dataDir);
      if (owner) throw new DataDirInUse(owner, dataDir);
      await rm(file, { force: true }); // stale: its process is gone
    }
  }
  throw new Error(`could not take the lock ${file}`);
}

/** Rewrites the lock's content (e.g. to add the URL once the server listens). */
export async function updateLock(dataDir: string, info: Omit<LockInfo, 'pid' | 'started_at'>): Promise<void> {
  const { writeFile } = await import('node:fs/promises');
  const content: LockInfo = { ...info, pid: process.pid, started_at: new Date().toISOString() };
  await writeFile(lockPath(dataDir), JSON.stringify(content), { mode: 0o600 });
}
