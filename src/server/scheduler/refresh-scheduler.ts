import type { Logger } from 'pino';
import { CronError, CronSchedule, type DueTicks } from '../../core/cron-schedule.js';
import type { Db } from '../../store/db/types.js';
import {
  scheduleNextDue, schedulesAdvance, schedulesDue, ticksRecord, type RefreshSchedule, type ScheduleAdvance, type TickRecord,
} from '../../store/refresh-schedules.js';
import { viewRefreshCreateMany, type RefreshResult } from '../../store/view-refresh.js';
import type { AppliedTransition, TransitionEffects } from '../../api/transition-effects.js';

export interface RefreshSchedulerOptions {
  /** The longest a server waits between passes (`JOBPLANE_SCHEDULER_MS`); it wakes earlier for a tick due sooner. */
  intervalMs: number;
  /** Schedules handled per transaction. */
  batch?: number;
  /** Transactions a pass runs at once (PostgreSQL; PGlite has one connection and runs them one after another). */
  concurrency?: number;
  /** The clock (tests drive passes with `runOnce(now)`). */
  now?: () => Date;
}

export interface SchedulerPass {
  ticks: number;
  refreshed: number;
  reused: number;
  skipped: number;
  /** Earlier ticks folded into catch-ups (downtime). */
  missed: number;
}

interface TickOutcome {
  outcome: TickRecord['outcome'];
  jobId: string;
}

const SOURCE = { type: 'process' as const, name: 'materialized-view-refresh' };
/**
 * The shortest wait between passes: a due tick another server holds (SKIP LOCKED) stays due until that server
 * commits, and waiting on it in a loop would only burn a core.
 */
const MIN_DELAY_MS = 20;
/** Distinct (cron, zone) pairs kept parsed; past this the cache starts over (parsing again is only slower). */
const MAX_CACHED_SCHEDULES = 1_000;

interface BatchWrites {
  ticks: TickRecord[];
  advances: ScheduleAdvance[];
  applied: AppliedTransition[];
}

/**
 * Refresh schedules, run inside every API server. Exactly once per tick across any number of servers, without a
 * leader: a pass takes the due schedules with FOR UPDATE SKIP LOCKED (another server's pass skips them), and for
 * each one, under its row lock, acts on the tick unless the schedule's last_tick_at says it was acted on, records
 * it under the unique key (schedule, tick), and moves next_run_at past now, all in one transaction; so a tick is
 * acted on by exactly one pass, once. After a downtime the ticks that fell due become ONE catch-up refresh (the
 * latest of them, recording how many earlier ones it stands for in `missed`), not one per tick; a tick that finds
 * the view's previous refresh still pending or running is skipped and recorded as skipped_running (no refreshes
 * pile up behind a slow one).
 */
