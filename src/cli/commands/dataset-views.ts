import type { Command } from 'commander';
import type { JobplaneClient } from '../../client/client.js';
import type { Dataset, JsonObject, Snapshot } from '../../client/types.js';
import { apiFrom, withApiOptions, type ApiFlags } from '../api-target.js';
import { CliError } from '../cli-errors.js';
import { EXPORT_FORMATS, exportSnapshot, withRetries, type ExportFormat } from '../dataset-export.js';
import { age, details, emit, formatBytes, formatCount, plain, table, write, type OutputFlags } from '../output.js';
import { datasetIdArg, intBetween, nonNegativeInt, oneOf, positiveInt } from '../parse.js';

type Flags = ApiFlags & OutputFlags;

const output = (c: Command) => c
  .option('--json', 'print the API\'s JSON')
  .option('--field <path>', 'print one field of the JSON, e.g. latest_snapshot_id');

/** `--snapshot S`, else the dataset's latest snapshot (an error when it has none yet). */
async function snapshotOf(client: JobplaneClient, datasetId: number, requested: number | undefined): Promise<{ dataset: Dataset; snapshot: Snapshot }> {
  const dataset = await client.getDataset(datasetId);
  const id = requested ?? dataset.latest_snapshot_id;
  if (id === null || id === undefined) {
    throw new CliError(`dataset ${datasetId} has no snapshot yet${dataset.status === 'pending' ? ' (its materialized view has not completed)' : ''}`);
  }
  return { dataset, snapshot: await client.getSnapshot(datasetId, id) };
}

/** `[path, type]` of every attribute of a Narrative schema, nested ones as dotted paths under their object. */
export function schemaRows(schema: JsonObject, prefix = ''): Array<[string, string]> {
  const props = (schema as { properties?: Record<string, JsonObject> }).properties ?? {};
  return Object.entries(props).flatMap(([name, t]): Array<[string, string]> => {
    const type = String(t['type']);
    if (type === 'object') return [[`${prefix}${name}`, 'object'], ...schemaRows(t, `${prefix}${name}.`)];
    if (type === 'array') return [[`${prefix}${name}`, `array of ${String((t['items'] as JsonObject | undefined)?.['type'] ?? '?')}`]];
    return [[`${prefix}${name}`, type]];
  });
}

/** A cell of a row table: scalars as they are, nested values as compact JSON. */
const cell = (v: unknown) => (v === null || v === undefined ? 'null' : plain(v));

