import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  NqlError,
  NqlSyntaxError,
  parse,
  parseStatements,
  print,
  stripSpans,
  type Expr,
  type Node,
  type Span,
} from '../../src/nql/index.js';

const seed = readFileSync(fileURLToPath(new URL('./corpus/stmt-seed-run-a-job.nql', import.meta.url)), 'utf8');

function syntaxError(text: string): NqlSyntaxError {
  try {
    parse(text);
  } catch (e) {
    if (e instanceof NqlSyntaxError) return e;
    throw e;
  }
  throw new Error(`expected ${JSON.stringify(text)} not to parse`);
}

/** All nodes of a tree with their spans, depth first. */
function* nodes(value: unknown): Generator<Node> {
  if (Array.isArray(value)) {
    for (const v of value) yield* nodes(v);
  } else if (value && typeof value === 'object') {
    if ('kind' in value && 'span' in value) yield value as Node;
    for (const [k, v] of Object.entries(value)) if (k !== 'span') yield* nodes(v);
  }
}

const slice = (text: string, span: Span) => text.slice(span.start.offset, span.end.offset);

describe('parse: FROM lists', () => {
  const from = (text: string) => {
    const body = parse(text).query.body;
    if (body.kind !== 'select_core' || !body.from) throw new Error('no FROM');
    return stripSpans(body.from) as unknown;
  };
  const table = (name: string) => ({ kind: 'table_ref', path: [{ kind: 'identifier', value: name, quoted: false }], alias: null });

  it('binds a comma looser than JOIN, left-deep across commas', () => {
    expect(from('SELECT 1 FROM a, b JOIN c USING (k), d')).toEqual({
      kind: 'join',
      type: 'COMMA',
      condition: null,
      left: {
        kind: 'join',
        type: 'COMMA',
        condition: null,
        left: table('a'),
        right: { kind: 'join', type: 'INNER', left: table('b'), right: table('c'), condition: { kind: 'join_using', columns: [{ kind: 'identifier', value: 'k', quoted: false }] } },
      },
      right: table('d'),
    });
  });

  it('reads UNNEST with ORDINALITY, an implicit alias and a column list', () => {
    expect(from('SELECT 1 FROM t CROSS JOIN UNNEST(t.tags) WITH ORDINALITY u (tag, n)')).toMatchObject({
      type: 'CROSS',
      right: {
        kind: 'unnest_ref',
        ordinality: true,
        alias: { value: 'u' },
        columns: [{ value: 'tag' }, { value: 'n' }],
        expr: { kind: 'column_ref' },
      },
    });
  });

  it('refuses commas inside parentheses, several arrays and LATERAL, at the offending token', () => {
    expect([syntaxError('SELECT 1 FROM (a JOIN b ON TRUE, c)').column, syntaxError('SELECT 1 FROM (a JOIN b ON TRUE, c)').code]).toEqual([32, 'not_allowed']);
    expect(syntaxError('SELECT 1 FROM t, UNNEST(t.a, t.b) AS u(x)').code).toBe('unsupported');
    expect(syntaxError('SELECT 1 FROM t, LATERAL (SELECT 1) s').code).toBe('unsupported');
  });
});

