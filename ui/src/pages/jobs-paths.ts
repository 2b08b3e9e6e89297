import { query } from '../api/client';

/**
 * The jobs page's filters (they live in its URL) and the API paths it reads for them. Apart from the page so that
 * the boot script (boot.ts) can ask for the page's data before React and the page's code have loaded.
 */
export const KNOWN_TYPES = ['materialize-view', 'nql-forecast'];
export const PRESETS: Array<{ value: string; label: string; ms?: number }> = [
  { value: '', label: 'Any time' },
  { value: '15m', label: 'Last 15 minutes', ms: 15 * 60_000 },
  { value: '1h', label: 'Last hour', ms: 3_600_000 },
  { value: '24h', label: 'Last 24 hours', ms: 86_400_000 },
  { value: '7d', label: 'Last 7 days', ms: 7 * 86_400_000 },
  { value: 'custom', label: 'Between…' },
];
export const PER_PAGE = [25, 50, 100, 200];

/** A datetime-local value ("2026-12-02T10:30") is local time; the API wants an ISO instant. */
const localToIso = (v: string | null) => (v ? new Date(v).toISOString() : undefined);

export function filtersOf(search: URLSearchParams) {
  return {
    state: search.get('state') ?? '', type: search.get('type') ?? '', plane: search.get('plane') ?? '',
    dataset: search.get('dataset') ?? '', created: search.get('created') ?? '', from: search.get('from') ?? '',
    to: search.get('to') ?? '', page: Math.max(Number(search.get('page') ?? 1) || 1, 1),
    perPage: PER_PAGE.includes(Number(search.get('per_page'))) ? Number(search.get('per_page')) : 50,
  };
}

/** The API paths the jobs page reads for these filters (boot.ts asks for them early, see prefetch). */
export function jobsPagePaths(search: URLSearchParams, now: number): { list: string; stats: string } {
  const f = filtersOf(search);
  // Presets are bounded by the minute, so the list's URL changes once a minute, not at every render.
  const minute = Math.floor(now / 60_000) * 60_000;
  const preset = PRESETS.find((p) => p.value === f.created);
  const createdAfter = preset?.ms ? new Date(minute - preset.ms).toISOString() : f.created === 'custom' ? localToIso(f.from) : undefined;
  const createdBefore = f.created === 'custom' ? localToIso(f.to) : undefined;
  return {
    list: `/jobs${query({
      state: f.state, type: f.type, data_plane_id: f.plane, dataset_id: f.dataset, created_after: createdAfter,
      created_before: createdBefore, page: f.page, per_page: f.perPage,
      // A bounded count: exact up to 10,000 jobs past the page, the database's estimate beyond (shown as "about").
      count: 'estimated',
    })}`,
    stats: `/jobs/stats${query({ data_plane_id: f.plane, type: f.type })}`,
  };
}
