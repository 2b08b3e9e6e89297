/**
 * Receives file uploads into a staging directory, streamed to disk (never held in memory) and size-limited:
 * - a raw request body: one file, its format from `?format=` or the Content-Type;
 * - `multipart/form-data`: one or more file parts, each named by its filename (whose extension gives the format
 *   unless `?format=` is given).
 * Over the limit, the request fails with 413 and the caller deletes the staging directory.
 */
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyRequest } from 'fastify';
import { DomainError } from '../core/errors.js';
import { formatFromPath, type ImportFormat } from '../core/import-formats.js';
import type { StagedFile } from './dataset-importer.js';

const FORMAT_BY_CONTENT_TYPE: Record<string, ImportFormat> = {
  'text/csv': 'csv',
  'text/tab-separated-values': 'csv',
  'application/x-ndjson': 'jsonl',
  'application/jsonl': 'jsonl',
  'application/x-jsonlines': 'jsonl',
  'application/vnd.apache.parquet': 'parquet',
  'application/x-parquet': 'parquet',
};

/** A raw upload's format, and the file extension that tells the reader its dialect (tab-separated CSV: `.tsv`). */
export interface RawUploadKind {
  format: ImportFormat;
  extension: string;
}

/** The format of a raw upload: `?format=` wins, else a known Content-Type; nothing else is guessed. */
export function rawUploadFormat(request: FastifyRequest, given: ImportFormat | undefined): RawUploadKind {
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const byType = FORMAT_BY_CONTENT_TYPE[type];
  const format = given ?? byType;
  if (format) {
    const tabs = format === 'csv' && type === 'text/tab-separated-values';
    return { format, extension: tabs ? '.tsv' : `.${format}` };
  }
  throw new DomainError('validation_failed', 'say what the body holds: ?format=csv|jsonl|parquet (or a Content-Type such as text/csv)', {
    errors: [{ in: 'query', pointer: '/format', message: 'is required for this Content-Type' }],
  });
}

/** Streams the raw body into `<dir>/upload<extension>`. */
export async function receiveRawUpload(request: FastifyRequest, dir: string, kind: RawUploadKind, limitBytes: number): Promise<StagedFile[]> {
  checkDeclaredLength(request, limitBytes);
  const file = path.join(dir, `upload${kind.extension}`);
  const limit = new ByteLimit(limitBytes);
  await pipeline(request.raw, limit, createWriteStream(file));
  if (limit.bytes === 0) throw emptyUpload('the request body is empty: send the file as the body');
  return [{ path: file, name: 'request body' }];
}

/** Streams every file part of a multipart body into `<dir>/<n>-<its filename>`, `limitBytes` in all. */
export async function receiveMultipartUpload(request: FastifyRequest, dir: string, limitBytes: number): Promise<StagedFile[]> {
  checkDeclaredLength(request, limitBytes);
  const staged: StagedFile[] = [];
  const limit = new ByteLimit(limitBytes);
  for await (const part of request.files()) {
    const name = part.filename || `file ${staged.length + 1}`;
    // Keep the client's extension chain (.tsv, .csv.gz): it selects the reader. The rest of the name is replaced
    // so that nothing a client sends can steer the path.
    const extension = extensionChain(name);
    const file = path.join(dir, `${staged.length}${extension}`);
    await pipeline(part.file as Readable, limit.shared(), createWriteStream(file));
    staged.push({ path: file, name });
  }
  if (staged.length === 0) throw emptyUpload('the multipart body has no file part');
  if (limit.bytes === 0) throw emptyUpload('the uploaded files are empty');
  return staged;
}

/** `.csv`, `.tsv.gz`, `.parquet` ... of a client file name; '' when it has none we could read. */
function extensionChain(name: string): string {
  const base = path.basename(name).toLowerCase();
  const match = /(\.[a-z0-9]{1,10}(?:\.(?:gz|zst))?)$/u.exec(base);
  const chain = match?.[1] ?? '';
  return formatFromPath(`x${chain}`) ? chain : '';
}

function checkDeclaredLength(request: FastifyRequest, limitBytes: number): void {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) throw tooLarge(limitBytes);
}

const tooLarge = (limitBytes: number) =>
  new DomainError('payload_too_large', `the upload is larger than this server accepts (${limitBytes} bytes, JOBPLANE_IMPORT_LIMIT)`);

const emptyUpload = (message: string) =>
  new DomainError('validation_failed', message, { errors: [{ in: 'body', pointer: '/', message: 'is empty' }] });

/** Counts bytes through it and fails the stream past the limit; `shared()` gives passes that add to one count. */
class ByteLimit extends Transform {
  bytes = 0;
  constructor(private readonly limitBytes: number, private readonly parent?: ByteLimit) {
    super();
  }

  shared(): ByteLimit {
    return new ByteLimit(this.limitBytes, this);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null, data?: Buffer) => void): void {
    const counter = this.parent ?? this;
    counter.bytes += chunk.length;
    if (counter.bytes > this.limitBytes) callback(tooLarge(this.limitBytes));
    else callback(null, chunk);
  }
}
