import pg from 'pg';
import { parseInt8, Rollback, rollback, type Db, type Queryable, type Transaction } from './types.js';

const TYPE_INT8 = 20;
const TYPE_NUMERIC = 1700;

/** Type parsers scoped to our pools (not `pg.types` globals, which would change other users of `pg` in-process). */
const typeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === TYPE_INT8) return parseInt8;
    if (oid === TYPE_NUMERIC) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

export interface PgDbOptions {
  connectionString: string;
  max?: number;
  applicationName?: string;
}

export class PgDb implements Db {
  readonly kind = 'postgres' as const;
  private readonly pool: pg.Pool;
  private listener: pg.PoolClient | undefined;
  private listenerStarting: Promise<pg.PoolClient> | undefined;
  private readonly handlers = new Map<string, Set<(payload: string) => void>>();
  private closed = false;

  constructor(opts: PgDbOptions) {
    this.pool = new pg.Pool({
      connectionString: opts.connectionString,
      max: opts.max ?? 10,
      application_name: opts.applicationName ?? 'jobplane',
      types: typeParsers,
    });
    // An idle client that loses its connection emits 'error' on the pool; without a handler it would crash the process.
    this.pool.on('error', () => {});
  }

  async query<T>(text: string, values?: readonly unknown[]): Promise<T[]> {
    const res = await this.pool.query(preparedQuery(text, values));
    return res.rows as T[];
  }

  async exec(sql: string): Promise<void> {
    await this.pool.query(sql);
  }

  async transaction<T, R = never>(fn: (tx: Transaction) => Promise<T | Rollback<R>>): Promise<T | R> {
    const { client, release } = await this.checkout();
    try {
      await client.query('BEGIN');
      const result = await fn({ ...clientQueryable(client), rollback });
      if (result instanceof Rollback) {
        await client.query('ROLLBACK');
        return result.value;
      }
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      release();
    }
  }

  /**
   * A pooled client for a transaction or a lock. pg-pool takes its own error listener off a client while it is
   * checked out, so a connection that dies between two queries (PostgreSQL restarted) would emit an unhandled
   * 'error' and take the process down (found by the chaos run): listen until it is released, then destroy it.
   */
  private async checkout(): Promise<{ client: pg.PoolClient; release: () => void }> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    const onError = (err: Error) => { broken = err; };
    client.on('error', onError);
    return {
      client,
      release: () => {
        client.removeListener('error', onError);
        client.release(broken);
      },
    };
  }

  async withAdvisoryLock<T>(key: number, fn: (conn: Queryable) => Promise<T>, opts: { wait?: boolean } = {}) {
    const { client, release } = await this.checkout();
    let locked = false;
    try {
      if (opts.wait === false) {
        const res = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [key]);
        if (!res.rows[0]?.ok) return undefined;
      } else {
        await client.query('SELECT pg_advisory_lock($1)', [key]);
      }
      locked = true;
      return await fn(clientQueryable(client));
    } finally {
      if (locked) await client.query('SELECT pg_advisory_unlock($1)', [key]).catch(() => {});
      release();
    }
  }

  async listen(channel: string, onMessage: (payload: string) => void): Promise<() => Promise<void>> {
    const client = await this.ensureListener();
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
      await client.query(`LISTEN ${quoteIdent(channel)}`);
    }
    set.add(onMessage);
    return async () => {
      set!.delete(onMessage);
    };
  }

  async notify(channel: string, payload: string): Promise<void> {
    await this.pool.query('SELECT pg_notify($1, $2)', [channel, payload]);
  }

  async notifyMany(channel: string, payloads: readonly string[]): Promise<void> {
    if (payloads.length === 0) return;
    await this.pool.query(preparedQuery('SELECT pg_notify($1, p) FROM unnest($2::text[]) p', [channel, payloads]));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const listener = this.listener;
    this.listener = undefined;
    if (listener) releaseOnce(listener);
    await this.pool.end();
  }

  /**
   * One dedicated connection carries every LISTEN. If it drops (server restart, network), it is re-opened and the
   * channels re-subscribed; notifications sent meanwhile are lost, which is why every waiter also polls.
   */
  private ensureListener(): Promise<pg.PoolClient> {
    if (this.listener) return Promise.resolve(this.listener);
    this.listenerStarting ??= (async () => {
      const client = await this.pool.connect();
      client.on('notification', (msg) => {
        for (const handler of this.handlers.get(msg.channel) ?? []) handler(msg.payload ?? '');
      });
      client.on('error', () => {
        // The connection died (server restart, terminated backend). A closed Db already released it.
        if (this.listener === client) this.listener = undefined;
        releaseOnce(client);
        if (!this.closed && this.handlers.size > 0) void this.resubscribe();
      });
      this.listener = client;
      this.listenerStarting = undefined;
      return client;
    })();
    return this.listenerStarting;
  }

  private async resubscribe(): Promise<void> {
    for (let delay = 100; !this.closed; delay = Math.min(delay * 2, 5_000)) {
      try {
        const client = await this.ensureListener();
        for (const channel of this.handlers.keys()) await client.query(`LISTEN ${quoteIdent(channel)}`);
        return;
      } catch {
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }
}

const released = new WeakSet<pg.PoolClient>();

/** Returns a broken client to the pool (destroying it) exactly once, whichever of close/error comes first. */
function releaseOnce(client: pg.PoolClient): void {
  if (released.has(client)) return;
  released.add(client);
  client.release(true);
}

function clientQueryable(client: pg.PoolClient): Queryable {
  return {
    async query<T>(text: string, values?: readonly unknown[]) {
      const res = await client.query(preparedQuery(text, values));
      return res.rows as T[];
    },
  };
}

/**
 * Every statement of the store is a fixed text with parameters, so each is parsed and planned once per connection
 * as a named prepared statement instead of on every call (bench/results/api.md: the `run` statement does about
 * 2x the transactions per second prepared). Names are handed out per distinct text; past MAX_PREPARED texts
 * (which only dynamic SQL could reach) statements are sent unnamed, as before.
 */
const MAX_PREPARED = 1_000;
const preparedNames = new Map<string, string>();

function preparedQuery(text: string, values?: readonly unknown[]): pg.QueryConfig {
  let name = preparedNames.get(text);
  if (name === undefined && preparedNames.size < MAX_PREPARED) {
    name = `jp_${preparedNames.size}`;
    preparedNames.set(text, name);
  }
  return name === undefined ? { text, values: values as unknown[] } : { name, text, values: values as unknown[] };
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
