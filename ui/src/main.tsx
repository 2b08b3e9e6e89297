import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { prefetch } from './api/client';
import { storedToken } from './api/session';
import { App } from './App';
import { jobsPagePaths } from './pages/JobsPage';
import './styles.css';

// Signed in already (a reload, a new page of the same tab): ask who we are and, on the jobs page, for its data, at
// once and together, instead of one after the other once React has rendered.
if (storedToken()) {
  prefetch('/whoami');
  if (window.location.pathname === '/ui/jobs') {
    const paths = jobsPagePaths(new URLSearchParams(window.location.search), Date.now());
    prefetch(paths.list);
    prefetch(paths.stats);
  }
}

createRoot(document.getElementById('root')!).render(<StrictMode><App /></StrictMode>);
