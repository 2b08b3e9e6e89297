import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Db } from '../../src/store/db/types.js';
import { PgDb } from '../../src/store/db/pg.js';
import { PgliteDb } from '../../src/store/db/pglite.js';
import { bootstrap } from '../../src/store/bootstrap.js';
import { jobCreate } from '../../src/store/jobs.js';
import { jobRequestCancellation } from '../../src/store/job-transitions.js';
import { backends, freshDatabase, type BackendName, type TestDatabase } from '../support/backends.js';
import { forbiddenMoves } from '../support/job-event-audit.js';

/**
 * The harness check of issue 9: dropping a test database (what every harness close() does, in an afterAll or
 * afterEach) fails when job_events holds a move the transition table does not allow. The forbidden move is
 * written here by hand, as a bug in a write path would write it.
 */

const actor = { type: 'process' as const, name: 'job-event-audit test' };

const scopeOf = new Map<Db, { companyId: number }>();

/** A job created by the store, with its `create` event; returns its id. */
async function createJob(db: Db): Promise<string> {
  const { companyId, dataPlaneId } = await bootstrap(db);
  scopeOf.set(db, { companyId });
  const { job } = await jobCreate(db, {
    companyId, dataPlaneId, computePoolId: null, executionCluster: 'shared', requestSource: actor,
    type: 'nql-forecast', input: {}, inputs: [], maxAttempts: 3, priority: 0,
  }, actor);
  return job.job_id;
}

/** complete straight from pending: no transition does that. */
const FORBIDDEN_MOVE = `INSERT INTO job_events (job_id, company_id, action, from_state, to_state, attempt, actor)
                        SELECT job_id, company_id, 'complete', 'pending', 'completed', 0, '{"type":"process","name":"test"}'::jsonb
                          FROM jobs WHERE job_id = $1`;
const NAMED = /action=complete from=pending to=completed/;

/** A handle of the test's own on a database opened with `open: false`, as a spawned server would hold it. */
function openOwnHandle(backend: BackendName, database: TestDatabase): Promise<Db> {
  return backend === 'pglite'
    ? PgliteDb.open(path.join(database.dataDir, 'pgdata'))
    : Promise.resolve(new PgDb({ connectionString: database.databaseUrl!, max: 2 }));
}

const gone = (database: TestDatabase) => !existsSync(database.dataDir);

describe.each(backends())('the job_events harness check on %s', (backend) => {
  it('fails the drop of a database holding a forbidden move, naming the row, the database and the test file; still drops it', async () => {
    const database = await freshDatabase(backend);
    const id = await createJob(database.db);
    await jobRequestCancellation(database.db, id, scopeOf.get(database.db)!, actor);
    expect(await database.db.query('SELECT action, from_state, to_state FROM job_events ORDER BY id')).toEqual([
      { action: 'create', from_state: null, to_state: 'pending' },
      { action: 'request_cancellation', from_state: 'pending', to_state: 'pending_cancellation' },
    ]);
    expect(await forbiddenMoves(database.db)).toEqual([]); // what the store wrote is allowed
    await database.db.query(FORBIDDEN_MOVE, [id]);
    expect(await forbiddenMoves(database.db)).toEqual([{ action: 'complete', from_state: 'pending', to_state: 'completed' }]);
    const where = backend === 'pglite' ? database.dataDir : new URL(database.databaseUrl!).pathname.slice(1);
    const refused = database.drop();
    await expect(refused).rejects.toThrow(NAMED);
    await expect(refused).rejects.toThrow(where);
    await expect(refused).rejects.toThrow('job-event-audit.test.ts');
    expect(gone(database)).toBe(true);
  });

  it('checks a database the test does not hold open, as a spawned server leaves it', async () => {
    const database = await freshDatabase(backend, { open: false });
    const own = await openOwnHandle(backend, database);
    await own.query(FORBIDDEN_MOVE, [await createJob(own)]);
    await own.close();
    await expect(database.drop()).rejects.toThrow(NAMED);
    expect(gone(database)).toBe(true);
  });

  it('checks a database whose handle the test closed', async () => {
    const database = await freshDatabase(backend);
    await database.db.query(FORBIDDEN_MOVE, [await createJob(database.db)]);
    await database.db.close();
    await expect(database.drop()).rejects.toThrow(NAMED);
  });
});
