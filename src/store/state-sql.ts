import type { JobState } from '../core/job-states.js';

/**
 * State lists from the table in src/core as SQL literals. Literal, not a parameter, where a partial index must
 * apply: the planner proves `state IN ('a','b')` implies an index's predicate, but cannot see through a `$n`
 * array in a generic prepared plan.
 */
export const stateLiteral = (state: JobState): string => `'${state}'`;

export const stateArray = (states: readonly JobState[]): string => `ARRAY[${states.map(stateLiteral).join(', ')}]::text[]`;

export const stateIn = (column: string, states: readonly JobState[]): string =>
  `${column} IN (${states.map(stateLiteral).join(', ')})`;
