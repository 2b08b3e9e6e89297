import { describe, expect, it } from 'vitest';
import type { Analysis } from '../../src/nql/analyzer/index.js';
import { NqlAnalysisError, analyze, collectDatasetRefs } from '../../src/nql/analyzer/index.js';
import { NqlSyntaxError } from '../../src/nql/errors.js';
import { parse } from '../../src/nql/parser.js';
import { fixtureCatalog } from './fixtures/datasets.js';
import { analyzeNql } from './fixtures/pipeline.js';

/** The errors `analyze` reports for `text`, as `line:column message`. */
function errorsOf(text: string): string[] {
  try {
    analyzeNql(text);
  } catch (e) {
    if (e instanceof NqlAnalysisError) return e.errors.map((d) => `${d.line}:${d.column} ${d.message}`);
    throw e;
  }
  throw new Error(`expected analysis errors for: ${text}`);
}

function outputTypes(analysis: Analysis): Record<string, string> {
  return Object.fromEntries(analysis.outputColumns.map((c) => [c.name, JSON.stringify(c.type)]));
}

describe('collectDatasetRefs', () => {
  it('finds ids, unique names and both quoting styles, without CTE names or duplicates', () => {
    const stmt = parse(`WITH c AS (SELECT id FROM company_data."100")
      SELECT c.id FROM c JOIN "company_data"."200" u ON TRUE
      WHERE EXISTS (SELECT 1 FROM company_data.events e) AND c.id IN (SELECT id FROM company_data."100")`);
    expect(collectDatasetRefs(stmt)).toEqual([{ id: 100 }, { id: 200 }, { name: 'events' }]);
  });

  it('includes DELTA sources and CMV queries, ignores other schemas', () => {
    const stmt = parse('CREATE MATERIALIZED VIEW "v" AS SELECT d.id FROM DELTA(TABLE company_data."100") d JOIN narrative.rosetta_stone r ON TRUE');
    expect(collectDatasetRefs(stmt)).toEqual([{ id: 100 }]);
  });
});

describe('analyze: datasetIds (the API infers the data plane from them)', () => {
  const idsOf = (text: string) => analyzeNql(text).datasetIds;

  it('lists every dataset read, wherever it is read, once and ascending', () => {
    expect(idsOf('WITH c AS (SELECT id FROM company_data."200" u, company_data."100" e) SELECT COUNT(1) AS n FROM c')).toEqual([100, 200]);
    expect(idsOf('SELECT t.id FROM (SELECT id FROM company_data."6402" s, company_data."100" e) t')).toEqual([100, 6402]);
    expect(idsOf('SELECT id FROM company_data."100" WHERE user_id IN (SELECT user_id FROM company_data.users)')).toEqual([100, 200]);
    expect(idsOf('SELECT id, (SELECT MAX(age) FROM company_data."200") AS a FROM company_data."100" WHERE EXISTS (SELECT 1 FROM company_data."6402")')).toEqual([100, 200, 6402]);
    expect(idsOf('SELECT e.id FROM company_data."100" e, company_data."200" u JOIN company_data."6402" s ON u.name = s."mobile_id_unique_identifier"."value"')).toEqual([100, 200, 6402]);
    expect(idsOf('SELECT d.id FROM DELTA(TABLE company_data."100") d')).toEqual([100]);
  });

  it('includes datasets read inside an UNNEST argument', () => {
    const text = `SELECT u.x FROM company_data."100" e,
      UNNEST((SELECT COLLECT_LIST(name) FROM company_data."200")) AS u(x)`;
    expect(idsOf(text)).toEqual([100, 200]);
  });
});

describe('analyze: UNNEST', () => {
  it('types the element and the 1-based position, and names them as written', () => {
    const analysis = analyzeNql(`SELECT t.tag, t.n, i.ident, i.ident.type AS kind, o
      FROM company_data."100" e CROSS JOIN UNNEST(e.tags) WITH ORDINALITY AS t(tag, n), UNNEST(e.identifiers) AS i(ident),
           UNNEST(e.tags) AS o`);
    expect(outputTypes(analysis)).toEqual({
      tag: '{"type":"string"}',
      n: '{"type":"long"}',
      ident: '{"type":"object","properties":{"type":{"type":"string"},"value":{"type":"string"}}}',
      kind: '{"type":"string"}',
      o: '{"type":"string"}',
    });
  });
});

