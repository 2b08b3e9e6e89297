import { describe, expect, it } from 'vitest';
import { decide, JOB_STATES, TERMINAL_STATES, TRANSITIONS } from '../../src/core/job-states.js';

describe('the transition table', () => {
  it('never lists a state as both a source and a no-op of one action', () => {
    for (const t of Object.values(TRANSITIONS)) {
      for (const s of t.from) expect(t.noop, `${t.action} ${s}`).not.toContain(s);
    }
  });

  it('only names known states', () => {
    for (const t of Object.values(TRANSITIONS)) {
      for (const s of [...t.from, ...t.noop, ...(t.to === null ? [] : [t.to])]) expect(JOB_STATES).toContain(s);
    }
  });

  it('run is a no-op, never a conflict, for every state it does not apply to (the seed: idempotent)', () => {
    for (const s of JOB_STATES) expect(decide('run', s)).not.toBe('conflict');
  });

  it('cancel rejects pending and running, as the Narrative docs require', () => {
    expect(decide('cancel', 'pending')).toBe('conflict');
    expect(decide('cancel', 'running')).toBe('conflict');
    for (const s of TERMINAL_STATES) expect(decide('cancel', s)).toBe('noop');
  });

  it('executor actions are fenced and user actions are not', () => {
    for (const a of ['heartbeat', 'complete', 'fail', 'fail_cancelled'] as const) expect(TRANSITIONS[a].fenced).toBe(true);
    for (const a of ['run', 'reschedule', 'request_cancellation', 'cancel'] as const) expect(TRANSITIONS[a].fenced).toBe(false);
  });
});
