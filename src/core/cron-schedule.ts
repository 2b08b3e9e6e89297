import { Cron, type CronOptions } from 'croner';

/**
 * Cron expressions of refresh schedules, in a time zone, with croner (5 or 6 fields, the 6th being seconds first;
 * `@hourly`-style macros; IANA zones or fixed ones like `EST`): what the next ticks are, and which ticks fell due
 * over a stretch of time. DST is croner's: a tick in a skipped local hour runs at the same minute of the next
 * valid hour (02:30 on a spring-forward night runs at 03:30), and a repeated local hour runs once, in its first
 * pass (a `*\/30` schedule has no ticks in the second 02:00-02:59 of a fall-back night).
 */
export class CronError extends Error {
  constructor(readonly field: 'cron' | 'cron_zone_id', message: string) {
    super(message);
    this.name = 'CronError';
  }
}

/**
 * Ticks after a downtime are folded into one catch-up; they are counted one by one up to here, and beyond it the
 * latest tick is found directly (a minute schedule down for a week would otherwise cost 10,080 croner calls, each
 * a time-zone conversion, inside the scheduler's transaction).
 */
export const MAX_COUNTED_TICKS = 1_000;

/** Zones that are UTC: croner's fixed-offset path is several times faster than its time-zone conversion. */
const UTC_ZONES = new Set(['UTC', 'Etc/UTC', 'Etc/GMT', 'GMT', 'Etc/Universal', 'Universal', 'Etc/Zulu', 'Zulu']);

export interface DueTicks {
  /** The latest tick at or before `now`: the one the scheduler acts on. */
  latest: Date;
  /** Earlier due ticks folded into `latest` (downtime): 0 when only `latest` was due; at most MAX_COUNTED_TICKS. */
  missed: number;
  /** The first tick after `now` (null if the expression has no more): the schedule's next tick. */
  following: Date | null;
}

export class CronSchedule {
  private readonly cron: Cron;

  constructor(readonly expression: string, readonly zone: string) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
    } catch {
      throw new CronError('cron_zone_id', `"${zone}" is not a time zone: use an IANA name such as "UTC", "Europe/Berlin" or "America/New_York"`);
    }
    const where: CronOptions = UTC_ZONES.has(zone) ? { utcOffset: 0 } : { timezone: zone };
    try {
      this.cron = new Cron(expression, { ...where, paused: true, mode: '5-or-6-parts' });
    } catch (err) {
      throw new CronError('cron', `"${expression}" is not a cron expression (${(err as Error).message.replace(/^CronPattern: /, '')}); use 5 fields like "15 3 * * 1" or @hourly, @daily, @weekly, @monthly, @yearly`);
    }
    if (this.next(new Date()) === null) throw new CronError('cron', `"${expression}" never runs`);
  }

  /** The first tick strictly after `after`, or null if there is none. */
  next(after: Date): Date | null {
    let from = after;
    // croner can answer the same instant twice around a DST change: step past it rather than loop.
    for (let i = 0; i < 3; i++) {
      const next = this.cron.nextRun(from);
      if (next === null) return null;
      if (next.getTime() > after.getTime()) return next;
      from = new Date(Math.max(next.getTime(), from.getTime()) + 1000);
    }
    return null;
  }

  upcoming(count: number, after: Date): Date[] {
    const out: Date[] = [];
    let at = after;
    while (out.length < count) {
      const next = this.next(at);
      if (!next) break;
      out.push(next);
      at = next;
    }
    return out;
  }

  /**
   * The ticks due from `first` (a tick, the schedule's next_run_at) up to `now` inclusive: the latest of them (the
   * one to act on), how many earlier ones it stands for, and the first tick after `now`; null when `first` is still
   * ahead. Downtime over 10 ticks (first, ..., first + 9 due) gives latest = first + 9 and missed = 9.
   */
  dueAt(first: Date, now: Date): DueTicks | null {
    if (first.getTime() > now.getTime()) return null;
    let latest = first;
    let missed = 0;
    let next = this.next(first);
    while (next && next.getTime() <= now.getTime()) {
      if (missed === MAX_COUNTED_TICKS) {
        // Too many to count: the latest due tick directly (croner strips milliseconds and answers ticks strictly
        // before the reference, so `now + 1 s` includes a tick at `now`).
        const [last] = this.cron.previousRuns(1, new Date(now.getTime() + 1000));
        if (last && last.getTime() <= now.getTime() && last.getTime() > latest.getTime()) latest = last;
        return { latest, missed, following: this.next(now) };
      }
      latest = next;
      missed++;
      next = this.next(next);
    }
    return { latest, missed, following: next };
  }
}