describe('analyze: resolution and output schema', () => {
  it('resolves the seed query and infers its schema', () => {
    const analysis = analyze(parse(`EXPLAIN SELECT "mobile_id_unique_identifier"."value" AS mobile_id, "timestamp_object"."day",
      EXTRACT(MINUTE FROM event_timestamp) AS m FROM "company_data"."6402"`), fixtureCatalog());
    expect(analysis.kind).toBe('explain');
    expect(analysis.datasetIds).toEqual([6402]);
    expect(analysis.outputSchema).toEqual({
      type: 'object',
      properties: {
        mobile_id: { type: 'string', display_name: 'mobile_id' },
        day: { type: 'date', display_name: 'day' },
        m: { type: 'long', display_name: 'm' },
      },
    });
  });

  it('accepts every form of nested access', () => {
    const analysis = analyzeNql(`SELECT "geo"."city", e."geo"."lat", e."geo".lon AS lon2,
        "geo"['city'] AS c2, e.identifiers[0].type, e.identifiers[1]['value'] AS v, tags[0] AS tag
      FROM company_data."100" e`);
    expect(outputTypes(analysis)).toEqual({
      city: '{"type":"string"}',
      lat: '{"type":"double"}',
      lon2: '{"type":"double"}',
      c2: '{"type":"string"}',
      type: '{"type":"string"}',
      v: '{"type":"string"}',
      tag: '{"type":"string"}',
    });
  });

  it('resolves through CTEs, CTE column lists, derived tables and aliases', () => {
    const analysis = analyzeNql(`WITH a (uid, total) AS (SELECT user_id, SUM(amount) FROM company_data.events GROUP BY user_id),
        b AS (SELECT uid, total * 2 AS doubled FROM a)
      SELECT x.uid, x.doubled, y.n FROM b x JOIN (SELECT user_id, COUNT(1) AS n FROM company_data."200" GROUP BY user_id) y ON x.uid = y.user_id`);
    expect(analysis.datasetIds).toEqual([100, 200]);
    expect(outputTypes(analysis)).toEqual({ uid: '{"type":"string"}', doubled: '{"type":"double"}', n: '{"type":"long"}' });
  });

  it('names unaliased expressions _c<position> and infers types of functions and operators', () => {
    const analysis = analyzeNql(`SELECT id + 1, amount / 2, COUNT(1) OVER (), DATE_TRUNC('day', event_date), COLLECT_LIST(tags[0]) OVER (),
        CASE WHEN id > 1 THEN 1 ELSE 2.5 END AS widened, CAST(id AS STRING) AS s FROM company_data."100"`);
    expect(outputTypes(analysis)).toEqual({
      _c0: '{"type":"long"}',
      _c1: '{"type":"double"}',
      _c2: '{"type":"long"}',
      _c3: '{"type":"timestamptz"}',
      _c4: '{"type":"array","items":{"type":"string"}}',
      widened: '{"type":"double"}',
      s: '{"type":"string"}',
    });
  });

  it('lets ORDER BY, GROUP BY, HAVING and QUALIFY use select aliases', () => {
    expect(() =>
      analyzeNql(`SELECT user_id AS u, COUNT(1) AS n FROM company_data."100" GROUP BY u HAVING n > 1
        QUALIFY ROW_NUMBER() OVER (ORDER BY COUNT(1)) = 1 AND n > 0 ORDER BY n DESC, u`),
    ).not.toThrow();
  });

  it('matches names case-insensitively when unambiguous', () => {
    const analysis = analyzeNql('SELECT "GEO"."City", ID FROM company_data."100"');
    expect(analysis.outputColumns.map((c) => c.name)).toEqual(['city', 'id']);
  });
});

