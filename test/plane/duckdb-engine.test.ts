import { rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DuckEngine } from '../../src/plane/engine/duckdb-engine.js';
import { EngineError, QueryInterrupted, toEngineError } from '../../src/plane/engine/engine-errors.js';
import { writeSnapshot } from '../../src/plane/storage/write-snapshot.js';
import { listTree, rejectionOf, usePlaneFixture } from './plane-fixtures.js';

// A cross join that would run for minutes: finishing early proves the interrupt.
const HEAVY = 'SELECT count(*) AS n FROM range(100000000) a, range(100000) b WHERE a.range + b.range = 7';

describe('DuckEngine settings', () => {
  const fx = usePlaneFixture({ memoryLimit: '256MB' });

  it('runs in UTC with the configured memory limit, spill directory and no external access', async () => {
    expect(await fx.engine.setting('TimeZone')).toBe('UTC');
    expect(await fx.engine.setting('memory_limit')).toMatch(/^2\d\d\.\d MiB$/u); // 256MB = 244.1 MiB
    expect(await fx.engine.setting('enable_external_access')).toBe(false);
    expect(await fx.engine.setting('preserve_insertion_order')).toBe(false);
    expect(await fx.engine.setting('autoinstall_known_extensions')).toBe(false);
    expect(await fx.engine.setting('temp_directory')).toBe(fx.engine.settings.tempDirectory);
  });

  it('returns JSON-safe values: small BIGINTs as numbers, big ones as strings, timestamps as ISO UTC', async () => {
    const [row] = await fx.engine.run(
      `SELECT 3::BIGINT AS small, 9007199254740993::BIGINT AS big, ` +
        `TIMESTAMPTZ '2024-06-01 10:00:00.123456+02' AS ts, DATE '2024-06-01' AS d, {'a': 1::BIGINT} AS s`,
    );
    expect(row).toEqual({
      small: 3,
      big: '9007199254740993',
      ts: '2024-06-01T08:00:00.123456Z',
      d: '2024-06-01',
      s: { a: 1 },
    });
  });

  it('refuses files outside the allowed directories (permission, deterministic)', async () => {
    const outside = path.join(os.tmpdir(), `jobplane-not-allowed-${process.pid}.csv`);
    await writeFile(outside, 'a\n1\n');
    const error = await rejectionOf(fx.engine.run(`SELECT * FROM read_csv('${outside}')`)).finally(() => rm(outside));
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).kind).toBe('permission');
    expect((error as EngineError).retryable).toBe(false);
  });

  it('describe() accepts one SELECT and rejects anything else', async () => {
    const columns = await fx.engine.describe('SELECT 1::BIGINT AS x, 2.5 AS y');
    expect(columns.map((c) => c.name)).toEqual(['x', 'y']);
    for (const sql of ['SELECT 1; SELECT 2', "SET TimeZone = 'Europe/Berlin'", 'CREATE TABLE t (a INT)']) {
      const error = await rejectionOf(fx.engine.describe(sql));
      expect((error as EngineError).kind, sql).toBe('invalid_input');
    }
  });

  it('keeps TEMP views private to a session', async () => {
    const a = await fx.engine.session();
    const b = await fx.engine.session();
    await a.run('CREATE TEMP VIEW ds_1 AS SELECT 1 AS x');
    await b.run('CREATE TEMP VIEW ds_1 AS SELECT 2 AS x');
    expect(await a.run('SELECT x FROM ds_1')).toEqual([{ x: 1 }]);
    expect(await b.run('SELECT x FROM ds_1')).toEqual([{ x: 2 }]);
    await a.close();
    await b.close();
  });
});

