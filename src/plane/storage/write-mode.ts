/**
 * The manifest of a new snapshot under a dataset's write_mode.
 *
 * append:    previous snapshot's files + the files just written. Earlier files are reused by reference (their
 *            paths in other snapshot directories), never copied: appending 1 row to a 1 TB dataset writes 1 row.
 * overwrite: the files just written only. The previous snapshot stays intact for readers bound to it until
 *            retention removes it.
 */
import type { SnapshotFile, WrittenSnapshot } from './write-snapshot.js';

export type WriteMode = 'append' | 'overwrite';

export interface SnapshotManifest {
  files: SnapshotFile[];
  rowCount: number;
  bytes: number;
}

export function manifestFor(
  mode: WriteMode,
  previous: SnapshotManifest | null,
  written: WrittenSnapshot,
): SnapshotManifest {
  const files = mode === 'append' && previous ? [...previous.files, ...written.files] : [...written.files];
  return {
    files,
    rowCount: files.reduce((sum, f) => sum + f.rows, 0),
    bytes: files.reduce((sum, f) => sum + f.bytes, 0),
  };
}
