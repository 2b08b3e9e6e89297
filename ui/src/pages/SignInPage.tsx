import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api, ApiError } from '../api/client';
import type { WhoAmI } from '../api/types';
import { useTitle } from '../lib/hooks';

const TOKEN = /^jp_[A-Za-z0-9_-]{43}$/;

/**
 * Sign-in with an access token. The token is checked with GET /whoami before it is kept (in sessionStorage, see
 * api/session.ts); the form never submits anywhere, so the token cannot end up in a URL.
 */
export function SignInPage({ notice, onSignedIn }: { notice: string | null; onSignedIn: (who: WhoAmI, token: string) => void }) {
  useTitle('Sign in');
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const value = token.trim();
    if (!TOKEN.test(value)) {
      setError('That is not a jobplane token: tokens look like jp_ followed by 43 letters, digits, "-" or "_".');
      input.current?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const who = await api<WhoAmI>('/whoami', { token: value });
      onSignedIn(who, value);
    } catch (err) {
      setError(err instanceof ApiError ? `The server refused the token: ${err.problem.detail}` : String(err));
      input.current?.focus();
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" className="signin">
      <h1>Sign in to jobplane</h1>
      {notice && <p className="alert alert-info" role="status">{notice}</p>}
      <form onSubmit={(e) => void submit(e)} noValidate>
        <label htmlFor="token">Access token</label>
        <input
          ref={input} id="token" type="password" autoComplete="off" spellCheck={false} value={token}
          onChange={(e) => setToken(e.target.value)} aria-describedby="token-help" aria-invalid={error ? true : undefined}
          aria-errormessage={error ? 'token-error' : undefined}
        />
        <p id="token-help" className="help">
          The dashboard keeps it in this browser tab only (session storage) and sends it to this server as
          <code> Authorization: Bearer</code>. It shows only what the token may read. Create one with
          <code> jobplane token create --company 1 --permissions jobs:read,datasets:read,data-planes:read,nql:read</code>;
          the administrator token of a new install is in <code>&lt;data dir&gt;/admin-token</code>.
        </p>
        {error && <p id="token-error" className="alert alert-error" role="alert">{error}</p>}
        <button type="submit" className="button primary" disabled={busy} aria-busy={busy}>{busy ? 'Checking…' : 'Sign in'}</button>
      </form>
    </main>
  );
}