describe('parse', () => {
  it('parses the seed query from the Run-a-job page', () => {
    const ast = parse(seed);
    expect(ast.kind).toBe('create_materialized_view');
    if (ast.kind !== 'create_materialized_view') return;
    expect(ast.name).toMatchObject({ value: 'sampleNQL', quoted: true });
    expect(ast.query.with?.ctes.map((c) => c.name.value)).toEqual(['OrderedData', 'ContinuousPresence']);
  });

  it('gives every node a span whose text is the node', () => {
    const ast = parse(seed);
    for (const node of nodes(ast)) {
      const { start, end } = node.span;
      expect(start.offset).toBeLessThanOrEqual(end.offset);
      // line/column agree with the offset.
      const before = seed.slice(0, start.offset).split('\n');
      expect(start.line).toBe(before.length);
      expect(start.column).toBe((before[before.length - 1] ?? '').length + 1);
    }
    const texts = [...nodes(ast)].filter((n) => n.kind === 'column_ref').map((n) => slice(seed, n.span));
    expect(texts).toContain('"mobile_id_unique_identifier"."value"');
    const lag = [...nodes(ast)].find((n) => n.kind === 'function_call');
    expect(slice(seed, lag!.span)).toMatch(/^LAG\("event_timestamp", 1\) OVER \(PARTITION BY .* ORDER BY "event_timestamp"\)$/);
    const between = [...nodes(ast)].find((n) => n.kind === 'between');
    expect(slice(seed, between!.span)).toBe(
      'extract(minute FROM event_timestamp) - extract(minute FROM prev_timestamp) BETWEEN 40 AND 120',
    );
    expect(slice(seed, ast.span)).toBe(seed.trimEnd());
  });

  it('includes parentheses of a parenthesised set operand in its span', () => {
    const text = '(SELECT a FROM t) UNION ALL SELECT b FROM u';
    const ast = parse(text);
    if (ast.kind !== 'select' || ast.query.body.kind !== 'set_operation') throw new Error('unexpected shape');
    expect(slice(text, ast.query.body.left.span)).toBe('(SELECT a FROM t)');
  });

  it('normalises != to <> and x::t to CAST', () => {
    expect(stripSpans(parse('SELECT a != 1, b::BIGINT'))).toEqual(stripSpans(parse('SELECT a <> 1, CAST(b AS BIGINT)')));
  });

  it('reads a parenthesised scalar subquery that continues as a set operation', () => {
    const ast = parse('SELECT ((SELECT 1) UNION ALL SELECT 2) AS x');
    const expr = (ast as { query: { body: { projections: { expr: Expr }[] } } }).query.body.projections[0]!.expr;
    expect(expr.kind).toBe('subquery');
    if (expr.kind !== 'subquery') return;
    expect(expr.query.body.kind).toBe('set_operation');
    expect(print(ast)).toBe('SELECT ((SELECT 1) UNION ALL SELECT 2) AS x');
  });

  it('reads IN with a parenthesised first operand of a union as an IN subquery', () => {
    const ast = parse('SELECT a FROM t WHERE a IN ((SELECT b FROM u) UNION SELECT c FROM v)');
    expect(JSON.stringify(stripSpans(ast))).toContain('"kind":"in_subquery"');
    expect(JSON.stringify(stripSpans(parse('SELECT a FROM t WHERE a IN ((SELECT b FROM u), 2)')))).toContain(
      '"kind":"in_list"',
    );
  });

  it('reads a parenthesised join whose first item is a subquery', () => {
    const text = 'SELECT a FROM t JOIN ((SELECT k FROM u) AS s JOIN v ON s.k = v.k) ON t.k = s.k';
    const ast = parse(text);
    expect(print(ast)).toBe(text);
  });

  it('throws NqlSyntaxError with code, position, expected and found', () => {
    const e = syntaxError('SELECT a\nFROM t\nWHERE )');
    expect(e).toBeInstanceOf(NqlError);
    expect(e.name).toBe('NqlSyntaxError');
    expect(e.code).toBe('unexpected_token');
    expect(e.errors).toHaveLength(1);
    expect(e.errors[0]).toMatchObject({
      line: 3,
      column: 7,
      message: "expected an expression, found ')'",
      expected: ['an expression'],
      found: "')'",
    });
    expect(e.span).toEqual({ start: { offset: 22, line: 3, column: 7 }, end: { offset: 23, line: 3, column: 8 } });
    expect(e.message).toBe("expected an expression, found ')' (line 3, column 7)");
  });

  it('lists what the view options allow when AS is missing', () => {
    const e = syntaxError('CREATE MATERIALIZED VIEW "v" SELECT 1');
    expect(e.errors[0]?.expected).toEqual([
      'AS',
      'REFRESH_SCHEDULE',
      'DISPLAY_NAME',
      'DESCRIPTION',
      'EXPIRE',
      'STATUS',
      'TAGS',
      'WRITE_MODE',
      'EXTENDED_STATS',
      'PARTITIONED_BY',
    ]);
  });

  it('uses codes for forbidden and invalid constructs', () => {
    expect(syntaxError('SELECT * FROM t').code).toBe('not_allowed');
    expect(syntaxError('SELECT COUNT(*) FROM t').code).toBe('not_allowed');
    expect(syntaxError("CREATE MATERIALIZED VIEW v WRITE_MODE = 'x' AS SELECT 1").code).toBe('invalid_option');
    expect(syntaxError('SELECT a FROM t MERGE').code).toBe('unexpected_token');
    expect(syntaxError("SELECT 'a").code).toBe('unterminated');
  });

  it('honours a custom nesting limit', () => {
    const text = 'SELECT ' + '('.repeat(30) + '1' + ')'.repeat(30);
    expect(() => parse(text)).not.toThrow();
    const e = (() => {
      try {
        parse(text, { maxDepth: 20 });
      } catch (err) {
        return err as NqlSyntaxError;
      }
      throw new Error('expected too_deep');
    })();
    expect(e.code).toBe('too_deep');
  });

  it('accepts a budget after a row limit and rejects one inside a subquery', () => {
    const ast = parse('SELECT a FROM t LIMIT 10 ROWS LIMIT 5 USD PER CALENDAR_DAY');
    expect(ast).toMatchObject({ query: { limit: { rows: true } }, budget: { amount: '5', period: 'CALENDAR_DAY' } });
    expect(syntaxError('SELECT a FROM (SELECT a FROM t LIMIT ALL) s').message).toContain('can only end the statement');
  });
});

describe('parseStatements', () => {
  it('splits a script on semicolons and skips empty statements', () => {
    const statements = parseStatements('SELECT 1;; EXPLAIN SELECT 2 ;\nCREATE MATERIALIZED VIEW v AS SELECT 3;');
    expect(statements.map((s) => s.kind)).toEqual(['select', 'explain', 'create_materialized_view']);
    expect(parseStatements('  -- nothing\n')).toEqual([]);
  });

  it('requires a semicolon between statements', () => {
    expect(() => parseStatements('SELECT 1 SELECT 2')).toThrow(/expected ';' or end of input/);
  });
});
