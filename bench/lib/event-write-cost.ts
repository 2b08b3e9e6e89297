// What the event feed costs the transition path (bench/events.ts, phase 0): the store's real `run` statements,
// driven straight at PostgreSQL (no HTTP in between, so the difference is not lost in noise), in three variants
// measured in alternating rounds on one database:
//   trigger:    the event's job snapshot made as migrations 0006-0009 made it, by a BEFORE INSERT trigger that reads
//               the jobs row again for every event (installed here for the comparison; migration 0010 dropped it);
//   statement:  what a transition does now: the statement that writes the job returns the snapshot and writes the
//               event from it (EVENT_JOB_SNAPSHOT, src/store/job-transition-sql.ts);
//   full:       statement, and the sequencer stamping the events in the background every 50 ms (what a server does).
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Db } from '../../src/store/db/types.js';
import { PgDb } from '../../src/store/db/pg.js';
import { EventFeed } from '../../src/store/event-feed.js';
import { jobRunMany } from '../../src/store/job-batches.js';
import { jobRun } from '../../src/store/job-transitions.js';
import { EVENT_JOB_SNAPSHOT } from '../../src/store/job-transition-sql.js';
import { migrate } from '../../src/store/migrate.js';
import { bootstrap } from '../../src/store/bootstrap.js';

export type Variant = 'trigger' | 'statement' | 'full';
export interface CostRound {
  variant: Variant;
  statement: 'one job' | 'batch of 16';
  jobsPerSecond: number;
}

const ACTOR = { type: 'process' as const, name: 'bench-events' };

async function sql(url: string, text: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

/** Moves pending jobs to running as fast as `workers` loops can for `ms`; returns jobs per second. */
async function drive(db: Db, ids: string[], companyId: number, statement: CostRound['statement'], ms: number): Promise<number> {
  let done = 0;
  const ends = Date.now() + ms;
  const scope = { companyId };
  const take = (n: number) => ids.splice(0, n);
  const workers = statement === 'one job' ? 16 : 4;
  await Promise.all(Array.from({ length: workers }, async () => {
    while (Date.now() < ends) {
      if (statement === 'one job') {
        const [id] = take(1);
        if (!id) throw new Error('the benchmark ran out of pending jobs');
        await jobRun(db, id, scope, 'job-executor-bench', 3_600_000, ACTOR);
        done++;
      } else {
        const batch = take(16);
        if (batch.length < 16) throw new Error('the benchmark ran out of pending jobs');
        await jobRunMany(db, batch.map((jobId) => ({ jobId, scope, actor: ACTOR, executor: 'job-executor-bench' })), 3_600_000);
        done += 16;
      }
    }
  }));
  return done / (ms / 1000);
}

export async function measureEventWriteCost(url: string, opts: { roundMs: number; repeats: number; log: (m: string) => void }): Promise<CostRound[]> {
  const db = new PgDb({ connectionString: url, max: 20 });
  try {
    await migrate(db);
    const { companyId, dataPlaneId } = await bootstrap(db);
    const perRound = 40_000;
    const rounds = 3 * 2 * opts.repeats;
    opts.log(`seeding ${perRound * rounds} pending jobs`);
    const ids: string[] = [];
    for (let i = 0; i < perRound * rounds; i++) ids.push(randomUUID());
    for (let i = 0; i < ids.length; i += 20_000) {
      const chunk = ids.slice(i, i + 20_000);
      await db.query(
        `INSERT INTO jobs (job_id, company_id, data_plane_id, request_source, type, input, idempotency_key)
         SELECT id, $2, $3, '{"type":"process","name":"bench"}', 'nql-forecast',
                '{"nql":"EXPLAIN SELECT 1","compiled_sql":"SELECT 1"}', id::text
           FROM unnest($1::uuid[]) id`,
        [chunk, companyId, dataPlaneId],
      );
    }
    await sql(url, 'VACUUM ANALYZE jobs');
    // The trigger of migration 0006: the same lookup, with the snapshot expression the store uses now (0006 spelled
    // out the same field list). It overwrites what the statement wrote with the same values.
    await sql(url, `CREATE FUNCTION job_events_snapshot() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        SELECT j.company_id, ${EVENT_JOB_SNAPSHOT}
          INTO NEW.company_id, NEW.job
          FROM jobs j WHERE j.job_id = NEW.job_id;
        RETURN NEW;
      END $$`);
    await sql(url, 'CREATE TRIGGER job_events_snapshot BEFORE INSERT ON job_events FOR EACH ROW EXECUTE FUNCTION job_events_snapshot()');
    const out: CostRound[] = [];
    for (let r = 0; r < opts.repeats; r++) {
      for (const statement of ['one job', 'batch of 16'] as const) {
        for (const variant of ['trigger', 'statement', 'full'] as const) {
          await sql(url, `ALTER TABLE job_events ${variant === 'trigger' ? 'ENABLE' : 'DISABLE'} TRIGGER job_events_snapshot`);
          const feed = variant === 'full' ? new EventFeed(db, { pollMs: 50 }) : undefined;
          await feed?.start();
          const jobsPerSecond = await drive(db, ids, companyId, statement, opts.roundMs);
          await feed?.stop();
          // Stamp what is left, so that the next round starts from an empty backlog.
          await new EventFeed(db, { pollMs: 50 }).sequenceNow({ wait: true });
          await sql(url, 'CHECKPOINT');
          out.push({ variant, statement, jobsPerSecond });
          opts.log(`  ${statement}, ${variant}: ${Math.round(jobsPerSecond)} jobs/s`);
        }
      }
    }
    return out;
  } finally {
    await db.close();
  }
}
