// Every relation name the user wrote (aliases, CTE names, bare table names), so the aliases we
// generate for unaliased subqueries (`t`, `t0`, ...) never shadow one. Computed lazily, on the
// first generated alias: most statements alias their subqueries and never need it.
import type { Statement } from '../ast.js';
import { walk } from './walk.js';

export function relationNamesOf(statement: Statement): Set<string> {
  const names = new Set<string>();
  walk(statement, (node) => {
    switch (node.kind) {
      case 'cte':
        names.add(node.name.value.toLowerCase());
        break;
      case 'table_ref': {
        const last = node.path[node.path.length - 1];
        if (last) names.add(last.value.toLowerCase());
        if (node.alias) names.add(node.alias.value.toLowerCase());
        break;
      }
      case 'subquery_ref':
      case 'delta_ref':
      case 'unnest_ref':
        if (node.alias) names.add(node.alias.value.toLowerCase());
        break;
      default:
        break;
    }
  });
  return names;
}
