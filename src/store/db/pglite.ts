import { PGlite, types } from '@electric-sql/pglite';
import { EventEmitter } from 'node:events';
import { parseInt8, Rollback, rollback, type Db, type Queryable, type Transaction } from './types.js';

/**
 * PGlite: PostgreSQL compiled to WASM, in-process, one connection. Traps worth knowing:
 * - One connection: PGlite queues statements, and `transaction()` holds it exclusively until it ends, so a
 *   transaction must never wait on a statement issued outside it (it would deadlock on the queue).
 * - Advisory locks are trivially ours (there is no other session), so `withAdvisoryLock` just runs `fn`.
 * - NOTIFY is delivered to listeners of the same instance only, which is exactly the scope of an embedded store;
 *   we route it through an EventEmitter so that `listen` never occupies the connection.
 * - An unclosed instance keeps the process alive: `close()` must be called.
 */
export class PgliteDb implements Db {
  readonly kind = 'pglite' as const;
  private readonly events = new EventEmitter();

  private constructor(private readonly pg: PGlite) {
    this.events.setMaxListeners(0);
  }

  /** `dataDir` undefined = in memory. */
  static async open(dataDir?: string): Promise<PgliteDb> {
    const pg = await PGlite.create(dataDir, {
      parsers: { [types.INT8]: parseInt8, [types.NUMERIC]: (v: string) => Number(v) },
    });
    return new PgliteDb(pg);
  }

  async query<T>(text: string, values?: readonly unknown[]): Promise<T[]> {
    const res = await this.pg.query<T>(text, values as unknown[] | undefined);
    return res.rows;
  }

  async exec(sql: string): Promise<void> {
    await this.pg.exec(sql);
  }

  async transaction<T, R = never>(fn: (tx: Transaction) => Promise<T | Rollback<R>>): Promise<T | R> {
    return this.pg.transaction(async (tx) => {
      const result = await fn({
        async query<Row>(text: string, values?: readonly unknown[]) {
          const res = await tx.query<Row>(text, values as unknown[] | undefined);
          return res.rows;
        },
        rollback,
      });
      if (!(result instanceof Rollback)) return result;
      await tx.rollback();
      return result.value;
    });
  }

  async withAdvisoryLock<T>(_key: number, fn: (conn: Queryable) => Promise<T>): Promise<T | undefined> {
    return fn(this);
  }

  async listen(channel: string, onMessage: (payload: string) => void): Promise<() => Promise<void>> {
    this.events.on(channel, onMessage);
    return async () => {
      this.events.off(channel, onMessage);
    };
  }

  async notifyMany(channel: string, payloads: readonly string[]): Promise<void> {
    for (const payload of payloads) await this.notify(channel, payload);
  }

  async notify(channel: string, payload: string): Promise<void> {
    // Delivered on the next tick, like a committed NOTIFY, never synchronously inside the caller's statement.
    setImmediate(() => this.events.emit(channel, payload));
  }

  async close(): Promise<void> {
    if (!this.pg.closed) await this.pg.close();
  }
}
