import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { registerServiceWorker } from './pwa/offlineStatus';
import { studioStore } from './state/store';
import './ui/styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('The page has no #root element.');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

// The offline copy and, on hosts without COOP/COEP, cross-origin isolation (see src/pwa/). A
// reload it needs waits while a run is in progress.
registerServiceWorker(() =>
  ['starting', 'running', 'paused'].includes(studioStore.getState().run.status),
);
