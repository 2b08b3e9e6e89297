import type { Command } from 'commander';
import type { JobplaneClient } from '../../client/client.js';
import { isApiError } from '../../client/errors.js';
import type { Job, NqlRunResponse, PreviewResult } from '../../client/types.js';
import { apiFrom, readSource, withApiOptions, type ApiFlags } from '../api-target.js';
import { CliError } from '../cli-errors.js';
import { waitWithDisplay } from '../job-follow.js';
import { details, emit, formatCount, plain, table, type OutputFlags } from '../output.js';
import { durationMs } from '../parse.js';
import { finishWith, jobDetails } from './job.js';

/** `file:line:col: message`, the source line, and a caret under the column (what `cc` users expect). */
export function caretReport(source: string, file: string, errors: Array<{ line?: number; column?: number; message: string }>): string {
  const lines = source.split(/\r\n|\r|\n/);
  return errors.map((e) => {
    if (!e.line) return `${file}: error: ${e.message}`;
    const text = lines[e.line - 1] ?? '';
    const col = Math.max(1, Math.min(e.column ?? 1, text.length + 1));
    const pad = text.slice(0, col - 1).replace(/[^\t]/g, ' ');
    return `${file}:${e.line}:${col}: error: ${e.message}\n  ${text}\n  ${pad}^`;
  }).join('\n');
}

/** Runs an NQL call; an NQL problem is printed against the source with carets and exits 1. */
async function withNqlErrors<T>(source: string, file: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (isApiError(err) && err.status === 400 && Array.isArray(err.problem.errors) && err.problem.errors.some((e) => e.line !== undefined)) {
      throw new CliError(caretReport(source, file === '-' ? '<stdin>' : file, err.problem.errors as never));
    }
    throw err;
  }
}

type Flags = ApiFlags & OutputFlags & { dataPlane?: string };

const planeOf = (o: Flags) => (o.dataPlane ? { data_plane_id: o.dataPlane } : {});

export function registerNql(program: Command): void {
  const nql = program.command('nql').description('validate, compile and run NQL through the API');
  const common = (c: Command) => withApiOptions(c)
    .option('--data-plane <uuid>', 'data plane (default: the company\'s default)');

  common(nql.command('validate <file>').description('parse and check NQL (FILE or - for stdin); prints the AST'))
    .action(async (file: string, o: Flags) => {
      const source = await readSource(file);
      const { client } = await apiFrom(o);
      const ast = await withNqlErrors(source, file, () => client.validateNql({ nql: source, ...planeOf(o) }));
      process.stdout.write(`${JSON.stringify(ast, null, 2)}\n`);
    });

  common(nql.command('compile <file>').description('print the SQL a job would run'))
    .option('--dialect <dialect>', 'duckdb or spark (default: the data plane\'s engine)')
    .option('--json', 'print the API\'s JSON (kind, dialect, compiled_sql, output_schema, dataset_ids)')
    .action(async (file: string, o: Flags & { dialect?: 'duckdb' | 'spark' }) => {
      if (o.dialect && o.dialect !== 'duckdb' && o.dialect !== 'spark') throw new Error('--dialect must be duckdb or spark');
      const source = await readSource(file);
      const { client } = await apiFrom(o);
      const compiled = await withNqlErrors(source, file, () => client.compileNql({
        nql: source, ...(o.dialect ? { dialect: o.dialect } : {}), ...planeOf(o),
      }));
      emit(compiled, o, () => compiled.compiled_sql);
    });

  common(nql.command('run <file>')
    .description('run EXPLAIN (a forecast), CREATE MATERIALIZED VIEW, or with --preview a SELECT ... LIMIT n; prints the job'))
    .option('--wait', 'follow the job until it is over (a retry is not the end), showing progress on a terminal; exit 0 only if it completed')
    .option('--preview', 'run a bare SELECT ... LIMIT n (n <= 1000) and print its rows as a table (implies --wait)')
    .option('--timeout <duration>', 'with --wait: give up after this long (exit 3)', durationMs('--timeout'))
    .option('--idempotency-key <key>', 'a repeated key returns the first job instead of a new one')
    .option('--json', 'print the API\'s JSON: the job (with --wait the final job; with --preview its result)')
    .option('--field <path>', 'print one field of the JSON, e.g. id or result.dataset_id')
    .action(async (file: string, o: Flags & { wait?: boolean; preview?: boolean; timeout?: number; idempotencyKey?: string }) => {
      const source = await readSource(file);
      const { client } = await apiFrom(o);
      if (o.preview) await refuseIfNotSelect(client, source, file, o);
      const run = await withNqlErrors(source, file, () => client.runNql({
        nql: source, ...planeOf(o), ...(o.idempotencyKey ? { idempotency_key: o.idempotencyKey } : {}),
      }));
      if (!o.wait && !o.preview) {
        emit(run, o, () => runDetails(run));
        return;
      }
      const final = await waitWithDisplay(client, run.id, { timeoutMs: o.timeout });
      if (o.preview && final.state === 'completed') {
        const result = final.result as unknown as PreviewResult;
        emit(result, o, () => previewTable(result));
        return;
      }
      finishWith(final, o, () => jobDetails(final as Job));
    });
}

/** `--preview` is for a bare SELECT: say so before creating a job of another kind. */
async function refuseIfNotSelect(client: JobplaneClient, source: string, file: string, o: Flags): Promise<void> {
  const compiled = await withNqlErrors(source, file, () => client.compileNql({ nql: source, ...planeOf(o) }));
  if (compiled.kind !== 'select') {
    const what = compiled.kind === 'explain' ? 'an EXPLAIN' : 'a CREATE MATERIALIZED VIEW';
    throw new CliError(`--preview runs a bare SELECT ... LIMIT n; ${file === '-' ? 'the statement' : file} is ${what}: run it without --preview`);
  }
}

function runDetails(run: NqlRunResponse): string {
  const dataset = (run.input['dataset'] as { id?: number; name?: string } | undefined);
  return details([
    ['id', run.id], ['type', run.type], ['state', run.state], ['data plane', run.data_plane_id],
    ['dataset', dataset?.id !== undefined ? `${dataset.id} (${dataset.name ?? ''}, written when the job completes)` : undefined],
    ['created', run.created_at],
    ['next', `jobplane job wait ${run.id}`],
  ]);
}

export function previewTable(result: PreviewResult): string {
  const names = result.columns.map((c) => c.name);
  return [
    table(names, result.rows.map((r) => names.map((n) => (r[n] === null || r[n] === undefined ? 'null' : plain(r[n]))))),
    `${formatCount(result.row_count)} row${result.row_count === 1 ? '' : 's'}${result.limit === undefined ? '' : ` (limit ${result.limit})`}`,
  ].join('\n');
}
