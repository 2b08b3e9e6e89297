import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import cliProgress from 'cli-progress';
import type { JobplaneClient } from '../client/client.js';
import { isTransient } from '../client/errors.js';
import type { Dataset, JsonObject, SnapshotRows } from '../client/types.js';
import { CliError } from './cli-errors.js';
import { formatCount } from './output.js';

export type ExportFormat = 'csv' | 'jsonl' | 'parquet';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['csv', 'jsonl', 'parquet'];

/** The rows endpoint's largest page. */
export const PAGE_ROWS = 1000;

export interface ExportRequest {
  dataset: Dataset;
  snapshotId: number;
  /** The snapshot's row_count: the export must end with exactly this many rows. */
  rowCount: number;
  format: ExportFormat;
  /** A file, or undefined for stdout (csv and jsonl only). */
  out: string | undefined;
  /** Pages requested at once (each is a job on the data plane). */
  parallel: number;
}

/**
 * Streams a whole snapshot out through the rows endpoint, page by page (the control plane never reads plane
 * storage: each page is read by the plane's operator), in order, with a progress bar on a terminal. Parquet is
 * written by DuckDB from the JSON lines received, typed by the dataset's schema. A file is written under a
 * temporary name and renamed at the end, so a failed export leaves no partial file behind.
 */
export async function exportSnapshot(client: JobplaneClient, req: ExportRequest): Promise<number> {
  if (req.format === 'parquet' && !req.out) throw new CliError('--format parquet needs --out FILE (Parquet is not written to stdout)');
  // Next to the target, so that the final rename stays on one file system.
  const work = await mkdtemp(path.join(req.out ? path.dirname(path.resolve(req.out)) : os.tmpdir(), '.jobplane-export-'));
  const bar = progressBar(req.rowCount);
  try {
    const textFile = path.join(work, req.format === 'csv' ? 'rows.csv' : 'rows.jsonl');
    const sink = req.out || req.format === 'parquet' ? createWriteStream(textFile) : undefined;
    const writeText = (text: string) => writeTo(sink ?? process.stdout, text);
    const csv = req.format === 'csv' ? new CsvRows(req.dataset.schema) : undefined;
    if (csv) await writeText(csv.header());
    let written = 0;
    for await (const page of pages(client, req)) {
      if (page.rows.length === 0) break;
      await writeText(page.rows.map((r) => (csv ? csv.line(r) : `${JSON.stringify(r)}\n`)).join(''));
      written += page.rows.length;
      bar?.update(written);
    }
    if (sink) {
      sink.end();
      await once(sink, 'close');
    }
    if (written !== req.rowCount) {
      throw new CliError(`the export got ${formatCount(written)} rows, but snapshot ${req.snapshotId} has ${formatCount(req.rowCount)}; ` +
        (req.out ? `${req.out} was not written` : 'the output is incomplete'));
    }
    if (req.format === 'parquet') await jsonlToParquet(textFile, path.join(work, 'rows.parquet'), req.dataset.schema);
    if (req.out) await rename(path.join(work, req.format === 'parquet' ? 'rows.parquet' : path.basename(textFile)), req.out);
    return written;
  } finally {
    bar?.stop();
    await rm(work, { recursive: true, force: true });
  }
}

/** The snapshot's pages in order, `parallel` requests in flight. */
async function* pages(client: JobplaneClient, req: ExportRequest): AsyncGenerator<SnapshotRows> {
  const offsets: number[] = [];
  for (let offset = 0; offset < req.rowCount; offset += PAGE_ROWS) offsets.push(offset);
  const fetchPage = (offset: number) => withRetries(() =>
    client.getSnapshotRows(req.dataset.id, req.snapshotId, { offset, limit: Math.min(PAGE_ROWS, req.rowCount - offset) }));
  const inFlight: Array<Promise<SnapshotRows>> = [];
  let next = 0;
  const fill = () => {
    while (inFlight.length < req.parallel && next < offsets.length) {
      const p = fetchPage(offsets[next++]!);
      p.catch(() => {}); // awaited in order below; this only keeps an early failure from being "unhandled"
      inFlight.push(p);
    }
  };
  fill();
  while (inFlight.length > 0) {
    const page = await inFlight.shift()!;
    fill();
    yield page;
  }
}

/**
 * A page asked again when the answer was transient: the server gives up waiting for its job after ~30 s with a 503
 * (the plane is busy), or restarts. Five tries, a few seconds apart; a 4xx ends the export at once.
 */
export async function withRetries<T>(call: () => Promise<T>, tries = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (attempt >= tries || !isTransient(err)) throw err;
      await new Promise((resolve) => setTimeout(resolve, 1000 * attempt));
    }
  }
}

function progressBar(total: number): cliProgress.SingleBar | undefined {
  if (!process.stderr.isTTY) return undefined;
  const bar = new cliProgress.SingleBar({
    stream: process.stderr, hideCursor: true,
    format: 'exporting {bar} {percentage}% | {value}/{total} rows | {eta_formatted} left',
    formatValue: (v, _o, type) => (type === 'value' || type === 'total' ? formatCount(v) : String(v)),
  }, cliProgress.Presets.shades_classic);
  bar.start(total, 0);
  return bar;
}

async function writeTo(stream: NodeJS.WritableStream | WriteStream, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

type SchemaNode = { type?: string; properties?: Record<string, SchemaNode>; items?: SchemaNode };

/**
 * CSV with one column per leaf attribute: nested objects are flattened into dotted names
 * (`geographic_location.latitude`), arrays are JSON text, null is an empty cell; RFC 4180 quoting.
 */
export class CsvRows {
  readonly #paths: string[][];

  constructor(schema: JsonObject) {
    this.#paths = leafPaths((schema as SchemaNode).properties ?? {});
  }

  header(): string {
    return `${this.#paths.map((p) => csvCell(p.join('.'))).join(',')}\n`;
  }

  line(row: JsonObject): string {
    return `${this.#paths.map((p) => csvCell(at(row, p))).join(',')}\n`;
  }
}

function leafPaths(properties: Record<string, SchemaNode>, prefix: string[] = []): string[][] {
  return Object.entries(properties).flatMap(([name, node]) =>
    node.type === 'object' && node.properties ? leafPaths(node.properties, [...prefix, name]) : [[...prefix, name]]);
}

function at(row: JsonObject, p: string[]): unknown {
  let v: unknown = row;
  for (const step of p) {
    if (v === null || typeof v !== 'object') return null;
    v = (v as Record<string, unknown>)[step];
  }
  return v;
}

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

/** DuckDB reads the JSON lines with the dataset's column types (nested structs included) and writes Parquet (zstd). */
async function jsonlToParquet(jsonl: string, parquet: string, schema: JsonObject): Promise<void> {
  const [{ DuckDBInstance }, { duckSqlType }] = await Promise.all([
    import('@duckdb/node-api'), import('../plane/engine/duckdb-types.js'),
  ]);
  const properties = (schema as { properties?: Record<string, Parameters<typeof duckSqlType>[0]> }).properties ?? {};
  const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;
  const columns = Object.entries(properties).map(([name, t]) => `${literal(name)}: ${literal(duckSqlType(t))}`).join(', ');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run(`COPY (SELECT * FROM read_json(${literal(jsonl)}, format = 'newline_delimited', columns = {${columns}}))
      TO ${literal(parquet)} (FORMAT parquet, COMPRESSION zstd)`);
  } finally {
    connection.disconnectSync();
    instance.closeSync();
  }
}
