/**
 * Where each run's latest checkpoint lives, so a reload or a crashed worker loses nothing:
 * IndexedDB in the browser, memory in tests. Checkpoints are keyed by run, so two tabs (two
 * workers) never overwrite or delete each other's; a run's worker holds a lock named by its
 * key while the run is live, so no other tab offers to resume it.
 */
import type { Dataset } from '../data/dataset';
import type { TrainerCheckpoint } from '../train/trainer';
import type { BudgetChange, RunConfig } from './protocol';

export interface StoredRun {
  config: RunConfig;
  checkpoint: TrainerCheckpoint;
  savedAt: string;
  modelName: string;
  datasetName: string;
  unprunedAccuracy?: number;
  /** The step unprunedAccuracy was measured at (the end of warm-up). */
  unprunedStep?: number;
  /** Uploaded data is kept with the checkpoint (built-in and generated data are rebuilt). */
  dataset?: Dataset;
  /** The run's budget changes so far (absent in records of older versions). */
  budgetHistory?: BudgetChange[];
}

export interface CheckpointStore {
  save(key: string, run: StoredRun): Promise<void>;
  load(key: string): Promise<StoredRun | undefined>;
  /** The keys of every stored checkpoint (this tab's and other tabs'). */
  keys(): Promise<string[]>;
  clear(key: string): Promise<void>;
}

/** One store per test; two sessions given the same one behave like two tabs of a site. */
export class MemoryCheckpointStore implements CheckpointStore {
  private readonly stored = new Map<string, StoredRun>();
  async save(key: string, run: StoredRun): Promise<void> {
    this.stored.set(key, structuredClone(run));
  }
  async load(key: string): Promise<StoredRun | undefined> {
    const run = this.stored.get(key);
    return run && structuredClone(run);
  }
  async keys(): Promise<string[]> {
    return [...this.stored.keys()];
  }
  async clear(key: string): Promise<void> {
    this.stored.delete(key);
  }
}

/**
 * Locks named by run key, held by the worker of the tab whose run it is while the run is live
 * (the browser lets them go when the worker or tab ends): Web Locks in the browser.
 */
export interface RunLocks {
  /** Takes the lock of `key` if no one holds it; returns its release, or undefined if held. */
  tryHold(key: string): Promise<(() => void) | undefined>;
  /** The keys whose locks are held now, by this tab or another. */
  held(): Promise<Set<string>>;
  /** Whether the lock of `key` is let go within `ms` (a worker just ended lets go soon). */
  waitFree(key: string, ms: number): Promise<boolean>;
}

/** In-memory locks: share one between two sessions to stand for two tabs. */
export class MemoryRunLocks implements RunLocks {
  private readonly holders = new Set<string>();
  async tryHold(key: string): Promise<(() => void) | undefined> {
    if (this.holders.has(key)) return undefined;
    this.holders.add(key);
    return () => this.holders.delete(key);
  }
  async held(): Promise<Set<string>> {
    return new Set(this.holders);
  }
  async waitFree(key: string, ms: number): Promise<boolean> {
    const until = Date.now() + ms;
    while (this.holders.has(key)) {
      if (Date.now() >= until) return false;
      await new Promise((r) => setTimeout(r, 10));
    }
    return true;
  }
  /** What the browser does when the holder's worker or tab ends: the lock goes. */
  lose(key: string): void {
    this.holders.delete(key);
  }
}

const LOCK_PREFIX = 'pruning-studio.run:';

/** Web Locks (navigator.locks, also in workers); without them, no lock is ever held. */
export class WebRunLocks implements RunLocks {
  private get locks(): LockManager | undefined {
    return typeof navigator === 'undefined' ? undefined : navigator.locks;
  }

  async tryHold(key: string): Promise<(() => void) | undefined> {
    const locks = this.locks;
    if (!locks) return () => {};
    return new Promise((resolve, reject) => {
      locks
        .request(LOCK_PREFIX + key, { ifAvailable: true }, (lock) => {
          if (!lock) {
            resolve(undefined);
            return undefined;
          }
          // Held until released (or until this worker ends).
          return new Promise<void>((release) => resolve(() => release()));
        })
        .catch(reject);
    });
  }

  async waitFree(key: string, ms: number): Promise<boolean> {
    const locks = this.locks;
    if (!locks) return true;
    try {
      // Granted once free (then let go at once); aborted if still held after `ms`.
      await locks.request(LOCK_PREFIX + key, { signal: AbortSignal.timeout(ms) }, () => undefined);
      return true;
    } catch {
      return false;
    }
  }

  async held(): Promise<Set<string>> {
    const snapshot = await this.locks?.query();
    return new Set(
      (snapshot?.held ?? [])
        .map((l) => l.name ?? '')
        .filter((name) => name.startsWith(LOCK_PREFIX))
        .map((name) => name.slice(LOCK_PREFIX.length)),
    );
  }
}

const DB_NAME = 'pruning-studio';
const STORE = 'checkpoints';

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

/**
 * Each run's latest checkpoint, one record per run key, in the origin's IndexedDB (a record
 * stored by older versions under the key "current" is offered like any other).
 */
export class IndexedDbCheckpointStore implements CheckpointStore {
  private db?: Promise<IDBDatabase>;

  private open(): Promise<IDBDatabase> {
    this.db ??= new Promise((resolve, reject) => {
      const req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(STORE);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error ?? new Error('IndexedDB could not be opened'));
    });
    return this.db;
  }

  private async transaction<T>(
    mode: IDBTransactionMode,
    body: (store: IDBObjectStore) => IDBRequest<T>,
  ): Promise<T> {
    const db = await this.open();
    const tx = db.transaction(STORE, mode);
    const result = await request(body(tx.objectStore(STORE)));
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onabort = tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
    });
    return result;
  }

  async save(key: string, run: StoredRun): Promise<void> {
    await this.transaction('readwrite', (s) => s.put(run, key));
  }

  /** The record as stored: untrusted until checkpointCheck has read it. */
  async load(key: string): Promise<StoredRun | undefined> {
    return (await this.transaction('readonly', (s) => s.get(key))) as StoredRun | undefined;
  }

  async keys(): Promise<string[]> {
    const keys = await this.transaction('readonly', (s) => s.getAllKeys());
    return keys.map(String);
  }

  async clear(key: string): Promise<void> {
    await this.transaction('readwrite', (s) => s.delete(key));
  }
}
