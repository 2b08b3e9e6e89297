import type { Command } from 'commander';
import type { Job, JobState, ListJobsQuery } from '../../client/types.js';
import { apiFrom, withApiOptions, type ApiFlags } from '../api-target.js';
import { CliError, EXIT } from '../cli-errors.js';
import { endMessage, exitCodeOf, isOver, waitWithDisplay } from '../job-follow.js';
import { age, cut, details, emit, table, type OutputFlags } from '../output.js';
import { durationMs, intBetween, oneOf, positiveInt } from '../parse.js';
import { watchLoop } from '../watch.js';
import { registerJobWatch } from './events.js';

const STATES: readonly JobState[] = ['pending', 'running', 'completed', 'failed', 'pending_cancellation', 'cancelled'];
const ORDERS = ['created_at_desc', 'created_at_asc', 'updated_at_desc', 'updated_at_asc'] as const;

type Flags = ApiFlags & OutputFlags;

export function jobTable(jobs: readonly Job[]): string {
  return table(['id', 'type', 'state', 'attempt', 'age', 'updated', 'message'], jobs.map((j) => [
    j.job_id, j.type, stateLabel(j), `${j.attempt}/${j.max_attempts}`, age(j.created_at), age(j.updated_at),
    cut(j.failures.at(-1)?.message, 50),
  ]));
}

/** `failed (retrying)` for a failed job that will run again: the state alone would read as the end. */
export function stateLabel(job: Job): string {
  return job.state === 'failed' && !isOver(job) ? 'failed (retrying)' : job.state;
}

export function jobDetails(job: Job): string {
  const last = job.failures.at(-1);
  const text = details([
    ['id', job.job_id],
    ['type', job.type],
    ['state', stateLabel(job)],
    ['attempt', `${job.attempt} of ${job.max_attempts}`],
    ['data plane', job.data_plane_id],
    ['compute pool', job.compute_pool_id ?? undefined],
    ['cluster', job.execution_cluster.type],
    ['executor', job.executor],
    ['created', job.created_at],
    ['updated', job.updated_at],
    ['ended', job.ended_at ?? undefined],
    ['retry at', job.retry_at ?? undefined],
    ['cancel requested', job.cancel_requested_at ?? undefined],
    ['failures', job.failures.length || undefined],
    ['last failure', last ? `${last.timestamp}: ${last.message}` : undefined],
    ['nql', typeof job.input['nql'] === 'string' ? cut(job.input['nql'], 100) : undefined],
    ['result', job.result ?? undefined],
  ]);
  return text;
}

const output = (c: Command) => c
  .option('--json', 'print the API\'s JSON')
  .option('--field <path>', 'print one field of the JSON, e.g. state or result.dataset_id');

