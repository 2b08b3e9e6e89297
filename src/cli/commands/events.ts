import type { Command } from 'commander';
import type { JobState } from '../../client/types.js';
import { apiFrom, withApiOptions, type ApiFlags } from '../api-target.js';
import { exitCodeOf, isOver } from '../job-follow.js';

interface WatchFlags extends ApiFlags {
  job?: string;
  type?: string;
  state?: string;
  dataPlane?: string;
  after?: string;
  json?: boolean;
}

/**
 * `jobplane job watch` (also `jobplane jobs watch`): the live feed of job transitions (`GET /events`, SSE), one
 * line per event, resumed after the last event received whenever the connection drops. Each line starts with the
 * event's cursor: `--after CURSOR` starts after it (e.g. where an earlier watch stopped). With `--job`, it ends
 * when that job is over, with the exit code of `job wait`.
 */
export function registerJobWatch(job: Command): void {
  withApiOptions(job.command('watch').description('follow job transitions live (the /events feed); Ctrl-C stops'))
    .option('--job <id>', 'only this job; ends when it is over (exit 0 completed, 1 failed, 2 cancelled)')
    .option('--type <types>', 'only jobs of these types (comma-separated)')
    .option('--state <states>', 'only transitions to these states (comma-separated)')
    .option('--data-plane <uuid>', 'only jobs of this data plane')
    .option('--after <cursor>', 'start after this event (a cursor printed by an earlier watch; 0 = the oldest kept)')
    .option('--json', 'one event per line as JSON: {id, type, created_at, data: <Job>}')
    .action(async (o: WatchFlags) => {
      const { client } = await apiFrom(o);
      const stop = new AbortController();
      process.once('SIGINT', () => stop.abort());
      let header = !o.json;
      for await (const event of client.streamEvents({
        job_id: o.job, type: o.type, state: o.state as JobState | undefined, data_plane_id: o.dataPlane, after: o.after, signal: stop.signal,
        onReconnect: ({ after, error }) => process.stderr.write(`jobplane: the event stream dropped (${(error as Error)?.message ?? error}); resuming after ${after ?? 'the start'}\n`),
      })) {
        if (o.json) {
          process.stdout.write(`${JSON.stringify(event)}\n`);
        } else {
          const j = event.data;
          if (header) process.stdout.write(`${line(['CURSOR', 'AT', 'EVENT', 'JOB', 'TYPE', 'ATTEMPT'])}\n`);
          header = false;
          process.stdout.write(`${line([event.id, event.created_at, event.type, j.job_id, j.type, `${j.attempt}/${j.max_attempts}`])}\n`);
        }
        if (o.job && event.data.job_id === o.job && isOver(event.data)) {
          process.exitCode = exitCodeOf(event.data);
          return;
        }
      }
    });
}

/** Fixed-width columns (cursor, timestamp, event, job id, type), so that lines printed one by one line up. */
const WIDTHS = [8, 27, 26, 36, 18];

function line(cells: string[]): string {
  return cells.map((c, i) => (i < WIDTHS.length ? c.padEnd(WIDTHS[i]!) : c)).join('  ').trimEnd();
}
