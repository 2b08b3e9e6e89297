import type { ApiError } from '../api/client';

/** An API problem, said plainly: what failed and the server's own explanation. */
export function ProblemAlert({ error, what }: { error: ApiError | undefined; what?: string }) {
  if (!error) return null;
  const p = error.problem;
  const lead = p.status === 403 ? 'Your token is not allowed to do this.'
    : p.status === 0 ? 'The server could not be reached.'
    : what ? `Could not ${what}.` : (p.title ?? 'Something went wrong.');
  return (
    <div className="alert alert-error" role="alert">
      <strong>{lead}</strong> {p.detail}
      {p.errors && p.errors.length > 0 && (
        <ul>{p.errors.map((e, i) => <li key={i}>{e.pointer ? <code>{e.pointer}</code> : null} {e.message}</li>)}</ul>
      )}
    </div>
  );
}
