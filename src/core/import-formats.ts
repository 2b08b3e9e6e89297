import path from 'node:path';

/** The file formats a dataset import reads (the API's `?format=`, the CLI, the plane's reader). */
export const IMPORT_FORMATS = ['csv', 'jsonl', 'parquet'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

const FORMAT_BY_EXTENSION: Record<string, ImportFormat> = {
  '.csv': 'csv',
  '.tsv': 'csv',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.json': 'jsonl',
  '.parquet': 'parquet',
  '.pq': 'parquet',
};

/** The format named by a file's extension (ignoring a trailing .gz/.zst), or null. */
export function formatFromPath(file: string): ImportFormat | null {
  const base = path.basename(file).toLowerCase().replace(/\.(gz|zst)$/u, '');
  return FORMAT_BY_EXTENSION[path.extname(base)] ?? null;
}
