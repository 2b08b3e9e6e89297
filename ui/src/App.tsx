import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { api, setMemoryToken, takePrefetched, whenUnauthorized } from './api/client';
import { forgetToken, storedToken, storeToken } from './api/session';
import { SessionContext, sessionOf, useSession, type Resource } from './api/session-context';
import type { WhoAmI } from './api/types';
import { feed } from './live/feed';
import { Link, match, navigate, useLocation } from './lib/router';
import { SignInPage } from './pages/SignInPage';
import { JobsPage } from './pages/JobsPage';
import { JobPage } from './pages/JobPage';
import { DatasetsPage } from './pages/DatasetsPage';
import { DatasetPage } from './pages/DatasetPage';
import { OperationsPage } from './pages/OperationsPage';
import { NqlPage } from './pages/NqlPage';
import { useFeedMode } from './lib/hooks';

export function App() {
  const [who, setWho] = useState<WhoAmI | null>(null);
  const [booting, setBooting] = useState(() => storedToken() !== null);
  const [notice, setNotice] = useState<string | null>(null);

  useEffect(() => {
    whenUnauthorized((why) => {
      setWho(null);
      feed.reset();
      setNotice(`You were signed out because the server refused the token: ${why}`);
    });
    if (storedToken() === null) return;
    (takePrefetched<WhoAmI>('/whoami') ?? api<WhoAmI>('/whoami')).then(setWho, () => undefined).finally(() => setBooting(false));
  }, []);

  const session = useMemo(() => who && sessionOf(who, () => {
    forgetToken();
    setMemoryToken(null);
    feed.reset();
    setWho(null);
    setNotice('You are signed out. The token was removed from this tab.');
    navigate('/');
  }), [who]);

  if (booting) return <p className="boot" role="status">Loading the dashboard…</p>;
  if (!session) {
    return (
      <SignInPage notice={notice} onSignedIn={(w, token) => {
        storeToken(token);
        setMemoryToken(token);
        setNotice(null);
        feed.reset();
        setWho(w);
      }} />
    );
  }
  return <SessionContext.Provider value={session}><Shell /></SessionContext.Provider>;
}

const NAV: Array<{ to: string; label: string; resources: Resource[] }> = [
  { to: '/jobs', label: 'Jobs', resources: ['jobs'] },
  { to: '/datasets', label: 'Data', resources: ['datasets'] },
  { to: '/operations', label: 'Operations', resources: ['data-planes', 'jobs'] },
  { to: '/nql', label: 'NQL editor', resources: ['nql'] },
];

function Shell() {
  const session = useSession();
  const { path } = useLocation();
  const mode = useFeedMode();
  const visible = NAV.filter((n) => n.resources.some((r) => session.can(r, 'read')));
  const firstPath = useRef(path);

  // A new page moves focus to its heading, so screen-reader and keyboard users start there (not on the old link).
  useEffect(() => {
    if (path === firstPath.current) return;
    firstPath.current = '';
    const t = requestAnimationFrame(() => document.querySelector<HTMLElement>('main h1')?.focus());
    return () => cancelAnimationFrame(t);
  }, [path]);

  useEffect(() => {
    if (path === '/' && visible[0]) navigate(visible[0].to, { replace: true });
  }, [path, visible]);

  const scope = session.who.current_company_scope;
  return (
    <>
      <a className="skip-link" href="#main">Skip to content</a>
      <header className="topbar">
        <Link to="/" className="brand">jobplane</Link>
        <nav aria-label="Main">
          <ul>
            {visible.map((n) => (
              <li key={n.to}>
                <Link to={n.to} aria-current={path === n.to || path.startsWith(`${n.to}/`) ? 'page' : undefined}>{n.label}</Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="who">
          <span className={`live live-${mode}`} title={mode === 'stream' ? 'Changes arrive from the event feed' : 'Refreshing every 2 seconds'}>
            {mode === 'stream' ? 'Live' : mode === 'polling' ? 'Live (polling)' : 'Connecting…'}
          </span>
          <span>{session.who.name ?? 'token'} · {scope.name}{session.who.token.data_plane_id ? ' · operator token' : ''}</span>
          <button type="button" className="button small" onClick={session.signOut}>Sign out</button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Routes path={path} />
      </main>
    </>
  );
}

function Routes({ path }: { path: string }) {
  let m: Record<string, string> | null;
  if (path === '/') return <Landing />;
  if (path === '/jobs') return <Gate resource="jobs"><JobsPage /></Gate>;
  if ((m = match('/jobs/:id', path))) return <Gate resource="jobs"><JobPage id={m['id']!} /></Gate>;
  if (path === '/datasets') return <Gate resource="datasets"><DatasetsPage /></Gate>;
  if ((m = match('/datasets/:id', path))) return <Gate resource="datasets"><DatasetPage id={Number(m['id'])} /></Gate>;
  if ((m = match('/datasets/:id/snapshots/:sid', path))) {
    return <Gate resource="datasets"><DatasetPage id={Number(m['id'])} snapshotId={Number(m['sid'])} /></Gate>;
  }
  if (path === '/operations') return <Gate resource={['data-planes', 'jobs']}><OperationsPage /></Gate>;
  if (path === '/nql') return <Gate resource="nql"><NqlPage /></Gate>;
  return (
    <section>
      <h1 tabIndex={-1}>Page not found</h1>
      <p>There is no dashboard page at <code>/ui{path}</code>. <Link to="/">Go to the start page</Link>.</p>
    </section>
  );
}

function Landing() {
  return (
    <section>
      <h1 tabIndex={-1}>Nothing to show</h1>
      <p>This token may not read jobs, datasets, data planes or NQL, so the dashboard has nothing it may show.</p>
    </section>
  );
}

/** Renders the page only if the token may read (one of) `resource`; otherwise says so, without asking the API. */
function Gate({ resource, children }: { resource: Resource | Resource[]; children: ReactNode }) {
  const session = useSession();
  const list = Array.isArray(resource) ? resource : [resource];
  if (list.some((r) => session.can(r, 'read'))) return <>{children}</>;
  return (
    <section>
      <h1 tabIndex={-1}>Not available with this token</h1>
      <p>This page needs <code>{list.map((r) => `${r}:read`).join(' or ')}</code>, which the token you signed in with does not have.</p>
    </section>
  );
}
