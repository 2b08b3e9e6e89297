import { prefetch } from './api/client';
import { storedToken } from './api/session';
import { jobsPagePaths } from './pages/jobs-paths';
import './styles.css';

/**
 * The dashboard's entry: a few kilobytes that run as soon as they arrive, before React and the app (main.tsx, a chunk
 * the HTML preloads in parallel) have downloaded and compiled. Signed in already (a reload, a new page of the same
 * tab), it asks who we are and, on the jobs page, for that page's data at once and together, so the answers are on
 * their way (or in) when React renders instead of being asked for one after the other once it has.
 */
if (storedToken()) {
  prefetch('/whoami');
  if (window.location.pathname === '/ui/jobs') {
    const paths = jobsPagePaths(new URLSearchParams(window.location.search), Date.now());
    prefetch(paths.list);
    prefetch(paths.stats);
  }
}

void import('./main');
