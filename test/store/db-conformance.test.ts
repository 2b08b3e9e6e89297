import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/store/db/types.js';
import { backends, freshDatabase, type TestDatabase } from '../support/backends.js';
import { waitFor } from '../support/wait-for.js';

/**
 * The `Db` seam (src/store/db/types.ts) has two implementations, PgDb (a pool of PostgreSQL connections) and
 * PgliteDb (embedded, one connection), and the whole store is written once against it. The same cases run on
 * both: where they must agree the expectation is one, and where they legitimately differ (PGlite has one session,
 * so it queues statements instead of running them side by side, and grants every advisory lock) the test says
 * per backend what each does.
 */

/** Lets whatever can run now run (promise callbacks, I/O already done): to show that something could NOT run. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
async function turns(n = 20): Promise<void> {
  for (let i = 0; i < n; i++) await turn();
}

/** A promise and the function that resolves it. */
function gate(): { opened: Promise<void>; open(): void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => { open = resolve; });
  return { opened, open };
}

const count = async (db: Db, where = 'true') =>
  (await db.query<{ n: number }>(`SELECT count(*) AS n FROM conformance_rows WHERE ${where}`))[0]!.n;

describe.each(backends())('Db conformance on %s', (backend) => {
  const pglite = backend === 'pglite';
  let database: TestDatabase;
  let db: Db;

  beforeAll(async () => {
    database = await freshDatabase(backend);
    db = database.db;
    await db.exec('CREATE TABLE conformance_rows (id int8 PRIMARY KEY, note text)');
  });
  afterAll(async () => database?.drop());
  beforeEach(async () => {
    await db.query('DELETE FROM conformance_rows');
  });

  it('names its kind', () => {
    expect(db.kind).toBe(pglite ? 'pglite' : 'postgres');
  });

  describe('query', () => {
    it('binds parameters and parses int8, numeric, jsonb, timestamptz, booleans, arrays and nulls the same way', async () => {
      const at = new Date('2026-12-02T10:11:12.345Z');
      const [row] = await db.query<Record<string, unknown>>(
        `SELECT $1::int8 AS big, count(*) AS counted, $2::numeric AS num, $3::int4 AS small, $4::text AS txt,
                $5::jsonb AS doc, $6::timestamptz AS at, $7::boolean AS flag, $8::text[] AS list, $9::text AS nothing,
                '5ecd1f2a-6a34-4c3b-9b0e-64b1b3c1e8a1'::uuid AS id
           FROM conformance_rows`,
        [9_007_199_254_740_991, '12.50', 7, "it's", JSON.stringify({ a: [1, { b: null }] }), at, true, ['x', 'y'], null],
      );
      expect(row).toEqual({
        big: 9_007_199_254_740_991, // int8 as a JS number (every id we store fits in 2^53)
        counted: 0, // count(*) is int8 too
        num: 12.5, // numeric as a JS number
        small: 7, txt: 'it\'s', doc: { a: [1, { b: null }] }, at, flag: true, list: ['x', 'y'], nothing: null,
        id: '5ecd1f2a-6a34-4c3b-9b0e-64b1b3c1e8a1',
      });
    });

    it('loses int8 precision above 2^53 on both, as types.ts documents', async () => {
      const [row] = await db.query<{ v: number }>("SELECT '9007199254740993'::int8 AS v");
      expect(row!.v).toBe(9_007_199_254_740_992);
    });

    it('returns the rows of INSERT ... RETURNING, and none for a statement without', async () => {
      expect(await db.query('INSERT INTO conformance_rows VALUES ($1, $2) RETURNING id, note', [1, 'one'])).toEqual([{ id: 1, note: 'one' }]);
      expect(await db.query('UPDATE conformance_rows SET note = $1 WHERE id = $2', ['uno', 1])).toEqual([]);
    });

    it('rejects a failing statement with its SQLSTATE in `code`, as the store relies on', async () => {
      await db.query('INSERT INTO conformance_rows VALUES (1, null)');
      await expect(db.query('INSERT INTO conformance_rows VALUES (1, null)')).rejects.toMatchObject({ code: '23505' }); // unique_violation
      await expect(db.query('SELECT nope FROM conformance_rows')).rejects.toMatchObject({ code: '42703' }); // undefined_column
      expect(await count(db)).toBe(1); // and the connection is still usable
    });
  });

  describe('transaction', () => {
    it('commits and resolves with what fn returned', async () => {
      const value = await db.transaction(async (tx) => {
        await tx.query('INSERT INTO conformance_rows VALUES (1, $1)', ['a']);
        const rows = await tx.query<{ n: number }>('SELECT count(*) AS n FROM conformance_rows');
        return { seenInside: rows[0]!.n };
      });
      expect(value).toEqual({ seenInside: 1 });
      expect(await count(db)).toBe(1);
    });

    it('rolls back and rejects with the error when fn throws', async () => {
      const boom = new Error('boom');
      await expect(db.transaction(async (tx) => {
        await tx.query('INSERT INTO conformance_rows VALUES (1, null)');
        throw boom;
      })).rejects.toBe(boom);
      expect(await count(db)).toBe(0);
    });

    it('rolls back and rejects when a statement inside fails, even if fn swallows the error', async () => {
      await expect(db.transaction(async (tx) => {
        await tx.query('INSERT INTO conformance_rows VALUES (1, null)');
        await tx.query('INSERT INTO conformance_rows VALUES (1, null)').catch(() => {}); // unique_violation, ignored
        await tx.query('INSERT INTO conformance_rows VALUES (2, null)'); // the transaction is aborted: 25P02
        return 'unreachable';
      })).rejects.toMatchObject({ code: '25P02' });
      expect(await count(db)).toBe(0);
    });

    it('tx.rollback(value): resolves with value and commits nothing', async () => {
      const value = await db.transaction(async (tx) => {
        await tx.query('INSERT INTO conformance_rows VALUES (1, null)');
        return tx.rollback({ refused: 'because' });
      });
      expect(value).toEqual({ refused: 'because' });
      expect(await count(db)).toBe(0);
      // The connection is back to normal (not left inside the rolled-back transaction).
      await db.query('INSERT INTO conformance_rows VALUES (2, null)');
      expect(await count(db)).toBe(1);
    });

    it(pglite
      ? 'PGlite (one connection): a statement from outside waits for the open transaction, then sees its commit'
      : 'PostgreSQL: a statement from outside runs meanwhile, on another connection, and does not see uncommitted rows',
    async () => {
      const inserted = gate();
      const finish = gate();
      const order: string[] = [];
      const tx = db.transaction(async (t) => {
        await t.query('INSERT INTO conformance_rows VALUES (1, null)');
        inserted.open();
        await finish.opened;
        return 'committed';
      }).then((v) => { order.push('commit'); return v; });
      await inserted.opened;
      const outside = count(db).then((n) => { order.push(`outside saw ${n}`); return n; });
      if (pglite) {
        await turns();
        expect(order).toEqual([]); // queued behind the transaction
        finish.open();
        await Promise.all([tx, outside]);
        expect(order).toEqual(['commit', 'outside saw 1']);
      } else {
        expect(await outside).toBe(0); // read committed, while the transaction is still open
        finish.open();
        await tx;
        expect(order).toEqual(['outside saw 0', 'commit']);
        expect(await count(db)).toBe(1);
      }
    });

    it(pglite ? 'PGlite: transactions run one after the other' : 'PostgreSQL: transactions run side by side',
      async () => {
        const order: string[] = [];
        const firstMayEnd = gate();
        const firstStarted = gate();
        const first = db.transaction(async (tx) => {
          order.push('first begins');
          firstStarted.open();
          await tx.query('INSERT INTO conformance_rows VALUES (1, null)');
          await firstMayEnd.opened;
          order.push('first ends');
        });
        await firstStarted.opened;
        const second = db.transaction(async (tx) => {
          order.push('second begins');
          await tx.query('INSERT INTO conformance_rows VALUES (2, null)');
          order.push('second ends');
        });
        if (pglite) {
          await turns();
          firstMayEnd.open();
          await Promise.all([first, second]);
          expect(order).toEqual(['first begins', 'first ends', 'second begins', 'second ends']);
        } else {
          await second; // done while the first is still open
          firstMayEnd.open();
          await first;
          expect(order).toEqual(['first begins', 'second begins', 'second ends', 'first ends']);
        }
        expect(await count(db)).toBe(2);
      });
  });

  describe('withAdvisoryLock', () => {
    const KEY = 4_242_001;

    it('runs fn with a connection and resolves with its value; rethrows its error and releases the lock', async () => {
      expect(await db.withAdvisoryLock(KEY, async (conn) => (await conn.query<{ v: number }>('SELECT $1::int4 AS v', [3]))[0]!.v)).toBe(3);
      await expect(db.withAdvisoryLock(KEY, async () => { throw new Error('inside the lock'); })).rejects.toThrow('inside the lock');
      // Released after the throw: taken again at once.
      expect(await db.withAdvisoryLock(KEY, async () => 'again', { wait: false })).toBe('again');
    });

    if (pglite) {
      it('PGlite: every lock is granted (there is no other session), even one held already, with or without wait', async () => {
        const nested = await db.withAdvisoryLock(KEY, async () => ({
          noWait: await db.withAdvisoryLock(KEY, async () => 'granted', { wait: false }),
          waiting: await db.withAdvisoryLock(KEY, async () => 'granted too'),
        }));
        expect(nested).toEqual({ noWait: 'granted', waiting: 'granted too' });
      });
    } else {
      it('PostgreSQL: wait:false answers undefined at once while another session holds the lock, without running fn', async () => {
        const release = gate();
        const held = gate();
        const holder = db.withAdvisoryLock(KEY, async () => { held.open(); await release.opened; return 'holder'; });
        await held.opened;
        let ran = false;
        expect(await db.withAdvisoryLock(KEY, async () => { ran = true; }, { wait: false })).toBeUndefined();
        expect(ran).toBe(false);
        release.open();
        expect(await holder).toBe('holder');
        expect(await db.withAdvisoryLock(KEY, async () => 'free now', { wait: false })).toBe('free now');
      });

      it('PostgreSQL: without wait:false it waits for the holder to let go', async () => {
        const order: string[] = [];
        const release = gate();
        const held = gate();
        const holder = db.withAdvisoryLock(KEY, async () => { order.push('holder runs'); held.open(); await release.opened; order.push('holder done'); });
        await held.opened;
        const waiter = db.withAdvisoryLock(KEY, async () => { order.push('waiter runs'); return 'waited'; });
        // The waiter's session is blocked on the lock in the server (not merely slow to start).
        await waitFor(async () => (await db.query<{ n: number }>(
          "SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND NOT granted", [KEY],
        ))[0]!.n === 1, { message: 'the second session to wait for the advisory lock' });
        expect(order).toEqual(['holder runs']);
        release.open();
        expect(await waiter).toBe('waited');
        await holder;
        expect(order).toEqual(['holder runs', 'holder done', 'waiter runs']);
      });
    }
  });

  describe('listen / notify', () => {
    it('delivers db.notify payloads to every listener of the channel, in order, until it unsubscribes', async () => {
      const a: string[] = [];
      const b: string[] = [];
      const stopA = await db.listen('conformance_one', (p) => a.push(p));
      const stopB = await db.listen('conformance_one', (p) => b.push(p));
      const other: string[] = [];
      const stopOther = await db.listen('conformance_other', (p) => other.push(p));
      await db.notify('conformance_one', 'first');
      await db.notify('conformance_one', 'second');
      await waitFor(() => a.length === 2 && b.length === 2, { message: 'both notifications' });
      expect({ a, b, other }).toEqual({ a: ['first', 'second'], b: ['first', 'second'], other: [] });

      await stopA();
      await db.notify('conformance_one', 'third');
      await waitFor(() => b.length === 3, { message: 'the third notification' });
      expect(a).toEqual(['first', 'second']); // unsubscribed before 'third', which reached b
      await Promise.all([stopB(), stopOther()]);
    });

    if (pglite) {
      it('PGlite: a NOTIFY written in SQL does not reach db.listen (only db.notify does, which the store uses after commit)', async () => {
        const got: string[] = [];
        const stop = await db.listen('conformance_sql', (p) => got.push(p));
        await db.transaction(async (tx) => { await tx.query("SELECT pg_notify('conformance_sql', 'from sql')"); });
        await db.notify('conformance_sql', 'marker');
        await waitFor(() => got.length > 0, { message: 'the marker' });
        await turns();
        expect(got).toEqual(['marker']);
        await stop();
      });
    } else {
      it('PostgreSQL: a NOTIFY inside a transaction is delivered at commit, never on rollback', async () => {
        const got: string[] = [];
        const stop = await db.listen('conformance_tx', (p) => got.push(p));
        const mayCommit = gate();
        const notified = gate();
        const tx = db.transaction(async (t) => {
          await t.query("SELECT pg_notify('conformance_tx', 'committed')");
          notified.open();
          await mayCommit.opened;
        });
        await notified.opened;
        await db.notify('conformance_tx', 'while open'); // delivered now, ahead of the uncommitted one
        await waitFor(() => got.length === 1, { message: 'the notification sent while the transaction is open' });
        mayCommit.open();
        await tx;
        await waitFor(() => got.length === 2, { message: 'the committed notification' });

        await db.transaction(async (t) => {
          await t.query("SELECT pg_notify('conformance_tx', 'rolled back')");
          return t.rollback(undefined);
        });
        await db.notify('conformance_tx', 'marker'); // anything rolled back would have arrived before it
        await waitFor(() => got.length === 3, { message: 'the marker' });
        expect(got).toEqual(['while open', 'committed', 'marker']);
        await stop();
      });
    }
  });

  describe('exec', () => {
    it('runs several statements separated by semicolons, with comments and dollar quotes', async () => {
      await db.exec(`
        CREATE TABLE conformance_exec (x int); -- a comment; with a semicolon
        INSERT INTO conformance_exec VALUES (1);
        INSERT INTO conformance_exec VALUES (2);
        CREATE FUNCTION conformance_f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;
      `);
      expect(await db.query('SELECT sum(x) AS s, conformance_f() AS f FROM conformance_exec')).toEqual([{ s: 3, f: 1 }]);
      await db.exec('DROP TABLE conformance_exec; DROP FUNCTION conformance_f()');
    });

    it('runs them as one implicit transaction: a failing statement undoes the ones before it', async () => {
      await expect(db.exec(`
        INSERT INTO conformance_rows VALUES (1, null);
        INSERT INTO conformance_rows VALUES (1, null);
      `)).rejects.toMatchObject({ code: '23505' });
      expect(await count(db)).toBe(0);
    });
  });

  // Last, because it closes the suite's own handle (the drop in afterAll then checks the database through a new one).
  describe('close', () => {
    it('ends the handle: later statements reject, and a second close is harmless', async () => {
      await db.listen('conformance_close', () => {}); // PgDb: a dedicated listening connection to end as well
      expect(await db.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
      await db.close();
      await expect(db.query('SELECT 1')).rejects.toThrow();
      await expect(db.close()).resolves.toBeUndefined();
    });
  });
});
