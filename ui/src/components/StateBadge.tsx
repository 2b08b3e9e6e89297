import { stateLabel } from '../lib/format';

/** A job state as a pill: the words carry the meaning, the colour only repeats it. */
export function StateBadge({ state }: { state: string }) {
  return <span className={`badge state-${state}`} data-state={state}>{stateLabel(state)}</span>;
}