describe('analyze: errors carry positions and are all reported', () => {
  it('reports an unknown dataset by the name the user wrote', () => {
    expect(errorsOf('SELECT a FROM company_data."999"')).toEqual(['1:15 unknown dataset company_data."999"']);
    expect(errorsOf('SELECT a FROM company_data.nope')).toEqual(['1:15 unknown dataset company_data.nope']);
    expect(errorsOf('SELECT a FROM orders')).toEqual(['1:15 unknown dataset orders']);
  });

  it('reports unknown columns and nested attributes against the dataset', () => {
    expect(errorsOf('SELECT x FROM company_data."100"')).toEqual(['1:8 unknown column "x" in company_data."100"']);
    expect(errorsOf('SELECT "geo"."town" FROM company_data."100"')).toEqual(['1:8 unknown column "geo"."town" in company_data."100"']);
    expect(errorsOf('SELECT e.nope FROM company_data.events e')).toEqual(['1:8 unknown column "nope" in company_data.events']);
    expect(errorsOf('SELECT "geo"."city"."x" FROM company_data."100"')).toEqual([
      '1:8 "geo"."city" is string, not an object: no attribute "x" in company_data."100"',
    ]);
  });

  it('collects every error of a statement, in source order', () => {
    expect(errorsOf(`SELECT nope, FOO(id), user_id
FROM company_data."100" e JOIN company_data."200" u ON e.user_id = u.user_id
WHERE e.missing > 1 AND "profile"."tier" = 'gold' AND zz.id = 1`)).toEqual([
      '1:8 unknown column "nope"',
      '1:14 unknown function FOO',
      '1:23 column "user_id" is ambiguous: it exists in company_data."100", company_data."200"; qualify it',
      '3:7 unknown column "missing" in company_data."100"',
      '3:55 unknown column "zz"."id"',
    ]);
  });

  it('reports an unknown dataset once, not once per column read from it', () => {
    expect(errorsOf('SELECT x.a, x.b, c FROM company_data."999" x JOIN company_data."100" e ON x.id = e.id')).toEqual([
      '1:25 unknown dataset company_data."999"',
    ]);
  });

  it('reports ambiguous columns across joined datasets', () => {
    expect(errorsOf('SELECT user_id FROM company_data."100" e JOIN company_data."200" u ON e.user_id = u.user_id')).toEqual([
      '1:8 column "user_id" is ambiguous: it exists in company_data."100", company_data."200"; qualify it',
    ]);
  });

  it('refuses engine table functions, file readers and system catalogs', () => {
    expect(errorsOf("SELECT read_csv('/etc/passwd') AS x")).toEqual(['1:8 function read_csv is not allowed: NQL reads datasets only']);
    expect(errorsOf("SELECT glob('*') AS x, getenv('HOME') AS y")).toHaveLength(2);
    expect(errorsOf('SELECT duckdb_settings() AS x')[0]).toContain('not allowed');
    expect(errorsOf('SELECT a FROM read_parquet')[0]).toContain('not allowed');
    expect(errorsOf('SELECT table_name FROM information_schema.tables')[0]).toBe(
      '1:24 information_schema.tables is not allowed: system catalogs and files are not available in NQL',
    );
    expect(errorsOf('SELECT a FROM duckdb_tables')[0]).toContain('not allowed');
    expect(errorsOf('SELECT a FROM pg_catalog.pg_tables')[0]).toContain('not allowed');
    // A call in FROM is not even NQL syntax.
    expect(() => parse("SELECT a FROM read_csv('/etc/passwd')")).toThrow(NqlSyntaxError);
  });

  it('refuses identifiers that Spark would substitute as variables', () => {
    expect(errorsOf('SELECT id AS "${env:AWS_SECRET_ACCESS_KEY}" FROM company_data."100"')).toEqual([
      '1:14 names must not contain "${"',
    ]);
    expect(errorsOf('WITH "${x}" ("${y}") AS (SELECT 1 AS a) SELECT CAST(NULL AS STRUCT<"${z}": BIGINT>) AS s FROM "${x}" AS "${w}"')).toEqual([
      '1:6 names must not contain "${"',
      '1:14 names must not contain "${"',
      '1:68 names must not contain "${"',
      '1:105 names must not contain "${"',
    ]);
  });

  it('limits _price_cpm_usd to a <= filter', () => {
    expect(() => analyzeNql('SELECT id FROM company_data."100" e WHERE e._price_cpm_usd <= 2.50 AND _price_cpm_usd <= 0')).not.toThrow();
    const misuse = '_price_cpm_usd may only be used in a filter of the form _price_cpm_usd <= <number>';
    expect(errorsOf('SELECT id FROM company_data."100" WHERE _price_cpm_usd >= 1')).toEqual([`1:41 ${misuse}`]);
    expect(errorsOf('SELECT _price_cpm_usd FROM company_data."100"')).toEqual([`1:8 ${misuse}`]);
    expect(errorsOf('SELECT id FROM company_data."100" WHERE _price_cpm_usd <= id')).toEqual([
      '1:59 _price_cpm_usd must be compared with a number, e.g. _price_cpm_usd <= 1.50',
    ]);
  });

  it('checks where aggregates and window functions may appear', () => {
    expect(errorsOf('SELECT id FROM company_data."100" WHERE COUNT(1) > 1')).toEqual(['1:41 aggregate COUNT is not allowed in WHERE']);
    expect(errorsOf('SELECT COUNT(1) FROM company_data."100" GROUP BY ROW_NUMBER() OVER ()')).toEqual([
      '1:50 window function ROW_NUMBER is not allowed in GROUP BY',
    ]);
    expect(errorsOf('SELECT SUM(COUNT(1)) FROM company_data."100"')).toEqual(['1:12 aggregate COUNT is not allowed in SUM(...)']);
    expect(errorsOf('SELECT ROW_NUMBER() FROM company_data."100"')).toEqual(['1:8 ROW_NUMBER is a window function and needs OVER (...)']);
  });

  it('checks arity and argument types', () => {
    expect(errorsOf('SELECT LOWER(id) FROM company_data."100"')).toEqual(['1:8 LOWER argument 1 must be string, got long']);
    expect(errorsOf('SELECT SUBSTRING(user_id) FROM company_data."100"')).toEqual(['1:8 SUBSTRING takes 2 to 3 arguments, got 1']);
    expect(errorsOf("SELECT id FROM company_data.\"100\" WHERE user_id = 1")).toEqual(['1:41 cannot compare string with long']);
    expect(errorsOf("SELECT DATE_TRUNC('fortnight', event_date) FROM company_data.\"100\"")[0]).toContain('DATE_TRUNC unit must be one of');
    expect(errorsOf('SELECT SHA2(user_id, 512) FROM company_data."100"')).toEqual(['1:8 SHA2 supports only 256 bits: SHA2(s, 256)']);
    expect(errorsOf("SELECT id FROM company_data.\"100\" WHERE event_date = DATE '2024-02-30'")[0]).toContain('invalid DATE literal');
  });

  it('refuses duplicate output names, regardless of case', () => {
    expect(errorsOf('SELECT id, amount AS ID FROM company_data."100"')).toEqual([
      '1:12 duplicate output column "ID" (also "id"); give one an alias',
    ]);
    expect(errorsOf('SELECT "geo"."city", u."profile"."address"."city" FROM company_data."100" e JOIN company_data."200" u ON TRUE')).toHaveLength(1);
  });

  it('refuses columns without a storable type', () => {
    expect(errorsOf('SELECT NULL AS nothing')).toEqual([
      '1:8 output column "nothing" has no storable type (null); CAST it, e.g. CAST(NULL AS STRING)',
    ]);
  });
});

