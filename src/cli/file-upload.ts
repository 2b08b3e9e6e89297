import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';
import type { UploadBody } from '../client/index.js';

export interface LocalFile {
  path: string;
  bytes: number;
}

/** The files to upload, with their sizes; a missing or unreadable one is named before anything is sent. */
export async function localFiles(paths: readonly string[]): Promise<LocalFile[]> {
  return Promise.all(paths.map(async (p) => {
    const info = await stat(p).catch(() => undefined);
    if (!info?.isFile()) throw new Error(`${p}: no such file`);
    return { path: p, bytes: info.size };
  }));
}

/**
 * A `multipart/form-data` body of the files, streamed from disk as the server reads it (never in memory), one
 * `file` part per file named by its base name (the server reads the format from its extension). `onBytes` is told
 * of every chunk handed to the connection: the upload's progress.
 */
export function multipartUpload(files: readonly LocalFile[], onBytes: (bytes: number) => void = () => {}): UploadBody {
  const boundary = `jobplane-${randomUUID()}`;
  async function* chunks(): AsyncGenerator<Buffer> {
    for (const file of files) {
      yield Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${headerSafe(path.basename(file.path))}"\r\n` +
          'Content-Type: application/octet-stream\r\n\r\n',
      );
      for await (const chunk of createReadStream(file.path, { highWaterMark: 1024 * 1024 })) {
        onBytes((chunk as Buffer).length);
        yield chunk as Buffer;
      }
      yield Buffer.from('\r\n');
    }
    yield Buffer.from(`--${boundary}--\r\n`);
  }
  const body = Readable.toWeb(Readable.from(chunks())) as ReadableStream<Uint8Array>;
  return { body: body as unknown as UploadBody['body'], contentType: `multipart/form-data; boundary=${boundary}` };
}

/** A filename inside a quoted header parameter: no quotes, backslashes or line breaks. */
function headerSafe(name: string): string {
  return name.replace(/["\\\r\n]/gu, '_');
}
