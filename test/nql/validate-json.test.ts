import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, toValidateJson, type ValidateNode } from '../../src/nql/index.js';

const seed = readFileSync(fileURLToPath(new URL('./corpus/stmt-seed-run-a-job.nql', import.meta.url)), 'utf8');

/** Every node in a validate tree, depth first. */
function* walk(value: unknown): Generator<ValidateNode> {
  if (Array.isArray(value)) {
    for (const v of value) yield* walk(v);
  } else if (value && typeof value === 'object') {
    if ('type' in value && 'nql' in value) yield value as ValidateNode;
    for (const v of Object.values(value)) yield* walk(v);
  }
}

const render = (text: string) => toValidateJson(parse(text));

describe('toValidateJson (POST /nql/validate shapes)', () => {
  it('gives every node a type and its normalised NQL text', () => {
    const json = toValidateJson(parse(seed));
    const all = [...walk(json)];
    expect(all.length).toBeGreaterThan(50);
    for (const node of all) {
      expect(typeof node.type).toBe('string');
      expect(typeof node.nql).toBe('string');
      expect(node.nql.length).toBeGreaterThan(0);
    }
  });

  it('renders CREATE MATERIALIZED VIEW as {name, select} and the select fields', () => {
    const json = toValidateJson(parse(seed));
    expect(json).toMatchObject({ type: 'create_materialized_view', name: 'sampleNQL' });
    const select = json['select'] as ValidateNode;
    expect(Object.keys(select).sort()).toEqual(
      [
        'columns',
        'from',
        'group_by',
        'having',
        'is_distinct',
        'limit',
        'nql',
        'offset',
        'order_by',
        'qualify',
        'type',
        'where',
        'windows',
        'with',
      ].sort(),
    );
    expect(select).toMatchObject({ type: 'select', is_distinct: false, having: null, limit: null, qualify: null });
    expect((select['with'] as ValidateNode[]).map((w) => [w.type, w['name']])).toEqual([
      ['as', 'OrderedData'],
      ['as', 'ContinuousPresence'],
    ]);
    expect(select['from']).toMatchObject({ type: 'table', db: null, schema: null, table: 'ContinuousPresence' });
  });

  it('renders tables, columns and ambiguous paths', () => {
    const json = render('SELECT a, t.b, "x"."y"."z" FROM company_data."6402" AS t');
    expect(json['from']).toMatchObject({
      type: 'as',
      name: 't',
      value: { type: 'table', db: null, schema: 'company_data', table: '6402', metadata: null },
    });
    expect(json['columns']).toEqual([
      { type: 'column', nql: 'a', db: null, schema: null, table: null, column: 'a', metadata: { column_type: 'column' } },
      { type: 'ambiguous', nql: 't.b', parts: ['t', 'b'] },
      { type: 'ambiguous', nql: '"x"."y"."z"', parts: ['x', 'y', 'z'] },
    ]);
  });

  it('fills catalog metadata through the callbacks', () => {
    const json = toValidateJson(parse('SELECT t.b FROM company_data."6402" t'), {
      resolveTable: (path) => (path[1] === '6402' ? { id: 6402, name: 'visits', table_type: 'dataset' } : null),
      resolveColumn: (parts) => ({ db: null, schema: 'company_data', table: '6402', column: parts[1] ?? '' }),
    });
    expect(json['from']).toMatchObject({ value: { metadata: { id: 6402, name: 'visits', table_type: 'dataset' } } });
    expect(json['columns']).toMatchObject([{ type: 'column', table: '6402', column: 'b' }]);
  });

  it('renders operators, functions, aggregates, literals, CASE and windows', () => {
    const json = render(
      "SELECT COUNT(DISTINCT a), upper(b), CASE WHEN c > 1 THEN 'x' END, LAG(d) OVER (PARTITION BY e ORDER BY f ROWS 2 PRECEDING) FROM t WHERE g IS NOT NULL",
    );
    const [count, upper, kase, lag] = json['columns'] as ValidateNode[];
    expect(count).toMatchObject({ type: 'agg_function', name: 'COUNT', quantifier: 'distinct' });
    expect(upper).toMatchObject({ type: 'function', name: 'UPPER', args: [{ type: 'column', column: 'b' }] });
    expect(kase).toMatchObject({
      type: 'case',
      when: [{ type: 'binary_op', name: '>', right: { type: 'literal', value_type: { type: 'INTEGER' }, value: 1 } }],
      then: [{ type: 'literal', value_type: { type: 'CHAR' }, value: 'x' }],
      else: null,
    });
    expect(lag).toMatchObject({
      type: 'function',
      name: 'LAG',
      window: {
        type: 'window',
        partitions: [{ type: 'column', column: 'e' }],
        order_by: [{ type: 'column', column: 'f' }],
        lower_bound: { type: 'operator', name: 'PRECEDING' },
        upper_bound: { type: 'literal', value: 'CURRENT ROW' },
      },
    });
    expect(json['where']).toMatchObject({ type: 'operator', name: 'IS NOT NULL', nql: 'g IS NOT NULL' });
  });

  it('renders joins with their type and condition', () => {
    const json = render('SELECT a FROM t LEFT JOIN u ON t.k = u.k CROSS JOIN v');
    expect(json['from']).toMatchObject({
      type: 'join',
      join_type: 'cross',
      condition_type: 'none',
      left: { type: 'join', join_type: 'left', condition_type: 'on', condition: { type: 'binary_op', name: '=' } },
      right: { type: 'table', table: 'v' },
    });
  });

  it('renders comma joins as join_type comma and UNNEST as a function with its alias', () => {
    const json = render('SELECT a FROM t, u JOIN v ON u.k = v.k, UNNEST(t.tags) WITH ORDINALITY AS x(tag, n)');
    expect(json['from']).toMatchObject({
      type: 'join',
      join_type: 'comma',
      condition_type: 'none',
      left: { type: 'join', join_type: 'comma', left: { type: 'table', table: 't' }, right: { type: 'join', join_type: 'inner' } },
      right: {
        type: 'as',
        nql: 'UNNEST(t.tags) WITH ORDINALITY AS x(tag, n)',
        name: 'x',
        columns: ['tag', 'n'],
        value: { type: 'function', name: 'UNNEST WITH ORDINALITY', args: [{ type: 'ambiguous', parts: ['t', 'tags'] }] },
      },
    });
  });

  it('renders EXPLAIN as {query} and keeps the budget in the statement text', () => {
    expect(render('EXPLAIN SELECT a FROM t')).toMatchObject({ type: 'explain', query: { type: 'select' } });
    expect(render('SELECT a FROM t LIMIT 5 USD')).toMatchObject({ type: 'select', nql: 'SELECT a FROM t LIMIT 5 USD' });
  });

  it('renders big integers as strings so no digit is lost', () => {
    const json = render('SELECT 739881302291276700, 42');
    expect(json['columns']).toMatchObject([
      { type: 'literal', value_type: { type: 'BIGINT' }, value: '739881302291276700' },
      { type: 'literal', value_type: { type: 'INTEGER' }, value: 42 },
    ]);
  });

  it('uses unknown for queries without a documented shape', () => {
    expect(render('(SELECT 1 UNION SELECT 2) ORDER BY 1')).toMatchObject({ type: 'unknown' });
    expect(render('SELECT 1 UNION ALL SELECT 2')).toMatchObject({ type: 'operator', name: 'UNION ALL' });
  });
});
