const numberFormat = new Intl.NumberFormat('en-US');
const dateTime = new Intl.DateTimeFormat(undefined, {
  year: 'numeric', month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
});

export const formatNumber = (n: number): string => numberFormat.format(n);

/** Local date and time, to the second (the title of a relative time shows the exact UTC instant). */
export const formatTime = (iso: string): string => dateTime.format(new Date(iso));

/** "12 s ago", "3 min ago", "in 20 s", ... */
export function relativeTime(iso: string, now: number): string {
  const diff = Date.parse(iso) - now;
  const abs = Math.abs(diff);
  const future = diff > 0;
  const unit = abs < 60_000 ? `${Math.round(abs / 1000)} s` : abs < 3_600_000 ? `${Math.round(abs / 60_000)} min`
    : abs < 86_400_000 ? `${Math.round(abs / 3_600_000)} h` : `${Math.round(abs / 86_400_000)} d`;
  if (abs < 1_000) return 'just now';
  return future ? `in ${unit}` : `${unit} ago`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

/** A forecast's cost is in micro-cents of a US dollar (1 USD = 100,000,000). */
export function formatCost(microCents: number): string {
  const usd = microCents / 100_000_000;
  return `$${usd < 0.01 && usd > 0 ? usd.toPrecision(2) : usd.toFixed(2)}`;
}

export const shortId = (id: string): string => id.slice(0, 8);

export const stateLabel = (state: string): string => state.replace(/_/g, ' ');

/** A duration between two instants, e.g. "1.2 s", "3 min 4 s". */
export function formatDuration(fromIso: string, toIso: string): string {
  const ms = Date.parse(toIso) - Date.parse(fromIso);
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const min = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return min < 60 ? `${min} min ${s} s` : `${Math.floor(min / 60)} h ${min % 60} min`;
}
