// Whether a view can be refreshed incrementally: its query must be distributive over appended input, so that
// running it on the rows added since the last refresh and appending the result gives the rows a full refresh would.
// Decided from the AST alone: projection, filter and UNION ALL of such queries (through subqueries and CTEs) are
// distributive; an aggregate, a window, DISTINCT, GROUP BY/HAVING/QUALIFY, a join, a subquery in an expression
// (it reads whole inputs), LIMIT, UNION/INTERSECT/EXCEPT (they remove duplicates across the whole input) and the
// current date or time (a re-run at another time gives other rows) are not.
import type { Node, Query, QueryBody, Statement } from '../ast.js';
import { lookupFunction } from '../functions.js';
import { walk } from './walk.js';

export type IncrementalEligibility = { eligible: true } | { eligible: false; reason: string };

const not = (reason: string): IncrementalEligibility => ({ eligible: false, reason });

export function incrementalEligibility(statement: Statement): IncrementalEligibility {
  if (statement.kind !== 'create_materialized_view') return not('only a materialized view is refreshed');
  return queryEligibility(statement.query);
}

function queryEligibility(query: Query): IncrementalEligibility {
  if (query.limit) return not('the query has a LIMIT: the first rows of new input are not the first rows of all of it');
  for (const cte of query.with?.ctes ?? []) {
    const inner = queryEligibility(cte.query);
    if (!inner.eligible) return not(`CTE ${cte.name.value}: ${inner.reason}`);
  }
  return bodyEligibility(query.body);
}

function bodyEligibility(body: QueryBody): IncrementalEligibility {
  switch (body.kind) {
    case 'query':
      return queryEligibility(body);
    case 'set_operation': {
      if (body.op !== 'UNION' || !body.all) {
        return not(`${body.op}${body.all ? ' ALL' : ''} compares rows across the whole input; only UNION ALL is distributive`);
      }
      const left = bodyEligibility(body.left);
      return left.eligible ? bodyEligibility(body.right) : left;
    }
    case 'select_core': {
      if (body.distinct) return not('SELECT DISTINCT removes duplicates across the whole input');
      if (body.groupBy.length > 0 || body.having) return not('the query groups rows (GROUP BY/HAVING)');
      if (body.qualify) return not('QUALIFY filters on a window over the whole input');
      if (body.from?.kind === 'join') return not('the query joins: new rows of one side meet old rows of the other');
      if (body.from?.kind === 'subquery_ref') {
        const inner = queryEligibility(body.from.query);
        if (!inner.eligible) return inner;
      }
      if (body.from?.kind === 'delta_ref') return not('DELTA() already reads changes; refresh it fully');
      return expressionsEligibility(body);
    }
  }
}

/** Select list, WHERE and the rest of one select core: no aggregate, window, subquery or clock. */
function expressionsEligibility(core: Node): IncrementalEligibility {
  let found: IncrementalEligibility = { eligible: true };
  walk(core, (node) => {
    if (!found.eligible) return;
    switch (node.kind) {
      case 'subquery_ref':
        return; // checked by bodyEligibility
      case 'exists':
      case 'in_subquery':
      case 'subquery':
        found = not('a subquery in an expression reads its whole input');
        return;
      case 'niladic_call':
        found = not(`${node.name} gives another value at each refresh`);
        return;
      case 'function_call': {
        if (node.over) {
          found = not(`the window function ${node.name.value} looks across rows of the whole input`);
          return;
        }
        const fn = lookupFunction(node.name.value);
        if (fn?.kind === 'aggregate') found = not(`the aggregate ${node.name.value} summarizes the whole input`);
        else if (fn?.kind === 'window') found = not(`the window function ${node.name.value} looks across rows of the whole input`);
        else if (fn && /^(RANDOM|RAND|UUID|NOW|CURRENT_[A-Z]+|UNIX_TIMESTAMP)$/i.test(fn.name)) {
          found = not(`${fn.name} gives another value at each refresh`);
        }
      }
    }
  });
  return found;
}
