import { formatNumber } from '../lib/format';

export function Pager({ page, totalPages, totalRecords, onPage, label }: {
  page: number; totalPages: number; totalRecords: number; onPage: (page: number) => void; label: string;
}) {
  const last = Math.max(totalPages, 1);
  return (
    <nav className="pager" aria-label={`${label} pages`}>
      <button type="button" onClick={() => onPage(1)} disabled={page <= 1}>First</button>
      <button type="button" onClick={() => onPage(page - 1)} disabled={page <= 1}>Previous</button>
      <span aria-live="polite">Page {formatNumber(page)} of {formatNumber(last)} ({formatNumber(totalRecords)} in all)</span>
      <button type="button" onClick={() => onPage(page + 1)} disabled={page >= last}>Next</button>
      <button type="button" onClick={() => onPage(last)} disabled={page >= last}>Last</button>
    </nav>
  );
}
