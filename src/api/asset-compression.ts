import { promisify } from 'node:util';
import { brotliCompress, gzip, constants as zlib } from 'node:zlib';

/**
 * How the dashboard's files are compressed, for both sides that do it: the build writes `<file>.br` and `<file>.gz`
 * (ui/vite.config.ts) and the server sends those, or compresses a file that has none on its first request
 * (src/api/routes/ui.ts). Text only, and not the smallest files, which a header would outweigh.
 */
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json', '.txt', '.map', '.webmanifest']);
const MIN_BYTES = 1024;

/** Whether a file (by its extension, lower case with the dot, and its size) is worth sending compressed. */
export function isCompressible(ext: string, bytes: number): boolean {
  return COMPRESSIBLE.has(ext) && bytes > MIN_BYTES;
}

const brotliAsync = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/** Brotli at its best quality (about half a second of CPU for the app's scripts), on the thread pool. */
export function brotliBest(body: Buffer): Promise<Buffer> {
  return brotliAsync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length } });
}

/** Gzip at its best level, on the thread pool. */
export function gzipBest(body: Buffer): Promise<Buffer> {
  return gzipAsync(body, { level: 9 });
}
