import type { CmvOption, Identifier, PartitionSpec } from '../ast.js';
import type { Token } from '../tokens.js';
import type { Cursor } from './cursor.js';

/**
 * Options between `CREATE MATERIALIZED VIEW "name"` and `AS`. The docs write `OPTION = value` for all but
 * PARTITIONED_BY (`PARTITIONED_BY event_date DAY`), so `=` is optional everywhere. Values with a closed set are
 * checked here, pointing at the value, because that is where users make mistakes.
 */
export const CMV_OPTION_NAMES = [
  'REFRESH_SCHEDULE',
  'DISPLAY_NAME',
  'DESCRIPTION',
  'EXPIRE',
  'STATUS',
  'TAGS',
  'WRITE_MODE',
  'EXTENDED_STATS',
  'PARTITIONED_BY',
] as const;

const OPTION_SET: ReadonlySet<string> = new Set(CMV_OPTION_NAMES);

export function atCmvOption(p: Cursor): boolean {
  const t = p.peek();
  return t.type === 'word' && OPTION_SET.has(t.upper);
}

/** Parses all options; rejects an option given twice. */
export function parseCmvOptions(p: Cursor): CmvOption[] {
  const options: CmvOption[] = [];
  const seen = new Set<string>();
  while (atCmvOption(p)) {
    const nameToken = p.peek();
    if (seen.has(nameToken.upper)) {
      p.fail('invalid_option', `${nameToken.upper} is given more than once`, nameToken);
    }
    seen.add(nameToken.upper);
    options.push(parseCmvOption(p));
  }
  return options;
}

const SCHEDULE_PRESETS = ['@hourly', '@daily', '@weekly', '@monthly', '@once'];
/** One cron field: digits, names (JAN, MON), `*`, `?`, ranges, lists, steps, and the Quartz-style L/W/#. */
const CRON_FIELD = /^[0-9A-Za-z*?,\/#-]+$/;
/** ISO-8601 duration: P[nY][nM][nW][nD][T[nH][nM][n[.n]S]], at least one component. */
const ISO_PERIOD = /^P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/i;

function parseCmvOption(p: Cursor): CmvOption {
  const start = p.pos;
  const name = p.next().upper;
  p.eatOp('=');
  switch (name) {
    case 'TAGS': {
      p.expectOp('(', "'(' and a list of tags after TAGS");
      const tags: string[] = [];
      do tags.push(expectString(p, 'a tag string').value);
      while (p.eatOp(','));
      p.expectOp(')', "',' or ')'");
      return { kind: 'tags_option', tags, span: p.spanFrom(start) };
    }
    case 'PARTITIONED_BY':
      return { kind: 'partitioned_by_option', partitions: parsePartitions(p), span: p.spanFrom(start) };
    case 'WRITE_MODE': {
      const value = expectOneOf(p, name, ['append', 'overwrite'] as const);
      return { kind: 'write_mode_option', value, span: p.spanFrom(start) };
    }
    case 'EXTENDED_STATS': {
      const value = expectOneOf(p, name, ['all', 'none'] as const);
      return { kind: 'extended_stats_option', value, span: p.spanFrom(start) };
    }
    case 'STATUS': {
      const value = expectOneOf(p, name, ['active', 'updating', 'draft'] as const);
      return { kind: 'status_option', value, span: p.spanFrom(start) };
    }
    case 'REFRESH_SCHEDULE': {
      const t = expectString(p, 'a schedule string');
      const v = t.value.trim();
      const fields = v.split(/\s+/);
      const ok = v.startsWith('@')
        ? SCHEDULE_PRESETS.includes(v.toLowerCase())
        : fields.length === 5 && fields.every((f) => CRON_FIELD.test(f));
      if (!ok) {
        p.fail(
          'invalid_option',
          `REFRESH_SCHEDULE must be ${SCHEDULE_PRESETS.join(', ')} or a 5-field cron expression, found '${t.value}'`,
          t,
        );
      }
      return { kind: 'refresh_schedule_option', value: t.value, span: p.spanFrom(start) };
    }
    case 'EXPIRE': {
      const t = expectString(p, 'a retention policy string');
      const v = t.value;
      if (!ISO_PERIOD.test(v) && v !== 'retain_everything' && v !== 'expire_everything') {
        p.fail(
          'invalid_option',
          `EXPIRE must be an ISO-8601 period such as 'P30D', 'retain_everything' or 'expire_everything', found '${v}'`,
          t,
        );
      }
      return { kind: 'expire_option', value: v, span: p.spanFrom(start) };
    }
    case 'DISPLAY_NAME':
      return { kind: 'display_name_option', value: expectString(p, 'a string').value, span: p.spanFrom(start) };
    default:
      return { kind: 'description_option', value: expectString(p, 'a string').value, span: p.spanFrom(start) };
  }
}

function expectString(p: Cursor, what: string): Token {
  const t = p.peek();
  if (t.type !== 'string') return p.unexpected([what + " in single quotes"]);
  return p.next();
}

/** A string from a closed set, compared case-insensitively and returned lower-cased. */
function expectOneOf<const T extends string>(p: Cursor, option: string, allowed: readonly T[]): T {
  const t = p.peek();
  const list = allowed.map((a) => `'${a}'`);
  if (t.type !== 'string') return p.unexpected([list.join(' or ')]);
  const lower = t.value.toLowerCase();
  const match = allowed.find((a) => a === lower);
  if (match === undefined) {
    p.fail('invalid_option', `${option} must be ${list.slice(0, -1).join(', ')} or ${list[list.length - 1]}, found '${t.value}'`, t);
  }
  p.next();
  return match;
}

/** `field [DAY|MONTH|YEAR] [, ...]`. */
function parsePartitions(p: Cursor): PartitionSpec[] {
  const partitions: PartitionSpec[] = [];
  do {
    const start = p.pos;
    const column: Identifier[] = [p.expectName('a column to partition by')];
    while (p.eatOp('.')) column.push(p.expectAnyName("a name after '.'"));
    let granularity: PartitionSpec['granularity'] = null;
    const t = p.peek();
    if (t.type === 'word' && (t.upper === 'DAY' || t.upper === 'MONTH' || t.upper === 'YEAR')) {
      granularity = t.upper;
      p.next();
    } else if (t.type === 'word' && t.upper !== 'AS' && !atCmvOption(p)) {
      p.fail('invalid_option', `PARTITIONED_BY takes DAY, MONTH or YEAR after the column, found ${t.value}`, t, {
        expected: ['DAY', 'MONTH', 'YEAR'],
      });
    }
    partitions.push({ kind: 'partition_spec', column, granularity, span: p.spanFrom(start) });
  } while (p.eatOp(','));
  return partitions;
}
