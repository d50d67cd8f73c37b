/** Stop always stops: a worker stuck in a step is ended and replaced, the page stays usable. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { WorkerCommand, WorkerEvent } from '../worker/protocol';
import {
  STEP_TIME_LIMIT_MS,
  STOP_GRACE_MS,
  createStudioStore,
  simulatedFaultsFromQuery,
} from './store';
import { makeDatasetSummary, makeMetrics } from '../testing/runFixtures';

interface FakeWorker {
  postMessage: (c: WorkerCommand) => void;
  onmessage: ((e: MessageEvent<WorkerEvent>) => void) | null;
  onerror: ((e: ErrorEvent) => void) | null;
  terminate: () => void;
  sent: WorkerCommand[];
  terminated: boolean;
}

function page(search = '') {
  const workers: FakeWorker[] = [];
  const store = createStudioStore({
    search,
    createWorker: () => {
      const w: FakeWorker = {
        sent: [],
        terminated: false,
        postMessage: (c) => w.sent.push(c),
        onmessage: null,
        onerror: null,
        terminate: () => (w.terminated = true),
      };
      workers.push(w);
      return w as unknown as Worker;
    },
  });
  store.getState().connect();
  /** The worker posts an event (as its onmessage would receive it). */
  const post = (w: FakeWorker, data: WorkerEvent) =>
    w.onmessage?.({ data } as MessageEvent<WorkerEvent>);
  const running = () => {
    const w = workers.at(-1)!;
    const request = w.sent.find((c) => c.type === 'loadDataset');
    if (request?.type !== 'loadDataset') throw new Error('no dataset requested');
    post(w, { type: 'dataset', requestId: request.requestId, summary: makeDatasetSummary() });
    vi.advanceTimersByTime(300);
    store.getState().startRun();
    post(w, { type: 'runState', state: 'running' });
    post(w, { type: 'metrics', metrics: makeMetrics(1) });
    vi.advanceTimersByTime(300);
    expect(store.getState().run.status).toBe('running');
    return w;
  };
  return { store, workers, post, running };
}

describe('Stop and the step time limit', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('a Stop the worker cannot read (stuck in a step) ends it and starts a new one', () => {
    const { store, workers, running } = page();
    const w = running();
    store.getState().stopRun();
    expect(w.sent.at(-1)).toEqual({ type: 'stop' });
    vi.advanceTimersByTime(STOP_GRACE_MS - 10);
    expect(w.terminated).toBe(false);
    vi.advanceTimersByTime(20);
    expect(w.terminated).toBe(true);
    expect(workers).toHaveLength(2);
    // The new worker starts afresh: backend, the checkpoint offer, the dataset.
    expect(workers[1].sent.map((c) => c.type)).toEqual(['init', 'queryCheckpoint', 'loadDataset']);
    const s = store.getState();
    expect(s.run.status).toBe('stopped');
    expect(s.notices.at(-1)?.message).toMatch(
      /did not stop within 5 s of pressing Stop .* worker was ended and a new one started/,
    );
  });

  it('a worker that stops in time is kept', () => {
    const { store, workers, post, running } = page();
    const w = running();
    store.getState().stopRun();
    vi.advanceTimersByTime(1000);
    post(w, { type: 'runState', state: 'stopped' });
    vi.advanceTimersByTime(STOP_GRACE_MS * 2);
    expect(w.terminated).toBe(false);
    expect(workers).toHaveLength(1);
    expect(store.getState().run.status).toBe('stopped');
  });

  it('a worker still talking after Stop (slow steps, finishing) is not ended; silent 5 s, it is', () => {
    const { store, workers, post, running } = page();
    const w = running();
    store.getState().stopRun();
    for (let step = 2; step < 8; step++) {
      vi.advanceTimersByTime(STOP_GRACE_MS - 500);
      post(w, { type: 'metrics', metrics: makeMetrics(step) });
    }
    expect(w.terminated).toBe(false);
    vi.advanceTimersByTime(STOP_GRACE_MS + 10);
    expect(w.terminated).toBe(true);
    expect(workers).toHaveLength(2);
    expect(store.getState().run.status).toBe('stopped');
  });

  it('a step that runs past the time limit ends the worker; steady progress, or a pause, does not', () => {
    const { store, workers, post, running } = page();
    const w = running();
    // Messages keep coming: the limit is never reached.
    for (let step = 2; step < 10; step++) {
      vi.advanceTimersByTime(STEP_TIME_LIMIT_MS / 2);
      post(w, { type: 'metrics', metrics: makeMetrics(step) });
    }
    // Paused: the worker is silent on purpose.
    post(w, { type: 'runState', state: 'paused' });
    vi.advanceTimersByTime(STEP_TIME_LIMIT_MS * 3);
    expect(w.terminated).toBe(false);
    post(w, { type: 'runState', state: 'running' });
    vi.advanceTimersByTime(STEP_TIME_LIMIT_MS + 10);
    expect(w.terminated).toBe(true);
    expect(workers).toHaveLength(2);
    expect(store.getState().run.status).toBe('stopped');
    expect(store.getState().notices.at(-1)?.message).toMatch(
      /A training step ran for more than 120 s without finishing/,
    );
    // The page is usable: the new worker's dataset arrives and Start goes out to it.
    running();
    expect(workers[1].sent.some((c) => c.type === 'start')).toBe(true);
  });

  it('reads slow-step@N from the page query, and injects it once per page, not in a new worker', () => {
    expect(simulatedFaultsFromQuery('?simulate=slow-step@3')).toEqual({ slowStepAtStep: 3 });
    const { store, workers, running } = page('?simulate=slow-step@3');
    running();
    store.getState().stopRun();
    vi.advanceTimersByTime(STOP_GRACE_MS + 10);
    const inits = workers.map((w) => w.sent.find((c) => c.type === 'init'));
    expect(inits.map((c) => c?.type === 'init' && c.faults)).toEqual([{ slowStepAtStep: 3 }, {}]);
  });
});
