import { JOB_STATES, TRANSITIONS } from '../core/job-states.js';

/** docs/state-machine.md, generated from the transition table in src/core (a test keeps the file current). */
export function renderStateMachine(): string {
  const lines = [
    '# Job state machine',
    '',
    '<!-- Generated from src/core/job-states.ts by `npm run docs`. Do not edit by hand. -->',
    '',
    `States: ${JOB_STATES.map((s) => `\`${s}\``).join(', ')}.`,
    '',
    'Each action is one conditional SQL statement that also writes a `job_events` row. In a "from" state the',
    'action applies; in a "no-op" state it returns the job unchanged (200); in any other state it is rejected (409).',
    'Fenced actions also require the caller\'s `executor` and `attempt` to match the current lease (else 409).',
    '',
    '| action | from | to | no-op in | fenced | by | what it does |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const t of Object.values(TRANSITIONS)) {
    const list = (states: readonly string[]) => (states.length ? states.map((s) => `\`${s}\``).join(', ') : '-');
    lines.push(`| \`${t.action}\` | ${list(t.from)} | ${t.to === null ? '(unchanged)' : `\`${t.to}\``} | ${list(t.noop)} | ${t.fenced ? 'yes' : 'no'} | ${t.actor} | ${t.summary} |`);
  }
  lines.push('', '```mermaid', 'stateDiagram-v2', '  [*] --> pending: create');
  const edges = new Set<string>();
  for (const t of Object.values(TRANSITIONS)) {
    if (t.action === 'create' || t.to === null) continue;
    for (const from of t.from) if (from !== t.to) edges.add(`  ${from} --> ${t.to}: ${t.action}`);
  }
  lines.push(...[...edges].sort(), '```', '');
  return lines.join('\n');
}
