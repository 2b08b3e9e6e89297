import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { isApiError } from '../../client/errors.js';
import type { ImportFormat } from '../../client/types.js';
import { resolveFormat } from '../../plane/import/import-format.js';
import { apiFrom, withApiOptions, type ApiFlags } from '../api-target.js';
import { formatBytes } from '../output.js';
import { oneOf } from '../parse.js';
import { localFiles, multipartUpload, type LocalFile } from '../file-upload.js';
import { registerDatasetViews } from './dataset-views.js';

interface ImportFlags extends ApiFlags {
  dataset?: number;
  create?: string;
  format?: ImportFormat;
  displayName?: string;
  description?: string;
  writeMode?: 'append' | 'overwrite';
}

/** An upload runs as long as its files need; the per-request timeout is for API calls, not for this. */
const UPLOAD_TIMEOUT_MS = 24 * 3_600_000;

function datasetId(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--dataset must be a dataset id, got "${text}"`);
  return n;
}

export function registerDataset(program: Command): void {
  const dataset = program.command('dataset').description('datasets: list, show, read their rows, export, load files into them');
  registerDatasetViews(dataset);
  withApiOptions(dataset
    .command('import <files...>')
    .description('load CSV, JSON-lines or Parquet files into a new snapshot of a dataset (or of a new dataset); prints the snapshot')
    .option('--dataset <id>', 'append to (or overwrite, per its write mode) this dataset; the files must match its schema', datasetId)
    .option('--create <name>', 'create a dataset of this name, its schema inferred from the files')
    .option('--format <format>', 'csv, jsonl or parquet (default: from the file extensions)', oneOf('--format', ['csv', 'jsonl', 'parquet'] as const))
    .option('--display-name <text>', 'with --create: the display name')
    .option('--description <text>', 'with --create: a description')
    .option('--write-mode <mode>', 'with --create: append (default) or overwrite', oneOf('--write-mode', ['append', 'overwrite'] as const)))
    .action(async (paths: string[], o: ImportFlags) => {
      if ((o.dataset === undefined) === (o.create === undefined)) throw new Error('say where the rows go: --dataset ID or --create NAME (one of them)');
      if (o.dataset !== undefined && (o.displayName || o.description || o.writeMode)) {
        throw new Error('--display-name, --description and --write-mode go with --create');
      }
      const format = resolveFormat(paths, o.format); // refuse a mix of formats or an unknown extension before uploading
      const files = await localFiles(paths);
      const { client } = await apiFrom(o);
      const progress = new UploadProgress(files);
      const upload = multipartUpload(files, (n) => progress.add(n));
      const call = { timeoutMs: UPLOAD_TIMEOUT_MS };
      try {
        const out = o.dataset !== undefined
          ? await client.importIntoDataset(o.dataset, upload, o.format ? { format } : {}, call)
          : await client.createDatasetFromFiles({
            name: o.create!, ...(o.format ? { format } : {}),
            ...(o.displayName ? { display_name: o.displayName } : {}), ...(o.description ? { description: o.description } : {}),
            ...(o.writeMode ? { write_mode: o.writeMode } : {}),
          }, upload, call);
        progress.done();
        // As the server answered after the commit: the dataset (with --create) and its new snapshot.
        process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      } catch (err) {
        progress.done();
        if (isApiError(err) && err.status === 400 && Array.isArray(err.problem.errors) && err.problem.errors.length > 0) {
          // Compiler-style lines (`file:line: column "x": error: ...`), which editors and CI annotate.
          process.stderr.write(`${err.problem.errors.map(describeFileError).join('\n')}\n`);
          process.exitCode = 1;
          return;
        }
        throw err;
      }
    });
}

/** `file:line: column "x": message`, the shape compilers and linters use. */
function describeFileError(e: { file?: string; line?: number; column?: number | string; message: string }): string {
  const where = [e.file ?? 'upload', e.line === undefined ? undefined : String(e.line)].filter(Boolean).join(':');
  const column = typeof e.column === 'string' ? ` column ${JSON.stringify(e.column)}:` : '';
  return `${where}:${column} error: ${e.message}`;
}


/** A progress bar of bytes sent on a terminal; on anything else, silence (stdout carries the result). */
class UploadProgress {
  readonly #bar: cliProgress.SingleBar | undefined;
  #sent = 0;
  #converting = false;

  constructor(files: readonly LocalFile[]) {
    if (!process.stderr.isTTY) return;
    const total = files.reduce((sum, f) => sum + f.bytes, 0);
    this.#bar = new cliProgress.SingleBar({
      stream: process.stderr, format: 'uploading {bar} {percentage}% | {sent} of {size} | {eta_formatted} left', hideCursor: true,
    }, cliProgress.Presets.shades_classic);
    this.#bar.start(total, 0, { sent: formatBytes(0), size: formatBytes(total) });
  }

  add(bytes: number): void {
    if (!this.#bar) return;
    this.#sent += bytes;
    this.#bar.update(this.#sent, { sent: formatBytes(this.#sent) });
    if (this.#sent >= this.#bar.getTotal() && !this.#converting) {
      this.#converting = true;
      this.#bar.stop();
      process.stderr.write('uploaded; the server is converting the files to Parquet...\n');
    }
  }

  done(): void {
    if (this.#bar && !this.#converting) this.#bar.stop();
  }
}