export function registerJob(program: Command): void {
  const job = program.command('job').alias('jobs').description('list, show, wait for, watch, cancel and reschedule jobs');
  registerJobWatch(job);

  output(withApiOptions(job.command('list').description('list jobs, newest first')))
    .option('--state <state>', `only jobs in this state (${STATES.join(', ')})`, oneOf('--state', STATES))
    .option('--type <type>', 'only jobs of this type')
    .option('--data-plane <uuid>', 'only jobs of this data plane')
    .option('--dataset <id>', 'only jobs that write or read this dataset', positiveInt('--dataset'))
    .option('--order <order>', ORDERS.join(', '), oneOf('--order', ORDERS))
    .option('--limit <n>', 'jobs per page (1-500, default 25)', intBetween('--limit', 1, 500))
    .option('--page <n>', 'page number (default 1)', positiveInt('--page'))
    .option('--watch', 'keep listing: redraw on a terminal, print changed jobs otherwise (Ctrl-C stops)')
    .option('--interval <duration>', 'with --watch: how often to ask (default 2s)', durationMs('--interval'))
    .action(async (o: Flags & { state?: JobState; type?: string; dataPlane?: string; dataset?: number; order?: typeof ORDERS[number]; limit?: number; page?: number; watch?: boolean; interval?: number }) => {
      const { client } = await apiFrom(o);
      const query: ListJobsQuery = {
        state: o.state, type: o.type, data_plane_id: o.dataPlane, dataset_id: o.dataset, order_by: o.order,
        per_page: o.limit ?? 25, page: o.page,
      };
      if (!o.watch) {
        const page = await client.listJobs(query);
        emit(page, o, () => page.records.length === 0 ? 'no jobs' : jobTable(page.records));
        return;
      }
      await watchLoop({
        intervalMs: o.interval ?? 2000, json: Boolean(o.json),
        fetch: async () => (await client.listJobs(query)).records,
        key: (j) => j.job_id, version: (j) => `${j.state}/${j.attempt}/${j.updated_at}`,
        render: jobTable, line: (j) => jobTable([j]).split('\n')[1]!,
        header: () => jobTable([]),
      });
    });

  output(withApiOptions(job.command('get <job-id>').description('show a job')))
    .option('--watch', 'follow the job: print it again on every change until it is over')
    .option('--interval <duration>', 'with --watch: how often to ask (default 1s)', durationMs('--interval'))
    .action(async (id: string, o: Flags & { watch?: boolean; interval?: number }) => {
      const { client } = await apiFrom(o);
      if (!o.watch) {
        const j = await client.getJob(id);
        emit(j, o, () => jobDetails(j));
        return;
      }
      await watchLoop({
        intervalMs: o.interval ?? 1000, json: Boolean(o.json),
        fetch: async () => [await client.getJob(id)],
        key: (j) => j.job_id, version: (j) => `${j.state}/${j.attempt}/${j.failures.length}`,
        render: (jobs) => jobDetails(jobs[0]!), line: (j) => `${new Date().toISOString()}  ${stateLabel(j)}  attempt ${j.attempt}/${j.max_attempts}${j.failures.at(-1) && j.state === 'failed' ? `  ${cut(j.failures.at(-1)!.message, 80)}` : ''}`,
        done: (jobs) => isOver(jobs[0]!),
      });
    });

  output(withApiOptions(job.command('wait <job-id>')
    .description('wait until the job is over (a retry is not the end); prints its final state; exit 0 only if it completed')))
    .option('--timeout <duration>', 'give up after this long (exit 3), e.g. 10m', durationMs('--timeout'))
    .option('--interval <duration>', 'how often to ask (default 500ms)', durationMs('--interval'))
    .action(async (id: string, o: Flags & { timeout?: number; interval?: number }) => {
      const { client } = await apiFrom(o);
      const final = await waitWithDisplay(client, id, { timeoutMs: o.timeout, intervalMs: o.interval });
      finishWith(final, o, () => final.state);
    });

  output(withApiOptions(job.command('events <job-id>').description('every state transition of a job, oldest first')))
    .action(async (id: string, o: Flags) => {
      const { client } = await apiFrom(o);
      const events = await client.listJobEvents(id);
      emit(events, o, () => table(['at', 'action', 'from', 'to', 'attempt', 'by'], events.records.map((e) => [
        e.at, e.action, e.from_state, e.to_state, e.attempt, e.executor ?? actorLabel(e.actor),
      ])));
    });

  output(withApiOptions(job.command('cancel <job-id>')
    .description('cancel a job: ask its executor to stop, then wait until the job is over (cancelled, or completed if it finished first)')))
    .option('--now', 'do not wait for the executor: finalize the cancellation at once (its late result is discarded)')
    .option('--no-wait', 'only ask for the cancellation; print the job as it is then (pending_cancellation)')
    .option('--timeout <duration>', 'how long to wait for the executor (default 2m; exit 3 after it)', durationMs('--timeout'))
    .action(async (id: string, o: Flags & { now?: boolean; wait?: boolean; timeout?: number }) => {
      const { client } = await apiFrom(o);
      let j = await client.getJob(id);
      if (j.state === 'failed' && !isOver(j)) {
        throw new CliError(`job ${id} is failed and waiting for its retry at ${j.retry_at}; the API cannot cancel a job in that state ` +
          '(request-cancellation is a no-op for failed jobs), so it will run again');
      }
      if (isOver(j)) {
        process.stderr.write(`job ${id} is already ${j.state}; nothing to cancel\n`);
        return finishCancel(j, o);
      }
      j = await client.requestCancellation(id);
      if (o.now && j.state === 'pending_cancellation') j = await client.cancelJob(id);
      if (o.wait === false && !o.now) {
        emit(j, o, () => j.state);
        return;
      }
      if (!isOver(j)) j = await waitWithDisplay(client, id, { timeoutMs: o.timeout ?? 120_000 });
      finishCancel(j, o);
    });

  output(withApiOptions(job.command('reschedule <job-id>')
    .description('put a job back on the queue (pending); a finished job only with --force')))
    .option('--force', 'also re-queue a completed, failed or cancelled job')
    .action(async (id: string, o: Flags & { force?: boolean }) => {
      const { client } = await apiFrom(o);
      const res = await client.rescheduleJob(id, o.force ? { force: true } : {});
      emit(res, o, () => res.outcome === 'rescheduled'
        ? `job ${id} rescheduled: ${res.job.state}`
        : `job ${id} is ${res.job.state}: not rescheduled (pass --force to re-queue a finished job)`);
      if (res.outcome !== 'rescheduled') process.exitCode = EXIT.error;
    });
}

function actorLabel(actor: Record<string, unknown>): string {
  return typeof actor['type'] === 'string' ? String(actor['type']) : '';
}

/** Prints the final job (human form: `state`) and sets the exit code: 0 completed, 2 cancelled, 1 failed. */
export function finishWith(job: Job, o: OutputFlags, human: () => string): void {
  emit(job, o, human);
  const message = endMessage(job);
  if (message) process.stderr.write(`${message}\n`);
  process.exitCode = exitCodeOf(job);
}

/** A cancel ends well (0) when the job ended cancelled; a job that completed or failed first exits 1. */
function finishCancel(job: Job, o: OutputFlags): void {
  emit(job, o, () => job.state);
  if (job.state !== 'cancelled') {
    process.stderr.write(`job ${job.job_id} ended ${job.state}, not cancelled\n`);
    process.exitCode = EXIT.error;
  }
}
