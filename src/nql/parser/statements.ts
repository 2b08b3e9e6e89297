import type { Budget, Statement } from '../ast.js';
import { atCmvOption, CMV_OPTION_NAMES, parseCmvOptions } from './cmv-options.js';
import type { Cursor } from './cursor.js';
import { atLimitBudget, parseQuery } from './queries.js';

/** View names are slugs (narrative-api.md §8): letters, digits and underscores, at most 256 characters. */
const VIEW_NAME = /^[A-Za-z0-9_]{1,256}$/;

/** One statement: SELECT/WITH query, EXPLAIN query, or CREATE MATERIALIZED VIEW. Does not consume `;`. */
export function parseStatement(p: Cursor): Statement {
  const start = p.pos;
  if (p.eatWord('EXPLAIN')) {
    if (!p.startsQuery()) p.unexpected(['a query (SELECT or WITH) after EXPLAIN']);
    const query = parseQuery(p, true);
    const budget = parseBudget(p);
    return { kind: 'explain', query, budget, span: p.spanFrom(start) };
  }
  if (p.isWord('CREATE')) return parseCreateMaterializedView(p);
  if (!p.startsQuery()) p.unexpected(['SELECT', 'WITH', 'EXPLAIN', 'CREATE MATERIALIZED VIEW']);
  const query = parseQuery(p, true);
  const budget = parseBudget(p);
  return { kind: 'select', query, budget, span: p.spanFrom(start) };
}

function parseCreateMaterializedView(p: Cursor): Statement {
  const start = p.pos;
  p.expectWord('CREATE');
  p.expectWord('MATERIALIZED', 'MATERIALIZED VIEW after CREATE');
  p.expectWord('VIEW', 'VIEW after MATERIALIZED');
  const nameToken = p.peek();
  const name = p.expectName('a view name');
  if (!VIEW_NAME.test(name.value)) {
    p.fail(
      'invalid_option',
      'a view name may only contain letters, digits and underscores (at most 256 characters)',
      nameToken,
    );
  }
  const options = parseCmvOptions(p);
  if (!p.isWord('AS')) {
    const expected = ['AS', ...CMV_OPTION_NAMES.filter((o) => !options.some((x) => optionName(x.kind) === o))];
    const t = p.peek();
    const what = options.length === 0 ? 'AS or an option after the view name' : 'AS or another option';
    if (t.type === 'word' && (t.upper === 'SELECT' || t.upper === 'WITH')) {
      p.fail('unexpected_token', `expected ${what}, found ${t.value} (write AS before the query)`, t, { expected });
    }
    p.unexpected(expected, undefined, what);
  }
  p.next();
  if (!p.startsQuery()) p.unexpected(['a query (SELECT or WITH) after AS']);
  const query = parseQuery(p, true);
  if (p.isWord('MERGE')) p.fail('unsupported', 'MERGE ON is not supported yet');
  const budget = parseBudget(p);
  if (atCmvOption(p)) {
    p.fail('unexpected_token', `options go between the view name and AS, found ${p.peek().value} after the query`);
  }
  return { kind: 'create_materialized_view', name, options, query, budget, span: p.spanFrom(start) };
}

function optionName(kind: string): string {
  return kind.replace(/_option$/, '').toUpperCase();
}

/** `BUDGET n USD`, `LIMIT n USD [PER CALENDAR_MONTH|CALENDAR_DAY]`, `NO LIMIT`, `LIMIT ALL`, or nothing. */
function parseBudget(p: Cursor): Budget | null {
  const start = p.pos;
  if (p.isWord('NO') && p.isWord('LIMIT', 1)) {
    p.next();
    p.next();
    return { kind: 'budget_unlimited', form: 'NO LIMIT', span: p.spanFrom(start) };
  }
  if (p.isWord('LIMIT') && p.isWord('ALL', 1)) {
    p.next();
    p.next();
    return { kind: 'budget_unlimited', form: 'LIMIT ALL', span: p.spanFrom(start) };
  }
  const isBudget = p.isWord('BUDGET');
  if (!isBudget && !atLimitBudget(p)) return null;
  const keyword = p.next().upper as 'BUDGET' | 'LIMIT';
  const amount = p.peek();
  if (amount.type !== 'integer' && amount.type !== 'decimal') p.unexpected(['an amount such as 50']);
  p.next();
  const currency = p.peek();
  if (!(currency.type === 'word' && currency.upper === 'USD')) {
    p.unexpected(['USD'], currency.type === 'word' ? 'budgets are in USD only' : undefined);
  }
  p.next();
  let period: 'CALENDAR_MONTH' | 'CALENDAR_DAY' | null = null;
  if (p.eatWord('PER')) {
    if (p.eatWord('CALENDAR_MONTH')) period = 'CALENDAR_MONTH';
    else if (p.eatWord('CALENDAR_DAY')) period = 'CALENDAR_DAY';
    else p.unexpected(['CALENDAR_MONTH', 'CALENDAR_DAY']);
  }
  return { kind: 'budget_limit', keyword, amount: amount.value, currency: 'USD', period, span: p.spanFrom(start) };
}
