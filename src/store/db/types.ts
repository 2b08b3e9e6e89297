/**
 * The whole database seam. Store modules call `query` with parameterized SQL; nothing else in the code base sees
 * a driver. Two implementations: `pg.ts` (a `pg` pool, production) and `pglite.ts` (embedded, one connection).
 */
export interface Queryable {
  /** Runs one parameterized statement and returns its rows. int8 columns come back as JS numbers. */
  query<T = Record<string, unknown>>(text: string, values?: readonly unknown[]): Promise<T[]>;
}

/**
 * What `fn` returns to end its transaction with a ROLLBACK instead of a COMMIT, and still answer `value`: the way
 * to say "nothing happened, and here is why" without an exception as control flow.
 */
export class Rollback<T> {
  constructor(readonly value: T) {}
}

export interface Transaction extends Queryable {
  /** `return tx.rollback(value)`: roll back, and make `transaction()` resolve with `value`. */
  rollback<T>(value: T): Rollback<T>;
}

export const rollback = <T>(value: T): Rollback<T> => new Rollback(value);

export interface Db extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /**
   * Runs `fn` in one transaction: commits and resolves with what `fn` returns, or, when `fn` returns
   * `tx.rollback(value)`, rolls back and resolves with `value`. Rolls back and rejects if `fn` throws.
   */
  transaction<T, R = never>(fn: (tx: Transaction) => Promise<T | Rollback<R>>): Promise<T | R>;
  /** Runs several statements separated by `;` with no parameters (migrations). */
  exec(sql: string): Promise<void>;
  /**
   * Runs `fn` while holding a session-level advisory lock on one connection (migrations, and maintenance leadership
   * on PostgreSQL). With `wait: false` returns `undefined` at once when another session holds the lock.
   */
  withAdvisoryLock<T>(key: number, fn: (conn: Queryable) => Promise<T>, opts?: { wait?: boolean }): Promise<T | undefined>;
  /** Subscribes to a notification channel; the returned function unsubscribes. */
  listen(channel: string, onMessage: (payload: string) => void): Promise<() => Promise<void>>;
  notify(channel: string, payload: string): Promise<void>;
  /** One statement sending each payload on `channel` (delivered after the commit, each once). */
  notifyMany(channel: string, payloads: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

/** PostgreSQL's int8 arrives as text; every id we store fits in 2^53, so numbers are safe and simpler. */
export function parseInt8(value: string): number {
  return Number(value);
}
