import { expect } from 'vitest';
import { isAllowedMove, type JobState } from '../../src/core/job-states.js';
import type { Queryable } from '../../src/store/db/types.js';

export interface RecordedMove {
  action: string;
  from_state: string | null;
  to_state: string;
}

/** The distinct moves written to job_events that the transition table (src/core/job-states.ts) does not allow. */
export async function forbiddenMoves(db: Queryable): Promise<RecordedMove[]> {
  const moves = await db.query<RecordedMove>(
    'SELECT DISTINCT action, from_state, to_state FROM job_events ORDER BY action, from_state, to_state',
  );
  return moves.filter((m) => !isAllowedMove(m.action, m.from_state as JobState | null, m.to_state as JobState));
}

/**
 * Issue 9's harness check, run on every test database before it is dropped (backends.ts): each transition the
 * whole suite writes must be one the table allows, whichever code path (HTTP, claim loop, maintenance, CLI,
 * a spawned server) wrote it. Throws, naming the rows, the database and the test file, so that the afterAll/
 * afterEach that drops the database fails.
 */
export async function assertOnlyAllowedMoves(db: Queryable, database: string): Promise<void> {
  const bad = await forbiddenMoves(db);
  if (bad.length === 0) return;
  const rows = bad.map((m) => `  action=${m.action} from=${m.from_state ?? 'null'} to=${m.to_state}`).join('\n');
  const file = testFile();
  throw new Error(
    `job_events of test database ${database}${file ? ` (${file})` : ''} hold moves the transition table ` +
    `(src/core/job-states.ts, isAllowedMove) does not allow:\n${rows}`,
  );
}

function testFile(): string | undefined {
  try {
    return expect.getState().testPath;
  } catch {
    return undefined; // outside a vitest worker
  }
}
