import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, print, stripSpans } from '../../src/nql/index.js';

const seed = readFileSync(fileURLToPath(new URL('./corpus/stmt-seed-run-a-job.nql', import.meta.url)), 'utf8');

/** Prints the parse of `text`; checks on the way that the output reads back as the same tree. */
function canonical(text: string): string {
  const ast = parse(text);
  const printed = print(ast);
  expect(stripSpans(parse(printed))).toEqual(stripSpans(ast));
  return printed;
}

describe('print', () => {
  it('prints the seed query canonically', () => {
    expect(canonical(seed)).toBe(
      'CREATE MATERIALIZED VIEW "sampleNQL" AS WITH OrderedData AS (SELECT "mobile_id_unique_identifier"."value" AS mobile_id, ' +
        '"timestamp_object"."day", "timestamp_object"."hour", "geographic_location"."latitude", "geographic_location"."longitude", ' +
        '"event_timestamp", LAG("event_timestamp", 1) OVER (PARTITION BY "mobile_id_unique_identifier"."value", ' +
        '"geographic_location"."latitude", "geographic_location"."longitude" ORDER BY "event_timestamp") AS prev_timestamp ' +
        'FROM "company_data"."6402" WHERE "mobile_id_unique_identifier"."value" IS NOT NULL), ContinuousPresence AS ' +
        '(SELECT mobile_id, "day", "hour", latitude, longitude, event_timestamp, prev_timestamp, CASE WHEN ' +
        'EXTRACT(MINUTE FROM event_timestamp) - EXTRACT(MINUTE FROM prev_timestamp) BETWEEN 40 AND 120 THEN 1 ELSE 0 END ' +
        'AS is_continuous FROM OrderedData) SELECT mobile_id, "day", "hour", latitude, longitude FROM ContinuousPresence ' +
        'WHERE is_continuous = 1 GROUP BY mobile_id, "day", "hour", latitude, longitude',
    );
  });

  it('uses upper-case keywords, AS before aliases and <> for not-equals', () => {
    expect(canonical('select a x from t u where b != 1')).toBe('SELECT a AS x FROM t AS u WHERE b <> 1');
  });

  it('adds only the parentheses precedence needs', () => {
    expect(canonical('SELECT (a + b) * c, a + (b * c), (a - b) - c, a - (b - c)')).toBe(
      'SELECT (a + b) * c, a + b * c, a - b - c, a - (b - c)',
    );
    expect(canonical('SELECT a FROM t WHERE (a OR b) AND NOT (c OR d) AND (NOT e) = f')).toBe(
      'SELECT a FROM t WHERE (a OR b) AND NOT (c OR d) AND (NOT e) = f',
    );
    expect(canonical('SELECT (a = b) IS NULL, a = (b IS NULL), (a BETWEEN 1 AND 2) = TRUE')).toBe(
      // Comparisons are left-associative, so a BETWEEN on the left of = needs no parentheses.
      'SELECT a = b IS NULL, a = (b IS NULL), a BETWEEN 1 AND 2 = TRUE',
    );
    expect(canonical('SELECT x BETWEEN (a AND b) AND c')).toBe('SELECT x BETWEEN (a AND b) AND c');
  });

  it('never prints -- for nested minus signs', () => {
    expect(canonical('SELECT - -a, -(-a), a - -b')).toBe('SELECT -(-a), -(-a), a - -b');
  });

  it('keeps parentheses that change how a path or a number reads', () => {
    expect(canonical('SELECT (a.b).c, a.b.c, (1).x, f(x).y, (-a).b')).toBe('SELECT (a.b).c, a.b.c, (1).x, f(x).y, (-a).b');
  });

  it('parenthesises right-nested joins and set operations', () => {
    expect(canonical('SELECT a FROM t JOIN (u JOIN v ON b) ON c')).toBe('SELECT a FROM t JOIN (u JOIN v ON b) ON c');
    expect(canonical('SELECT 1 UNION (SELECT 2 UNION SELECT 3)')).toBe('SELECT 1 UNION (SELECT 2 UNION SELECT 3)');
    expect(canonical('SELECT 1 UNION SELECT 2 INTERSECT SELECT 3')).toBe('SELECT 1 UNION SELECT 2 INTERSECT SELECT 3');
  });

  it('prints literals, types, options and budgets in their canonical forms', () => {
    expect(canonical("SELECT 'it''s', DATE '2024-01-01', INTERVAL 3 days, INTERVAL '1-2' YEAR TO MONTH, 1E5")).toBe(
      "SELECT 'it''s', DATE '2024-01-01', INTERVAL '3' DAY, INTERVAL '1-2' YEAR TO MONTH, 1e5",
    );
    expect(canonical('SELECT CAST(a AS struct<x int, y array<string>>), b::decimal(10,2)')).toBe(
      'SELECT CAST(a AS STRUCT<x: INT, y: ARRAY<STRING>>), CAST(b AS DECIMAL(10, 2))',
    );
    expect(
      canonical(
        "create materialized view v refresh_schedule '@daily' tags ('a','b') partitioned_by d day, m as select 1 limit 5 usd per calendar_month",
      ),
    ).toBe(
      "CREATE MATERIALIZED VIEW v REFRESH_SCHEDULE = '@daily' TAGS = ('a', 'b') PARTITIONED_BY d DAY, m AS SELECT 1 LIMIT 5 USD PER CALENDAR_MONTH",
    );
    expect(canonical('EXPLAIN SELECT 1 NO LIMIT')).toBe('EXPLAIN SELECT 1 NO LIMIT');
  });

  it('prints windows, frames and ordering', () => {
    expect(
      canonical(
        'SELECT SUM(x) OVER (w PARTITION BY a ORDER BY b DESC NULLS LAST ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) FROM t WINDOW w AS ()',
      ),
    ).toBe(
      'SELECT SUM(x) OVER (w PARTITION BY a ORDER BY b DESC NULLS LAST ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) FROM t WINDOW w AS ()',
    );
  });
});
