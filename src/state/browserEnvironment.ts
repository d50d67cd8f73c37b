/**
 * The studio store's environment in a browser tab: the training worker, localStorage,
 * IndexedDB, the URL and downloads. All of the store's contact with the page goes through
 * the object made here (tests make their own, see StudioEnvironment).
 */
import { downloadInPage } from './download';
import { IndexedDbRunRecordStore } from './runRecords';
import { SAVED_RUNS_KEY, unavailableStorage } from './savedRuns';
import type { StudioEnvironment } from './store';

/** localStorage, or nothing where the browser forbids it (sandboxed frames, some privacy modes). */
function browserStorage(): Pick<Storage, 'getItem' | 'setItem'> {
  try {
    const storage = window.localStorage;
    storage.getItem(SAVED_RUNS_KEY);
    return storage ?? unavailableStorage(undefined);
  } catch (err) {
    return unavailableStorage(err);
  }
}

/** Empty outside a window (a worker, node): the store then runs without a page. */
export function browserEnvironment(): StudioEnvironment {
  if (typeof window === 'undefined') return {};
  return {
    createWorker: () =>
      new Worker(new URL('../worker/training.worker.ts', import.meta.url), {
        type: 'module',
        name: 'training',
      }),
    storage: browserStorage(),
    watchSavedRuns: (changed) =>
      window.addEventListener('storage', (event) => {
        if (event.key === SAVED_RUNS_KEY || event.key === null) changed();
      }),
    runRecords: typeof indexedDB === 'undefined' ? undefined : new IndexedDbRunRecordStore(),
    estimateStorage:
      typeof navigator !== 'undefined' && navigator.storage?.estimate
        ? () => navigator.storage.estimate()
        : undefined,
    initialHash: window.location.hash,
    baseUrl: document.baseURI,
    search: window.location.search,
    writeHash: hashWriter(),
    download: downloadInPage,
  };
}

/**
 * Writes the configuration into the address bar's hash: at most once per task, the latest
 * hash wins, and not at all when it is already there. `history.replaceState` took 15 ms of
 * the page's task as a run started (bench/results/main-thread-profile.md), for a hash that
 * had not changed. A write still pending when the page goes away is made then.
 */
function hashWriter(): (hash: string) => void {
  let pending: string | undefined;
  const flush = () => {
    if (pending === undefined) return;
    const hash = pending;
    pending = undefined;
    if (window.location.hash === `#${hash}`) return;
    const url = `${window.location.pathname}${window.location.search}#${hash}`;
    window.history.replaceState(window.history.state, '', url);
  };
  window.addEventListener('pagehide', flush);
  return (hash) => {
    const scheduled = pending !== undefined;
    pending = hash;
    if (!scheduled) setTimeout(flush, 0);
  };
}
