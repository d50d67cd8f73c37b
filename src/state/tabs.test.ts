/** Two tabs of the site share one localStorage: neither may drop the other's saved runs. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { WorkerCommand } from '../worker/protocol';
import { SAVED_RUNS_KEY } from './savedRuns';
import { createStudioStore, type StudioEnvironment } from './store';
import { makeSummary } from '../testing/runFixtures';

/** One browser: a shared storage, and a tab maker whose tabs hear each other's writes. */
function browser() {
  const storage = new Map<string, string>();
  const listeners: (() => void)[] = [];
  const tab = () => {
    let own: (() => void) | undefined;
    const env: StudioEnvironment = {
      createWorker: () => ({
        postMessage: (_c: WorkerCommand) => undefined,
        onmessage: null,
        onerror: null,
      }),
      storage: {
        getItem: (k) => storage.get(k) ?? null,
        setItem: (k, v) => {
          storage.set(k, v);
          // The storage event reaches the other tabs, not the one that wrote.
          for (const l of listeners) if (l !== own) l();
        },
      },
      watchSavedRuns: (changed) => {
        own = changed;
        listeners.push(changed);
      },
    };
    const store = createStudioStore(env);
    store.getState().connect();
    return store;
  };
  const storedIds = () =>
    (JSON.parse(storage.get(SAVED_RUNS_KEY) ?? '{"runs":[]}').runs as { id: string }[]).map(
      (r) => r.id,
    );
  return { tab, storedIds };
}

const finish = (store: ReturnType<typeof createStudioStore>, id: string, at: string) => {
  store
    .getState()
    .receiveWorkerEvents([{ type: 'finished', summary: makeSummary(id, { finishedAt: at }) }]);
  vi.runAllTimers();
};

describe('saved runs across tabs', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('a run finished in one tab is kept when the other tab finishes, renames or deletes its own', () => {
    const { tab, storedIds } = browser();
    const a = tab();
    const b = tab(); // opened before A's run finished: its list did not have it
    finish(a, 'run-a', '2026-01-01T10:00:00.000Z');
    finish(b, 'run-b', '2026-01-01T11:00:00.000Z');
    expect(storedIds()).toEqual(['run-a', 'run-b']);

    b.getState().renameSavedRun('run-b', 'mine');
    b.getState().deleteSavedRun('run-b');
    expect(storedIds()).toEqual(['run-a']);

    finish(a, 'run-a2', '2026-01-01T12:00:00.000Z');
    expect(storedIds()).toEqual(['run-a', 'run-a2']);
  });

  it("each tab's list shows the runs the other tab keeps or deletes", () => {
    const { tab } = browser();
    const a = tab();
    const b = tab();
    finish(a, 'run-a', '2026-01-01T10:00:00.000Z');
    expect(b.getState().savedRuns.map((r) => r.id)).toEqual(['run-a']);
    finish(b, 'run-b', '2026-01-01T11:00:00.000Z');
    expect(a.getState().savedRuns.map((r) => r.id)).toEqual(['run-a', 'run-b']);
    a.getState().deleteSavedRun('run-b');
    expect(b.getState().savedRuns.map((r) => r.id)).toEqual(['run-a']);
  });
});
