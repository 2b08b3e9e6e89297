import { lazy, Suspense, useEffect, useMemo, useRef, useState, type ComponentType, type ReactNode } from 'react';
import { api, peekPrefetched, setMemoryToken, takePrefetched, whenUnauthorized } from './api/client';
import { forgetToken, storedToken, storeToken } from './api/session';
import { SessionContext, sessionOf, useSession, type Resource } from './api/session-context';
import type { WhoAmI } from './api/types';
import { feed } from './live/feed';
import { Link, match, navigate, useLocation } from './lib/router';
import { SignInPage } from './pages/SignInPage';
import { JobsPage } from './pages/JobsPage';
import { useFeedMode } from './lib/hooks';

// The jobs page (where the dashboard opens) is in the main bundle; every other page is a chunk of its own, loaded
// when first shown (the HTML asks the browser to prefetch them while idle, see ui/vite.config.ts).
const JobPage = lazyPage(() => import('./pages/JobPage').then((m) => m.JobPage));
const DatasetsPage = lazyPage(() => import('./pages/DatasetsPage').then((m) => m.DatasetsPage));
const DatasetPage = lazyPage(() => import('./pages/DatasetPage').then((m) => m.DatasetPage));
const OperationsPage = lazyPage(() => import('./pages/OperationsPage').then((m) => m.OperationsPage));
const NqlPage = lazyPage(() => import('./pages/NqlPage').then((m) => m.NqlPage));

/**
 * A page loaded on demand. Its chunk can be gone when the tab outlived a server upgrade (chunk names change with
 * every build): the page then says so instead of the whole dashboard failing.
 */
function lazyPage<P extends object>(load: () => Promise<ComponentType<P>>) {
  return lazy(() => load().then(
    (component) => ({ default: component }),
    (): { default: ComponentType<P> } => ({
      default: () => (
        <section>
          <h1 tabIndex={-1}>This page could not be loaded</h1>
          <p role="alert">The server did not send this page&apos;s code; the dashboard may have been upgraded since this tab opened it. Reload the page.</p>
        </section>
      ),
    }),
  ));
}

export function App() {
  // Who we are, when the boot script's request has been answered before React started (no "Loading" render then).
  const [who, setWho] = useState<WhoAmI | null>(() => (storedToken() !== null ? peekPrefetched<WhoAmI>('/whoami')?.data ?? null : null));
  const [booting, setBooting] = useState(() => storedToken() !== null && who === null);
  const [notice, setNotice] = useState<string | null>(null);

  useEffect(() => {
    whenUnauthorized((why) => {
      setWho(null);
      feed.reset();
      setNotice(`You were signed out because the server refused the token: ${why}`);
    });
    const early = takePrefetched<WhoAmI>('/whoami');
    if (storedToken() === null || (early?.answer && early.answer.data === who)) return; // rendered with it already
    (early?.promise ?? api<WhoAmI>('/whoami')).then(setWho, () => undefined).finally(() => setBooting(false));
  }, []); // eslint-disable-line react-hooks/exhaustive-deps

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
        <Suspense fallback={<p className="boot" role="status">Loading the page…</p>}>
          <Routes path={path} />
          <FocusOnNavigation path={path} />
        </Suspense>
      </main>
    </>
  );
}

/**
 * A new page moves focus to its heading, so screen-reader and keyboard users start there (not on the old link).
 * Rendered beside the page inside its Suspense boundary, so its effect runs once the page is on screen, also when
 * the page's code had to be loaded first.
 */
function FocusOnNavigation({ path }: { path: string }) {
  const firstPath = useRef(path);
  useEffect(() => {
    if (path === firstPath.current) return;
    firstPath.current = '';
    const t = requestAnimationFrame(() => document.querySelector<HTMLElement>('main h1')?.focus());
    return () => cancelAnimationFrame(t);
  }, [path]);
  return null;
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
