import { formatTime, relativeTime } from '../lib/format';
import { useNow } from '../lib/hooks';

/** An instant as "3 min ago" (or local time), with the exact UTC value for machines and in the tooltip. */
export function Time({ iso, relative = true }: { iso: string | null | undefined; relative?: boolean }) {
  const now = useNow();
  if (!iso) return <span className="muted">–</span>;
  return (
    <time dateTime={iso} title={`${formatTime(iso)} (${iso})`}>
      {relative ? relativeTime(iso, now) : formatTime(iso)}
    </time>
  );
}
