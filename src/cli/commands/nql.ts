import type { Command } from 'commander';
import { isApiError } from '../../client/errors.js';
import { clientFrom, readSource, type ApiFlags } from '../api-target.js';

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
    if (isApiError(err) && Array.isArray(err.problem.errors) && err.status === 400) {
      process.stderr.write(`${caretReport(source, file === '-' ? '<stdin>' : file, err.problem.errors as never)}\n`);
      process.exit(1);
    }
    throw err;
  }
}

type Flags = ApiFlags & { dataPlane?: string };

export function registerNql(program: Command): void {
  const nql = program.command('nql').description('validate, compile and run NQL through the API');
  const common = (c: Command) => c
    .option('--api <url>', 'API base URL (env JOBPLANE_API; default: the server on the data dir)')
    .option('--token <token>', 'bearer token (env JOBPLANE_TOKEN; default: the data dir\'s admin token)')
    .option('--data-dir <dir>', 'data directory (env JOBPLANE_DATA_DIR)')
    .option('--data-plane <uuid>', 'data plane (default: the company\'s default)');

  common(nql.command('validate <file>').description('parse and check NQL (FILE or - for stdin); prints the AST'))
    .action(async (file: string, o: Flags) => {
      const source = await readSource(file);
      const client = await clientFrom(o);
      const ast = await withNqlErrors(source, file, () => client.validateNql({ nql: source, ...(o.dataPlane ? { data_plane_id: o.dataPlane } : {}) }));
      process.stdout.write(`${JSON.stringify(ast, null, 2)}\n`);
    });

  common(nql.command('compile <file>').description('print the SQL a job would run'))
    .option('--dialect <dialect>', 'duckdb or spark (default: the data plane\'s engine)')
    .action(async (file: string, o: Flags & { dialect?: 'duckdb' | 'spark' }) => {
      if (o.dialect && o.dialect !== 'duckdb' && o.dialect !== 'spark') throw new Error('--dialect must be duckdb or spark');
      const source = await readSource(file);
      const client = await clientFrom(o);
      const compiled = await withNqlErrors(source, file, () => client.compileNql({
        nql: source, ...(o.dialect ? { dialect: o.dialect } : {}), ...(o.dataPlane ? { data_plane_id: o.dataPlane } : {}),
      }));
      process.stdout.write(`${compiled.compiled_sql}\n`);
    });

  common(nql.command('run <file>').description('run EXPLAIN or CREATE MATERIALIZED VIEW; prints the job'))
    .option('--wait', 'wait for the job to finish and print its final state')
    .action(async (file: string, o: Flags & { wait?: boolean }) => {
      const source = await readSource(file);
      const client = await clientFrom(o);
      let job = await withNqlErrors(source, file, () => client.runNql({ nql: source, ...(o.dataPlane ? { data_plane_id: o.dataPlane } : {}) }));
      while (o.wait && !['completed', 'failed', 'cancelled'].includes(job.state)) {
        await new Promise((r) => setTimeout(r, 500));
        job = await client.getNqlJob(job.id);
      }
      process.stdout.write(`${JSON.stringify(job, null, 2)}\n`);
      if (o.wait && job.state !== 'completed') process.exit(1);
    });
}