export function registerDatasetViews(dataset: Command): void {
  output(withApiOptions(dataset.command('list').description('list the company\'s datasets')))
    .option('--limit <n>', 'datasets per page (1-500, default 50)', intBetween('--limit', 1, 500))
    .option('--page <n>', 'page number', positiveInt('--page'))
    .action(async (o: Flags & { limit?: number; page?: number }) => {
      const { client } = await apiFrom(o);
      const page = await client.listDatasets({ per_page: o.limit ?? 50, page: o.page });
      emit(page, o, () => page.records.length === 0 ? 'no datasets' : table(
        ['id', 'name', 'status', 'latest snapshot', 'snapshot age', 'plane'],
        page.records.map((d) => [d.id, d.name, d.status, d.latest_snapshot_id, age(d.last_snapshot_created_at), d.data_plane_id]),
      ));
    });

  output(withApiOptions(dataset.command('get <dataset-id>').description('show a dataset and its schema')))
    .action(async (idText: string, o: Flags) => {
      const { client } = await apiFrom(o);
      const d = await client.getDataset(datasetIdArg(idText));
      emit(d, o, () => [details([
        ['id', d.id], ['name', d.name], ['display name', d.display_name], ['description', d.description ?? undefined],
        ['status', d.status], ['write mode', d.write_mode], ['data plane', d.data_plane_id],
        ['latest snapshot', d.latest_snapshot_id], ['last snapshot at', d.last_snapshot_created_at],
        ['created', d.created_at], ['view', d.materialized_view_config ? d.materialized_view_config.nql.replace(/\s+/g, ' ').slice(0, 120) : undefined],
      ]), 'schema:', table(['attribute', 'type'], schemaRows(d.schema)).replace(/^/gm, '  ')].join('\n'));
    });

  output(withApiOptions(dataset.command('snapshots <dataset-id>').description('a dataset\'s snapshots, newest first')))
    .option('--limit <n>', 'snapshots per page (1-500, default 25)', intBetween('--limit', 1, 500))
    .option('--page <n>', 'page number', positiveInt('--page'))
    .action(async (idText: string, o: Flags & { limit?: number; page?: number }) => {
      const { client } = await apiFrom(o);
      const page = await client.listSnapshots(datasetIdArg(idText), { per_page: o.limit ?? 25, page: o.page });
      emit(page, o, () => page.records.length === 0 ? 'no snapshots' : table(
        ['snapshot', 'created', 'operation', 'rows', 'size', 'files', 'job'],
        page.records.map((s) => [s.snapshot_id, s.created_at, s.operation, formatCount(s.row_count), formatBytes(s.bytes), s.files.length, s.job_id]),
      ));
    });

  output(withApiOptions(dataset.command('stats <dataset-id>').description('column statistics of a snapshot (default: the latest)')))
    .option('--snapshot <id>', 'this snapshot instead of the latest', positiveInt('--snapshot'))
    .action(async (idText: string, o: Flags & { snapshot?: number }) => {
      const { client } = await apiFrom(o);
      const { snapshot } = await snapshotOf(client, datasetIdArg(idText), o.snapshot);
      const stats = await client.getColumnStats(snapshot.dataset_id, snapshot.snapshot_id);
      const body = stats.stats as { row_count?: number; columns?: Array<Record<string, unknown>> };
      emit(stats, o, () => [
        `snapshot ${stats.snapshot_id}: ${formatCount(body.row_count ?? snapshot.row_count)} rows`,
        table(['column', 'type', 'nulls', 'distinct (approx)', 'min', 'max'], (body.columns ?? []).map((c) => [
          c['path'] ?? c['column'], c['type'], c['null_count'], c['approx_distinct_count'], c['min'], c['max'],
        ])),
      ].join('\n'));
    });

  output(withApiOptions(dataset.command('rows <dataset-id>')
    .description('one page of a snapshot\'s rows (default: the latest snapshot), read on the dataset\'s data plane')))
    .option('--snapshot <id>', 'this snapshot instead of the latest', positiveInt('--snapshot'))
    .option('--limit <n>', 'rows (1-1000, default 20)', intBetween('--limit', 1, 1000))
    .option('--offset <n>', 'rows to skip (default 0)', nonNegativeInt('--offset'))
    .action(async (idText: string, o: Flags & { snapshot?: number; limit?: number; offset?: number }) => {
      const { client } = await apiFrom(o);
      const { snapshot } = await snapshotOf(client, datasetIdArg(idText), o.snapshot);
      const offset = o.offset ?? 0;
      const page = await withRetries(() => client.getSnapshotRows(snapshot.dataset_id, snapshot.snapshot_id, { limit: o.limit ?? 20, offset }));
      emit(page, o, () => {
        const names = page.columns.map((c) => c.name);
        const from = page.row_count === 0 ? offset : offset + 1;
        return [
          table(names, page.rows.map((r) => names.map((n) => cell(r[n])))),
          `rows ${formatCount(from)}-${formatCount(offset + page.row_count)} of ${formatCount(page.total_rows ?? snapshot.row_count)} (snapshot ${snapshot.snapshot_id})`,
        ].join('\n');
      });
    });

  withApiOptions(dataset.command('export <dataset-id>')
    .description('write every row of a snapshot (default: the latest) as CSV, JSON lines or Parquet, page by page through the API'))
    .option('--snapshot <id>', 'this snapshot instead of the latest', positiveInt('--snapshot'))
    .option('--format <format>', 'csv, jsonl or parquet (default: from --out\'s extension, else csv)', oneOf('--format', EXPORT_FORMATS))
    .option('--out <file>', 'write to this file (default: stdout; parquet needs a file)')
    .option('--parallel <n>', 'pages read at once (1-8, default 2); each page is a job on the data plane', intBetween('--parallel', 1, 8))
    .action(async (idText: string, o: ApiFlags & { snapshot?: number; format?: ExportFormat; out?: string; parallel?: number }) => {
      const format = o.format ?? formatOfFile(o.out) ?? 'csv';
      const { client } = await apiFrom(o);
      const { dataset, snapshot } = await snapshotOf(client, datasetIdArg(idText), o.snapshot);
      const rows = await exportSnapshot(client, {
        dataset, snapshotId: snapshot.snapshot_id, rowCount: snapshot.row_count, format, out: o.out, parallel: o.parallel ?? 2,
      });
      if (o.out) write(`${formatCount(rows)} rows of dataset ${dataset.id} (snapshot ${snapshot.snapshot_id}) written to ${o.out} (${format})`);
    });
}

function formatOfFile(file: string | undefined): ExportFormat | undefined {
  const ext = file?.toLowerCase().split('.').pop();
  if (ext === 'csv' || ext === 'parquet') return ext;
  if (ext === 'jsonl' || ext === 'ndjson') return 'jsonl';
  return undefined;
}
