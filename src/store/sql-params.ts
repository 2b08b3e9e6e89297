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