describe('analyze: CREATE MATERIALIZED VIEW options', () => {
  it('applies the documented defaults', () => {
    const analysis = analyzeNql('CREATE MATERIALIZED VIEW "v1" AS SELECT id FROM company_data."100"');
    expect(analysis.kind).toBe('create_materialized_view');
    expect(analysis.view).toEqual({
      name: 'v1',
      display_name: 'v1',
      description: null,
      tags: ['_nio_materialized_view'],
      write_mode: 'append',
      extended_stats: 'all',
      retention_policy: { type: 'retain_everything' },
      refresh_schedule: '@once',
      partitioned_by: [],
      budget: null,
      status: null,
    });
  });

  it('extracts every option', () => {
    const analysis = analyzeNql(`CREATE MATERIALIZED VIEW "daily_events"
      REFRESH_SCHEDULE = '15 3 * * 1'
      DISPLAY_NAME = 'Daily events'
      DESCRIPTION = 'Events per day'
      EXPIRE = 'P30D'
      STATUS = 'draft'
      TAGS = ('reporting', '_nio_materialized_view', 'reporting')
      WRITE_MODE = 'overwrite'
      EXTENDED_STATS = 'none'
      PARTITIONED_BY event_date DAY, "geo"."city"
      AS SELECT event_date, geo, COUNT(1) AS n FROM company_data."100" GROUP BY event_date, geo
      LIMIT 500 USD PER CALENDAR_MONTH`);
    expect(analysis.view).toEqual({
      name: 'daily_events',
      display_name: 'Daily events',
      description: 'Events per day',
      tags: ['_nio_materialized_view', 'reporting'],
      write_mode: 'overwrite',
      extended_stats: 'none',
      retention_policy: { type: 'expire_when', period: 'P30D' },
      refresh_schedule: '15 3 * * 1',
      partitioned_by: [
        { column: ['event_date'], granularity: 'DAY' },
        { column: ['geo', 'city'], granularity: null },
      ],
      budget: { type: 'limit', amount_usd: '500', period: 'CALENDAR_MONTH' },
      status: 'draft',
    });
    expect(analysis.outputSchema.properties['geo']).toEqual({
      type: 'object',
      display_name: 'geo',
      properties: { lat: { type: 'double' }, lon: { type: 'double' }, city: { type: 'string' } },
    });
  });

  it('reports invalid partitions and view column names', () => {
    expect(errorsOf('CREATE MATERIALIZED VIEW "v" PARTITIONED_BY nope DAY AS SELECT id FROM company_data."100"')[0]).toContain(
      'PARTITIONED_BY column "nope" is not an output column of the view',
    );
    expect(errorsOf('CREATE MATERIALIZED VIEW "v" PARTITIONED_BY id MONTH AS SELECT id FROM company_data."100"')[0]).toContain(
      'PARTITIONED_BY MONTH needs a date or timestamp',
    );
    expect(errorsOf('CREATE MATERIALIZED VIEW "v" AS SELECT id AS "my id" FROM company_data."100"')[0]).toContain(
      'output column name "my id" must be letters, digits and underscores',
    );
  });

  it('compiles only the inner query of EXPLAIN and CMV', () => {
    const analysis = analyzeNql('CREATE MATERIALIZED VIEW "v" AS SELECT id FROM company_data."100" BUDGET 50 USD');
    expect(analysis.query.kind).toBe('query');
    expect(analysis.view?.budget).toEqual({ type: 'limit', amount_usd: '50', period: null });
  });
});
