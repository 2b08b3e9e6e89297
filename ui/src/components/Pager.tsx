import { formatNumber } from '../lib/format';

/**
 * First, previous, next and last page, and where we are. With an estimated total (`estimated`: more jobs match than
 * the server counts exactly) the numbers say "about"; the last page asked for then has an exact count, and the
 * page moves to the real last page if the estimate was too high (JobsPage).
 */
export function Pager({ page, totalPages, totalRecords, onPage, label, estimated = false }: {
  page: number; totalPages: number; totalRecords: number; onPage: (page: number) => void; label: string; estimated?: boolean;
}) {
  const last = Math.max(totalPages, 1);
  const about = estimated ? 'about ' : '';
  return (
    <nav className="pager" aria-label={`${label} pages`}>
      <button type="button" onClick={() => onPage(1)} disabled={page <= 1}>First</button>
      <button type="button" onClick={() => onPage(page - 1)} disabled={page <= 1}>Previous</button>
      <span aria-live="polite" title={estimated ? 'More than 10,000 match: the total is the database\'s estimate' : undefined}>
        Page {formatNumber(page)} of {about}{formatNumber(last)} ({about}{formatNumber(totalRecords)} in all{estimated ? ', estimated' : ''})
      </span>
      <button type="button" onClick={() => onPage(page + 1)} disabled={page >= last}>Next</button>
      <button type="button" onClick={() => onPage(last)} disabled={page >= last}>Last</button>
    </nav>
  );
}
