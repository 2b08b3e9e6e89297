import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';

// Loaded by boot.ts, which has already asked for the first page's data.
createRoot(document.getElementById('root')!).render(<StrictMode><App /></StrictMode>);

/**
 * The other pages' code (chunks the build lists in <meta name="jobplane:later">), fetched into the browser's cache
 * once this page has loaded and the browser is idle, so that opening one needs no round trip. Not earlier: the
 * first page's own requests would wait for free connections behind them.
 */
function prefetchLaterPages(): void {
  const files = document.querySelector('meta[name="jobplane:later"]')?.getAttribute('content')?.split(' ').filter(Boolean) ?? [];
  for (const href of files) {
    const link = document.createElement('link');
    link.rel = 'prefetch';
    link.href = href;
    link.crossOrigin = '';
    document.head.append(link);
  }
}
const idle = (fn: () => void) => ('requestIdleCallback' in window ? window.requestIdleCallback(fn, { timeout: 5_000 }) : setTimeout(fn, 0));
const afterLoad = () => setTimeout(() => idle(prefetchLaterPages), 1_000);
if (document.readyState === 'complete') afterLoad();
else window.addEventListener('load', afterLoad, { once: true });
