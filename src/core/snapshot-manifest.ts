/**
 * The manifest of a new snapshot under a dataset's write_mode.
 *
 * append:    previous snapshot's files + the files just written. Earlier files are reused by reference (their
 *            paths in other snapshot directories), never copied: appending 1 row to a 1 TB dataset writes 1 row.
 * overwrite: the files just written only. The previous snapshot stays intact for readers bound to it until
 *            retention removes it.
 */
export type WriteMode = 'append' | 'overwrite';

export interface ManifestFile {
  path: string;
  rows: number;
  bytes: number;
}

export interface SnapshotManifest<F extends ManifestFile = ManifestFile> {
  files: F[];
  rowCount: number;
  bytes: number;
}

export function manifestFor<F extends ManifestFile>(
  mode: WriteMode,
  previous: SnapshotManifest<F> | null,
  written: SnapshotManifest<F>,
): SnapshotManifest<F> {
  const files = mode === 'append' && previous ? [...previous.files, ...written.files] : [...written.files];
  return {
    files,
    rowCount: files.reduce((sum, f) => sum + f.rows, 0),
    bytes: files.reduce((sum, f) => sum + f.bytes, 0),
  };
}
