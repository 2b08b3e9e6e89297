/**
 * Collects the values of a parameterized statement while its text is being built: `p(value)` appends the value and
 * returns its placeholder (`$1`, `$2`, ...). Statements are fixed texts for a given shape, so the pg driver's named
 * prepared statements (src/store/db/pg.ts) parse and plan each shape once per connection.
 */
export class SqlParams {
  readonly values: unknown[] = [];

  p = (value: unknown): string => {
    this.values.push(value);
    return `$${this.values.length}`;
  };
}

/**
 * `unnest((SELECT $1::uuid[]), (SELECT $2::text[]), ...)`: the rows of a batch, one array parameter per column.
 *
 * Each array is behind a sub-select so that the planner cannot see its length. A custom plan sees it (unnest's row
 * estimate) and, for a batch of a few rows, always costs less than the generic plan, which assumes ten: so
 * PostgreSQL plans the statement again at every execution, never settling on the generic plan it caches. On the
 * executor path that re-planning was 18% of PostgreSQL's CPU (bench/results/queue.md). Hidden, both plans estimate
 * alike and the cached generic plan stays. The price is one trivial InitPlan per array.
 *
 * Used by the complete/fail/heartbeat/run batches (job-batches.ts) and the claim batch (job-claim-batches.ts).
 * The claim batch kept its bare arrays until a run at 8 executors showed it planned again in a quarter of its
 * executions (50 custom of 201 on one connection); behind sub-selects, 7 of 76. The create keeps its bare arrays:
 * its generic plan wins already (295 of 300 executions).
 */
export function unnestParams(arrays: ReadonlyArray<readonly [placeholder: string, type: string]>): string {
  return `unnest(${arrays.map(([placeholder, type]) => `(SELECT ${placeholder}::${type}[])`).join(', ')})`;
}
