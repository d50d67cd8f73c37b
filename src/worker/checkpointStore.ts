/**
 * Where the current run's latest checkpoint lives, so a reload or a crashed worker loses
 * nothing: IndexedDB in the browser, memory in tests.
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
  save(run: StoredRun): Promise<void>;
  load(): Promise<StoredRun | undefined>;
  clear(): Promise<void>;
}

export class MemoryCheckpointStore implements CheckpointStore {
  private stored?: StoredRun;
  async save(run: StoredRun): Promise<void> {
    this.stored = structuredClone(run);
  }
  async load(): Promise<StoredRun | undefined> {
    return this.stored && structuredClone(this.stored);
  }
  async clear(): Promise<void> {
    this.stored = undefined;
  }
}

const DB_NAME = 'pruning-studio';
const STORE = 'checkpoints';
const KEY = 'current';

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

/** One record, the current run's latest checkpoint, in the origin's IndexedDB. */
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

  async save(run: StoredRun): Promise<void> {
    await this.transaction('readwrite', (s) => s.put(run, KEY));
  }

  /** The record as stored: untrusted until checkpointCheck has read it. */
  async load(): Promise<StoredRun | undefined> {
    return (await this.transaction('readonly', (s) => s.get(KEY))) as StoredRun | undefined;
  }

  async clear(): Promise<void> {
    await this.transaction('readwrite', (s) => s.delete(KEY));
  }
}
