import { describe, expect, it } from 'vitest';
import { CronError, CronSchedule, MAX_COUNTED_TICKS } from '../../src/core/cron-schedule.js';
import { appendedOnly, planRefresh, type RefreshInputFacts } from '../../src/core/view-refresh.js';

const at = (iso: string) => new Date(iso);
const isos = (dates: Date[]) => dates.map((d) => d.toISOString());

describe('CronSchedule (croner)', () => {
  it('reads macros and 5- or 6-field expressions', () => {
    expect(isos(new CronSchedule('@hourly', 'UTC').upcoming(2, at('2026-05-01T10:15:00Z')))).toEqual(['2026-05-01T11:00:00.000Z', '2026-05-01T12:00:00.000Z']);
    expect(isos(new CronSchedule('@daily', 'UTC').upcoming(1, at('2026-05-01T10:15:00Z')))).toEqual(['2026-05-02T00:00:00.000Z']);
    expect(isos(new CronSchedule('@weekly', 'UTC').upcoming(1, at('2026-05-01T10:15:00Z')))).toEqual(['2026-05-03T00:00:00.000Z']); // a Sunday
    expect(isos(new CronSchedule('@monthly', 'UTC').upcoming(1, at('2026-05-01T10:15:00Z')))).toEqual(['2026-06-01T00:00:00.000Z']);
    expect(isos(new CronSchedule('@yearly', 'UTC').upcoming(1, at('2026-05-01T10:15:00Z')))).toEqual(['2027-01-01T00:00:00.000Z']);
    expect(isos(new CronSchedule('0 12 * * 1-5', 'UTC').upcoming(2, at('2026-05-01T13:00:00Z')))).toEqual(['2026-05-04T12:00:00.000Z', '2026-05-05T12:00:00.000Z']);
    expect(isos(new CronSchedule('*/20 * * * * *', 'UTC').upcoming(2, at('2026-05-01T10:15:05Z')))).toEqual(['2026-05-01T10:15:20.000Z', '2026-05-01T10:15:40.000Z']);
  });

  it('next() is strictly after its argument', () => {
    const c = new CronSchedule('* * * * *', 'UTC');
    expect(c.next(at('2026-05-01T10:15:00Z'))!.toISOString()).toBe('2026-05-01T10:16:00.000Z');
    expect(c.next(at('2026-05-01T10:15:00.001Z'))!.toISOString()).toBe('2026-05-01T10:16:00.000Z');
  });

  it('time zones: IANA names follow summer time, fixed zones do not', () => {
    const berlin = new CronSchedule('0 12 * * *', 'Europe/Berlin');
    expect(isos(berlin.upcoming(2, at('2026-03-28T13:00:00Z')))).toEqual(['2026-03-29T10:00:00.000Z', '2026-03-30T10:00:00.000Z']);
    expect(isos(berlin.upcoming(1, at('2026-03-27T13:00:00Z')))).toEqual(['2026-03-28T11:00:00.000Z']);
    const est = new CronSchedule('0 0 * * *', 'EST');
    expect(isos(est.upcoming(1, at('2026-07-01T12:00:00Z')))).toEqual(['2026-07-02T05:00:00.000Z']);
    expect(isos(est.upcoming(1, at('2026-01-01T12:00:00Z')))).toEqual(['2026-01-02T05:00:00.000Z']);
  });

  it('DST spring forward: a tick in the skipped hour runs at the same minute of the next hour, once', () => {
    const c = new CronSchedule('30 2 * * *', 'America/New_York');
    // 8 March 2026: 02:00 EST jumps to 03:00 EDT; 02:30 does not exist.
    expect(isos(c.upcoming(3, at('2026-03-07T12:00:00Z')))).toEqual([
      '2026-03-08T07:30:00.000Z', // 03:30 EDT
      '2026-03-09T06:30:00.000Z', // 02:30 EDT
      '2026-03-10T06:30:00.000Z',
    ]);
    // An hourly schedule has no tick for the missing hour and no duplicate.
    const hourly = new CronSchedule('0 * * * *', 'America/New_York');
    expect(isos(hourly.upcoming(3, at('2026-03-08T05:30:00Z')))).toEqual(['2026-03-08T06:00:00.000Z', '2026-03-08T07:00:00.000Z', '2026-03-08T08:00:00.000Z']);
  });

  it('DST fall back: the repeated local hour runs once, in its first pass', () => {
    // 1 November 2026: 02:00 EDT falls back to 01:00 EST; 01:00-01:59 happens twice.
    const c = new CronSchedule('*/30 1 * * *', 'America/New_York');
    expect(isos(c.upcoming(3, at('2026-11-01T04:00:00Z')))).toEqual([
      '2026-11-01T05:00:00.000Z', // 01:00 EDT
      '2026-11-01T05:30:00.000Z', // 01:30 EDT
      '2026-11-02T06:00:00.000Z', // the next day's 01:00 EST: nothing in the second 01:00-01:59
    ]);
  });

  it('dueAt: the latest due tick, how many earlier ones it folds in, and the next one', () => {
    const c = new CronSchedule('* * * * *', 'UTC');
    expect(c.dueAt(at('2026-05-01T10:00:00Z'), at('2026-05-01T09:59:59Z'))).toBeNull();
    expect(c.dueAt(at('2026-05-01T10:00:00Z'), at('2026-05-01T10:00:00Z'))).toEqual({
      latest: at('2026-05-01T10:00:00Z'), missed: 0, following: at('2026-05-01T10:01:00Z'),
    });
    // Down over 10 ticks (10:00 .. 10:09): one catch-up for 10:09, standing for 9 more.
    expect(c.dueAt(at('2026-05-01T10:00:00Z'), at('2026-05-01T10:09:30Z'))).toEqual({
      latest: at('2026-05-01T10:09:00Z'), missed: 9, following: at('2026-05-01T10:10:00Z'),
    });
    // Down for a week: counting stops at MAX_COUNTED_TICKS, the latest tick is still the right one.
    const week = c.dueAt(at('2026-05-01T10:00:00Z'), at('2026-05-08T10:00:30Z'))!;
    expect(week.latest.toISOString()).toBe('2026-05-08T10:00:00.000Z');
    expect(week.missed).toBe(MAX_COUNTED_TICKS);
    expect(week.following!.toISOString()).toBe('2026-05-08T10:01:00.000Z');
  });

  it('refuses a bad expression or zone, naming the field', () => {
    const fieldOf = (cron: string, zone: string) => {
      try {
        new CronSchedule(cron, zone);
        return undefined;
      } catch (err) {
        expect(err).toBeInstanceOf(CronError);
        return (err as CronError).field;
      }
    };
    expect(fieldOf('every minute', 'UTC')).toBe('cron');
    expect(fieldOf('61 * * * *', 'UTC')).toBe('cron');
    expect(fieldOf('* * * *', 'UTC')).toBe('cron');
    expect(fieldOf('@sometimes', 'UTC')).toBe('cron');
    expect(fieldOf('0 0 30 2 *', 'UTC')).toBe('cron'); // 30 February never comes
    expect(fieldOf('@hourly', 'Mars/Olympus_Mons')).toBe('cron_zone_id');
    expect(fieldOf('@hourly', 'Europe/Berlin')).toBeUndefined();
  });
});