export class RefreshScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;
  private readonly clock: () => Date;
  private readonly parsed = new Map<string, CronSchedule | CronError>();

  constructor(
    private readonly db: Db,
    private readonly opts: RefreshSchedulerOptions,
    private readonly logger: Logger,
    private readonly effects?: TransitionEffects,
  ) {
    this.clock = opts.now ?? (() => new Date());
  }

  /**
   * One pass at `now`: every schedule due by then. Lateness (late_ms) is measured when each tick is acted on:
   * `now` plus the time the pass has taken so far.
   */
  async runOnce(now: Date = this.clock()): Promise<SchedulerPass> {
    const pass: SchedulerPass = { ticks: 0, refreshed: 0, reused: 0, skipped: 0, missed: 0 };
    const started = performance.now();
    const at = () => now.getTime() + (performance.now() - started);
    // Ticks of one (cron, zone, next_run_at) fall due together (every view on @hourly UTC): computed once a pass.
    const dueMemo = new Map<string, DueTicks | null>();
    const batch = this.opts.batch ?? 100;
    const worker = async () => {
      for (;;) {
        let handled: number;
        try {
          handled = await this.batch(now, batch, pass, at, dueMemo);
        } catch (err) {
          // One schedule that cannot be acted on must not stop the others: the next ones go one per transaction.
          this.logger.warn({ err }, 'a scheduler batch failed; acting on its schedules one at a time');
          handled = await this.isolated(now, batch, pass, at, dueMemo);
        }
        if (handled < batch) return;
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, this.opts.concurrency ?? 1) }, worker));
    return pass;
  }

  /**
   * One transaction: up to `limit` due schedules, their ticks decided, the due refreshes created together (a fixed
   * number of statements per batch, not per view: viewRefreshCreateMany), the ticks recorded, the schedules advanced.
   */
  private async batch(now: Date, limit: number, pass: SchedulerPass, at: () => number, memo: Map<string, DueTicks | null>): Promise<number> {
    const writes: BatchWrites = { ticks: [], advances: [], applied: [] };
    const counted: SchedulerPass = { ticks: 0, refreshed: 0, reused: 0, skipped: 0, missed: 0 };
    const handled = await this.db.transaction(async (tx) => {
      const due = await schedulesDue(tx, now, limit);
      const ticks = due.flatMap((s) => {
        const tick = this.decide(s, now, memo, writes);
        return tick ? [{ schedule: s, tick }] : [];
      });
      const results = await viewRefreshCreateMany(tx, ticks.map(({ schedule: s }) => ({
        companyId: s.company_id, datasetId: s.dataset_id, type: 'incremental', force: false,
        executionCluster: s.execution_cluster.type, statsEnabled: s.stats_enabled ?? undefined,
        requestSource: SOURCE, actor: SOURCE,
      })));
      ticks.forEach(({ schedule, tick }, i) => this.record(schedule, tick, this.outcomeOf(schedule, results[i]!, writes.applied), at, writes, counted));
      const recorded = await ticksRecord(tx, writes.ticks);
      if (recorded !== writes.ticks.length) {
        throw new Error(`${writes.ticks.length - recorded} tick(s) were recorded already although their schedule's last tick was earlier`);
      }
      await schedulesAdvance(tx, writes.advances);
      return due.length;
    });
    for (const k of Object.keys(pass) as Array<keyof SchedulerPass>) pass[k] += counted[k];
    await this.effects?.applied(writes.applied);
    return handled;
  }

  /** After a failed batch: the due schedules one per transaction; one that fails again skips its tick, logged. */
  private async isolated(now: Date, limit: number, pass: SchedulerPass, at: () => number, memo: Map<string, DueTicks | null>): Promise<number> {
    let handled = 0;
    for (; handled < limit; handled++) {
      try {
        if (await this.batch(now, 1, pass, at, memo) === 0) return handled;
      } catch (err) {
        const skipped = await this.db.transaction(async (tx) => {
          const [s] = await schedulesDue(tx, now, 1);
          if (!s) return undefined;
          const cron = this.cronOf(s);
          await schedulesAdvance(tx, [{ datasetId: s.dataset_id, next: cron instanceof CronError ? null : cron.next(now), lastTick: null }]);
          return s.dataset_id;
        });
        if (skipped === undefined) return handled;
        this.logger.error({ err, dataset_id: skipped }, 'refresh schedule tick could not be acted on; skipped to its next tick');
      }
    }
    return handled;
  }

  /** The tick a due schedule acts on, or undefined when it only moves on (advance written here). */
  private decide(s: RefreshSchedule, now: Date, memo: Map<string, DueTicks | null>, writes: BatchWrites): DueTicks | undefined {
    const cron = this.cronOf(s);
    if (cron instanceof CronError) {
      // Validated when written; a zone the runtime no longer knows stops the schedule instead of failing every pass.
      this.logger.error({ dataset_id: s.dataset_id, err: cron.message }, 'refresh schedule cannot run; archived');
      writes.advances.push({ datasetId: s.dataset_id, next: null, lastTick: null });
      return undefined;
    }
    const key = `${s.cron}\u0000${s.cron_zone_id}\u0000${s.next_run_at}`;
    if (!memo.has(key)) memo.set(key, cron.dueAt(new Date(s.next_run_at!), now));
    const due = memo.get(key)!;
    if (!due) return undefined; // not due after all (schedulesDue compared with the same `now`): nothing to do
    const lastTick = s.last_tick_at ? new Date(s.last_tick_at).getTime() : -Infinity;
    if (due.latest.getTime() <= lastTick) {
      // Acted on already (next_run_at was set back to it, e.g. by a PUT on a server whose clock is behind).
      writes.advances.push({ datasetId: s.dataset_id, next: due.following, lastTick: null });
      return undefined;
    }
    return due;
  }

  /** The tick's record and the schedule's advance; a view that cannot be refreshed archives its schedule. */
  private record(
    s: RefreshSchedule, due: DueTicks, outcome: TickOutcome | null, at: () => number, writes: BatchWrites, pass: SchedulerPass,
  ): void {
    if (outcome === null) {
      writes.advances.push({ datasetId: s.dataset_id, next: null, lastTick: null });
      return;
    }
    writes.ticks.push({
      datasetId: s.dataset_id, tickAt: due.latest, outcome: outcome.outcome, missed: due.missed, jobId: outcome.jobId,
      lateMs: at() - due.latest.getTime(),
    });
    writes.advances.push({ datasetId: s.dataset_id, next: due.following, lastTick: due.latest });
    pass.ticks++;
    pass.missed += due.missed;
    pass[outcome.outcome === 'refreshed' ? 'refreshed' : outcome.outcome === 'reused' ? 'reused' : 'skipped']++;
  }

  /** What the tick's refresh came to: created, reused, or skipped because one is in flight; null when the view cannot be refreshed. */
  private outcomeOf(s: RefreshSchedule, result: RefreshResult, applied: AppliedTransition[]): TickOutcome | null {
    switch (result.outcome) {
      case 'created':
      case 'reused': {
        const jobId = result.job.job_id;
        const plane = result.job.data_plane_id;
        applied.push({ jobId, action: 'create', type: 'materialize-view', dataPlaneId: plane, executor: null, from: null, to: 'pending' });
        if (result.outcome === 'reused') applied.push({ jobId, action: 'reuse', type: 'materialize-view', dataPlaneId: plane, executor: null, from: 'pending', to: 'completed' });
        return { outcome: result.outcome === 'created' ? 'refreshed' : 'reused', jobId };
      }
      case 'in_progress':
        return { outcome: 'skipped_running', jobId: result.job.job_id };
      default:
        // The view is gone or was never one: nothing to refresh, ever.
        this.logger.warn({ dataset_id: s.dataset_id, outcome: result.outcome }, 'refresh schedule of a dataset that cannot be refreshed; archived');
        return null;
    }
  }

  private cronOf(s: RefreshSchedule): CronSchedule | CronError {
    const key = `${s.cron}\u0000${s.cron_zone_id}`;
    let cron = this.parsed.get(key);
    if (!cron) {
      try {
        cron = new CronSchedule(s.cron, s.cron_zone_id);
      } catch (err) {
        if (!(err instanceof CronError)) throw err;
        cron = err;
      }
      if (this.parsed.size >= MAX_CACHED_SCHEDULES) this.parsed.clear();
      this.parsed.set(key, cron);
    }
    return cron;
  }

  /** Passes until stop(): each as soon as the earliest schedule is due, and at least every intervalMs. */
  start(): void {
    const pass = () => {
      this.running = this.runOnce()
        .catch((err) => this.logger.warn({ err }, 'scheduler pass failed; will retry'))
        .then(() => this.delayToNextTick())
        .then((delay) => {
          this.running = undefined;
          if (!this.stopped) this.timer = setTimeout(pass, delay);
        });
    };
    this.timer = setTimeout(pass, 0);
  }

  private async delayToNextTick(): Promise<number> {
    try {
      const next = await scheduleNextDue(this.db);
      if (!next) return this.opts.intervalMs;
      return Math.min(this.opts.intervalMs, Math.max(MIN_DELAY_MS, next.getTime() - this.clock().getTime()));
    } catch {
      return this.opts.intervalMs;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
