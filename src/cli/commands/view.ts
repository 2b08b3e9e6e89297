import type { Command } from 'commander';
import { isNotFound } from '../../client/errors.js';
import type { Job, RefreshSchedule, RefreshScheduleRequest } from '../../client/types.js';
import { apiFrom, withApiOptions, type ApiFlags } from '../api-target.js';
import { waitWithDisplay } from '../job-follow.js';
import { details, emit, table, type OutputFlags } from '../output.js';
import { datasetIdArg, durationMs, oneOf } from '../parse.js';
import { finishWith } from './job.js';

type Flags = ApiFlags & OutputFlags;

const output = (c: Command) => c
  .option('--json', 'print the API\'s JSON')
  .option('--field <path>', 'print one field of the JSON, e.g. job_id or next_runs.0');

/** What a refresh job did or will do: reused, incremental (what it read), or full (and why not incremental). */
export function refreshSummary(job: Job): string {
  const result = job.result as Record<string, any> | null;
  if (result?.['reused'] === true) return `reused snapshot ${String(result['snapshot_id'])} (no input changed)`;
  const ran = result?.['refresh'] as { type?: string; reason?: string; files_read?: number; rows_read?: number } | undefined;
  const planned = (job.input as Record<string, any>)['refresh'] as { type?: string; reason?: string } | undefined;
  const what = ran ?? planned;
  if (!what?.type) return 'full';
  if (what.type === 'incremental') {
    return ran?.files_read === undefined ? 'incremental' : `incremental: read ${ran.files_read} new file(s), ${ran.rows_read ?? 0} row(s)`;
  }
  return what.reason ? `full (${what.reason})` : 'full';
}

function refreshDetails(job: Job, created: boolean): string {
  const result = job.result as Record<string, unknown> | null;
  return details([
    ['job', job.job_id],
    ['state', job.state],
    ['request', created ? 'new refresh' : 'a refresh of this view was already pending or running: this is it'],
    ['refresh', refreshSummary(job)],
    ['snapshot', result?.['snapshot_id'] as number | undefined],
  ]);
}

function scheduleDetails(s: RefreshSchedule): string {
  const head = details([
    ['dataset', s.dataset_id],
    ['cron', s.cron],
    ['zone', s.cron_zone_id],
    ['status', s.status],
    ['cluster', s.execution_cluster.type],
    ['stats', s.stats_enabled === null ? 'as the view (EXTENDED_STATS)' : s.stats_enabled ? 'on' : 'off'],
    ['next runs', s.next_runs.length ? s.next_runs.join(', ') : 'none'],
    ['last tick', s.last_tick_at ?? 'none yet'],
  ]);
  if (s.recent_ticks.length === 0) return head;
  const ticks = table(['tick', 'outcome', 'missed', 'late ms', 'job'],
    s.recent_ticks.map((t) => [t.tick_at, t.outcome, t.missed, t.late_ms, t.job_id ?? '']));
  return `${head}\n\nrecent ticks:\n${ticks}`;
}

/** `jobplane view refresh|schedule`: keeping materialized views fresh (docs/views.md). */
export function registerView(program: Command): void {
  const view = program.command('view').description('materialized views: refresh now, refresh on a schedule');

  output(withApiOptions(view.command('refresh <dataset>').description('refresh a materialized view now (at most one refresh of a view runs at a time)')))
    .option('--incremental', 'read only what was appended to the inputs since the last refresh (when the view\'s query allows it; otherwise it runs in full and says why)')
    .option('--force', 'run even when no input changed (otherwise the refresh reuses the view\'s snapshot)')
    .option('--dedicated', 'run on a dedicated executor (execution_cluster dedicated)')
    .option('--wait', 'follow the job until it is over; exit 0 only if it completed')
    .option('--timeout <duration>', 'with --wait: give up after this long (exit 3)', durationMs('--timeout'))
    .action(async (idText: string, o: Flags & { incremental?: boolean; force?: boolean; dedicated?: boolean; wait?: boolean; timeout?: number }) => {
      const datasetId = datasetIdArg(idText);
      const { client } = await apiFrom(o);
      const { job, created } = await client.refreshView(datasetId, {
        type: o.incremental ? 'incremental' : 'full', ...(o.force ? { force: true } : {}),
        ...(o.dedicated ? { execution_cluster: { type: 'dedicated' } } : {}),
      });
      if (!o.wait) {
        emit(job, o, () => refreshDetails(job, created));
        return;
      }
      const final = await waitWithDisplay(client, job.job_id, { timeoutMs: o.timeout });
      finishWith(final, o, () => refreshDetails(final, created));
    });

  const schedule = view.command('schedule').description('a view\'s refresh schedule: cron in a time zone, exactly once per tick');

  output(withApiOptions(schedule.command('set <dataset>').description('create the view\'s schedule, or replace the one it has')))
    .requiredOption('--cron <expression>', '5 or 6 fields ("0 12 * * 1-5"), or @hourly, @daily, @weekly, @monthly, @yearly')
    .option('--zone <zone>', 'the time zone the expression is read in (IANA, e.g. Europe/Berlin)', 'UTC')
    .option('--status <status>', 'active (runs) or pending (kept, does not run)', oneOf('--status', ['active', 'pending'] as const))
    .option('--stats', 'compute column statistics on each scheduled refresh')
    .option('--no-stats', 'do not compute them (default: as the view\'s EXTENDED_STATS)')
    .option('--dedicated', 'run the refreshes on a dedicated executor')
    .action(async (idText: string, o: Flags & { cron: string; zone: string; status?: 'active' | 'pending'; stats?: boolean; dedicated?: boolean }, cmd: Command) => {
      const datasetId = datasetIdArg(idText);
      const { client } = await apiFrom(o);
      // Commander sets `stats` to true by default because of --no-stats: only an explicit flag is sent.
      const statsSource = cmd.getOptionValueSource('stats');
      const body: RefreshScheduleRequest = {
        cron: o.cron, cron_zone_id: o.zone, ...(o.status ? { status: o.status } : {}),
        ...(statsSource === 'cli' ? { stats_enabled: o.stats === true } : {}),
        ...(o.dedicated ? { execution_cluster: { type: 'dedicated' } } : {}),
      };
      // POST creates (or sets an archived schedule anew); a live schedule is changed with PUT.
      const current = await client.getRefreshSchedule(datasetId).catch((err: unknown) => {
        if (isNotFound(err)) return undefined;
        throw err;
      });
      const saved = current && current.status !== 'archived'
        ? await client.replaceRefreshSchedule(datasetId, body)
        : await client.createRefreshSchedule(datasetId, body);
      emit(saved, o, () => scheduleDetails(saved));
    });

  output(withApiOptions(schedule.command('show <dataset>').description('the schedule, its next runs and its recent ticks')))
    .action(async (idText: string, o: Flags) => {
      const { client } = await apiFrom(o);
      const s = await client.getRefreshSchedule(datasetIdArg(idText));
      emit(s, o, () => scheduleDetails(s));
    });

  output(withApiOptions(schedule.command('delete <dataset>').description('stop the schedule (archived; its ticks are kept)')))
    .action(async (idText: string, o: Flags) => {
      const { client } = await apiFrom(o);
      const s = await client.archiveRefreshSchedule(datasetIdArg(idText));
      emit(s, o, () => `schedule of dataset ${s.dataset_id}: ${s.status}`);
    });
}