describe('planRefresh', () => {
  const config = { nql: 'CREATE ...', compiled_sql: 'SELECT 1', dialect: 'duckdb', input_dataset_ids: [1], incremental: { eligible: true } };
  const input = (over: Partial<RefreshInputFacts> = {}): RefreshInputFacts =>
    ({ datasetId: 1, read: true, usedSnapshotId: 10, latestSnapshotId: 11, appendedSinceUsed: true, ...over });

  it('reuses when every input is at the snapshot the view read, unless force', () => {
    const same = [input({ latestSnapshotId: 10 })];
    expect(planRefresh({ requested: 'full', force: false, viewSnapshotId: 5, config, inputs: same }))
      .toEqual({ kind: 'reuse', snapshotId: 5, inputs: [{ dataset_id: 1, snapshot_id: 10 }] });
    expect(planRefresh({ requested: 'full', force: true, viewSnapshotId: 5, config, inputs: same })).toEqual({ kind: 'full', reason: null });
    expect(planRefresh({ requested: 'incremental', force: true, viewSnapshotId: 5, config, inputs: same }).kind).toBe('incremental');
  });

  it('incremental when asked, eligible, with lineage and only appends; otherwise full with the reason', () => {
    expect(planRefresh({ requested: 'incremental', force: false, viewSnapshotId: 5, config, inputs: [input()] }))
      .toEqual({ kind: 'incremental', since: [{ dataset_id: 1, snapshot_id: 10 }] });
    const reason = (over: Parameters<typeof planRefresh>[0]) => (planRefresh(over) as { reason: string }).reason;
    expect(reason({ requested: 'incremental', force: false, viewSnapshotId: 5, config: { ...config, incremental: { eligible: false, reason: 'the query groups rows (GROUP BY/HAVING)' } }, inputs: [input()] }))
      .toBe('not incremental: the query groups rows (GROUP BY/HAVING)');
    expect(reason({ requested: 'incremental', force: false, viewSnapshotId: null, config, inputs: [input({ read: false })] })).toContain('no snapshot yet');
    expect(reason({ requested: 'incremental', force: false, viewSnapshotId: 5, config, inputs: [input({ read: false })] })).toContain('is not known');
    expect(reason({ requested: 'incremental', force: false, viewSnapshotId: 5, config, inputs: [input({ appendedSinceUsed: false })] })).toContain('overwritten');
    expect(reason({ requested: 'incremental', force: false, viewSnapshotId: 5, config: { ...config, dialect: 'spark' }, inputs: [input()] })).toContain('spark plane');
  });

  it('appendedOnly: every file of the used snapshot is still there', () => {
    expect(appendedOnly(['a', 'b'], ['a', 'b', 'c'])).toBe(true);
    expect(appendedOnly(['a', 'b'], ['c'])).toBe(false);
    expect(appendedOnly([], ['c'])).toBe(true);
  });
});