describe('interrupting a query through its AbortSignal', () => {
  const fx = usePlaneFixture();

  it('rejects a heavy cross join with QueryInterrupted soon after the signal fires', async () => {
    const controller = new AbortController();
    const running = fx.engine.run(HEAVY, { signal: controller.signal });
    controller.abort();
    const error = await rejectionOf(running);
    expect(error).toBeInstanceOf(QueryInterrupted);
    expect((error as QueryInterrupted).kind).toBe('cancelled');
    expect((error as QueryInterrupted).retryable).toBe(false);
    // The session is usable afterwards.
    expect(await fx.engine.run('SELECT 42 AS answer')).toEqual([{ answer: 42 }]);
  });

  it('interrupts a snapshot write mid-query and leaves no files behind', async () => {
    const outDir = path.join(fx.root, 'datasets', '7', 'snapshots', '1');
    const signal = AbortSignal.timeout(300); // a deadline, as a job's cancellation would be
    const error = await rejectionOf(
      writeSnapshot(fx.engine, { sql: `SELECT a.range AS x FROM range(100000000) a, range(100000) b`, outDir, signal }),
    );
    expect(error).toBeInstanceOf(QueryInterrupted);
    expect(await listTree(path.join(fx.root, 'datasets', '7'))).toEqual([]);
  });

  it('rejects at once when the signal fired before the query started', async () => {
    const error = await rejectionOf(fx.engine.run('SELECT 1', { signal: AbortSignal.abort() }));
    expect(error).toBeInstanceOf(QueryInterrupted);
  });
});

describe('error classification', () => {
  const fx = usePlaneFixture({ memoryLimit: '64MB' });

  const cases: Array<[string, string, boolean]> = [
    ['SELEC 1', 'parser', false],
    ['SELECT nope FROM range(1)', 'binder', false],
    ['SELECT * FROM ds_404', 'catalog', false],
    ["SELECT 'a'::INTEGER", 'conversion', false],
    ['SELECT 2147483647::INTEGER + 1::INTEGER', 'conversion', false],
  ];
  for (const [sql, kind, retryable] of cases) {
    it(`${sql} -> ${kind}`, async () => {
      const error = await rejectionOf(fx.engine.run(sql));
      expect(error).toBeInstanceOf(EngineError);
      expect((error as EngineError).kind).toBe(kind);
      expect((error as EngineError).retryable).toBe(retryable);
      expect((error as EngineError).toFailureValue().message).toContain((error as Error).message);
    });
  }

  it('constraint violations are deterministic', async () => {
    const session = await fx.engine.session();
    await session.run('CREATE TEMP TABLE t (a INTEGER PRIMARY KEY)');
    const error = await rejectionOf(session.run('INSERT INTO t VALUES (1), (1)'));
    expect((error as EngineError).kind).toBe('constraint');
    expect((error as EngineError).retryable).toBe(false);
    await session.close();
  });

  it('a missing Parquet file is an I/O error and retryable', async () => {
    const error = await rejectionOf(fx.engine.run(`SELECT * FROM read_parquet('${fx.root}/missing.parquet')`));
    expect((error as EngineError).kind).toBe('io');
    expect((error as EngineError).retryable).toBe(true);
  });

  it('running out of memory is retryable', async () => {
    // A list aggregate of 30M BIGINTs (240 MB) cannot spill and does not fit in 64MB.
    const error = await rejectionOf(fx.engine.run('SELECT list(range) FROM range(30000000)'));
    expect((error as EngineError).kind).toBe('out_of_memory');
    expect((error as EngineError).retryable).toBe(true);
  });

  it('maps message prefixes without a live engine', () => {
    expect(toEngineError(new Error('FATAL Error: database invalidated')).kind).toBe('fatal');
    expect(toEngineError(new Error('INTERNAL Error: oops')).retryable).toBe(false);
    expect(toEngineError(new Error('something else')).kind).toBe('unknown');
  });
});

describe('closing the engine', () => {
  it('interrupts running queries with a retryable error and refuses new work', async () => {
    const root = os.tmpdir();
    const engine = await DuckEngine.open({ allowedDirectories: [root], threads: 2 });
    const session = await engine.session();
    const running = session.run(HEAVY);
    await engine.close();
    const error = await rejectionOf(running);
    expect((error as EngineError).kind).toBe('interrupted');
    expect((error as EngineError).retryable).toBe(true);
    expect(((await rejectionOf(engine.session())) as EngineError).kind).toBe('interrupted');
  });
});
