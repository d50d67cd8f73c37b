/**
 * The page's side of the service worker: registers it, reloads once when that makes the page
 * cross-origin isolated, and tells the UI when the app is available offline and when a new
 * version is waiting. A tiny store read with useSyncExternalStore (src/ui/AppStatus.tsx).
 */
import { Workbox } from 'workbox-window';
import { isolationSource, type IsolationFacts, type IsolationSource } from './threads';
import { SW_ISOLATION_TIMING } from './responseHeaders';

export interface OfflineStatus {
  /** The precache is complete: the app opens with the network off. */
  offlineReady: boolean;
  /** A new version is installed and waits for the user to switch to it. */
  updateReady: boolean;
  isolation: IsolationSource;
  serviceWorkerError?: string;
}

/** Set before a reload that the page triggers, so that it never loops. */
const RELOADED_FOR_ISOLATION = 'pruning-studio:reloaded-for-isolation';

let status: OfflineStatus = {
  offlineReady: false,
  updateReady: false,
  isolation: 'pending-reload',
};
const listeners = new Set<() => void>();
let workbox: Workbox | undefined;

function update(patch: Partial<OfflineStatus>): void {
  status = { ...status, ...patch };
  listeners.forEach((l) => l());
}

export function subscribeOfflineStatus(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function offlineStatus(): OfflineStatus {
  return status;
}

/** The navigation response carried the service worker's isolation mark (responseHeaders.ts). */
function servedWithWorkerIsolation(): boolean {
  const [navigation] = performance.getEntriesByType('navigation') as PerformanceNavigationTiming[];
  return (navigation?.serverTiming ?? []).some((t) => t.name === SW_ISOLATION_TIMING);
}

function facts(error?: string): IsolationFacts {
  return {
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    secureContext: globalThis.isSecureContext === true,
    serviceWorkerSupported: 'serviceWorker' in navigator,
    isolatedByServiceWorker: servedWithWorkerIsolation(),
    controlled: Boolean(navigator.serviceWorker?.controller),
    development: import.meta.env.DEV,
    serviceWorkerError: error,
  };
}

function refreshIsolation(error?: string): void {
  update({ isolation: isolationSource(facts(error)), serviceWorkerError: error });
}

/**
 * A page that is not cross-origin isolated, now controlled by the service worker, reloads once
 * to get the headers the worker adds; `busy()` (a run in progress) defers that to the user.
 */
function reloadForIsolation(busy: () => boolean): void {
  if (globalThis.crossOriginIsolated) return;
  let reloadedBefore = false;
  try {
    reloadedBefore = sessionStorage.getItem(RELOADED_FOR_ISOLATION) === '1';
    sessionStorage.setItem(RELOADED_FOR_ISOLATION, '1');
  } catch {
    reloadedBefore = true; // no sessionStorage: never risk a reload loop
  }
  if (reloadedBefore || busy()) {
    refreshIsolation();
    return;
  }
  window.location.reload();
}

export function registerServiceWorker(busy: () => boolean = () => false): void {
  refreshIsolation();
  if (import.meta.env.DEV || !('serviceWorker' in navigator)) return;
  if (globalThis.crossOriginIsolated) {
    try {
      sessionStorage.removeItem(RELOADED_FOR_ISOLATION);
    } catch {
      // nothing to clear
    }
  }
  const wb = new Workbox(new URL('sw.js', document.baseURI).href, {
    scope: new URL('./', document.baseURI).href,
  });
  workbox = wb;
  wb.addEventListener('activated', (event) => {
    if (!event.isUpdate) update({ offlineReady: true });
  });
  wb.addEventListener('waiting', () => update({ updateReady: true }));
  wb.addEventListener('controlling', (event) => {
    // An update the user accepted: load the new version's page.
    if (event.isUpdate) window.location.reload();
    else reloadForIsolation(busy);
  });
  wb.register()
    .then(async (registration) => {
      if (registration?.active && !registration.installing && !registration.waiting) {
        update({ offlineReady: true });
      }
      // Controlled but not isolated (e.g. a hard reload bypassed the worker): one reload fixes it.
      if (navigator.serviceWorker.controller && !globalThis.crossOriginIsolated) {
        reloadForIsolation(busy);
      }
    })
    .catch((error: unknown) =>
      refreshIsolation(error instanceof Error ? error.message : String(error)),
    );
}

/** Switches to the waiting new version: the worker takes over and the page reloads. */
export function applyUpdate(): void {
  workbox?.messageSkipWaiting();
}
