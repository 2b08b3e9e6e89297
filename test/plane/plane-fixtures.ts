/**
 * Shared setup for data-plane tests: a private temp directory under os.tmpdir() and a DuckEngine restricted to
 * it, both removed after the test file. Real DuckDB, real Parquet.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { DuckEngine, type EngineOptions } from '../../src/plane/engine/duckdb-engine.js';

export interface PlaneFixture {
  root: string;
  engine: DuckEngine;
}

/** Registers beforeAll/afterAll hooks; read the fields inside tests. */
export function usePlaneFixture(options: Partial<EngineOptions> = {}): PlaneFixture {
  const fixture = {} as PlaneFixture;
  beforeAll(async () => {
    fixture.root = await mkdtemp(path.join(os.tmpdir(), 'jobplane-plane-test-'));
    fixture.engine = await DuckEngine.open({ allowedDirectories: [fixture.root], threads: 2, ...options });
  });
  afterAll(async () => {
    await fixture.engine?.close();
    if (fixture.root) await rm(fixture.root, { recursive: true, force: true });
  });
  return fixture;
}

/** Every file below `dir`, relative, sorted; [] when it does not exist. */
export async function listTree(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries
      .filter((e) => e.isFile())
      .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
      .sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** Rejection of a promise, for asserting on typed errors. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}
