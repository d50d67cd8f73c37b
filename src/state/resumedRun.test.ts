import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunConfig, WorkerCommand, WorkerEvent } from '../worker/protocol';
import { createStudioStore, type StudioEnvironment } from './store';
import { makeDatasetSummary, recordingWorker } from '../testing/runFixtures';

function connected() {
  const sent: WorkerCommand[] = [];
  const hashes: string[] = [];
  const env: StudioEnvironment = {
    createWorker: recordingWorker(sent),
    writeHash: (h) => hashes.push(h),
  };
  const store = createStudioStore(env);
  store.getState().connect();
  const request = sent.find((c) => c.type === 'loadDataset');
  if (request?.type !== 'loadDataset') throw new Error('no dataset was requested');
  const deliver = (...events: WorkerEvent[]) => {
    store.getState().receiveWorkerEvents(events);
    vi.advanceTimersByTime(1000);
  };
  deliver({ type: 'dataset', requestId: request.requestId, summary: makeDatasetSummary() });
  return { store, sent, hashes, deliver };
}

/** The interrupted run as the worker stored it: not the page's defaults in any field. */
const interrupted: RunConfig = {
  dataset: { kind: 'mnist' },
  modelId: 'tiny-cnn',
  widthMultiplier: 0.5,
  boardId: 'nucleo-h743zi',
  budgets: { flash: 9 * 1024, ram: 30_000, latency: 12.5 },
  schedule: { totalSteps: 800, warmupFraction: 0.1, pruneFraction: 0.6 },
  batchSize: 64,
  learningRate: 0.005,
  seed: 7,
};
const history = [
  { step: 0, budgets: { flash: 20_000, ram: 30_000, latency: 12.5 } },
  { step: 120, budgets: interrupted.budgets },
];

describe('a resumed run on the page', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("shows the resumed run's board, model and budgets, and the first slider edit changes only that budget", () => {
    const { store, sent, hashes, deliver } = connected();
    expect(store.getState().config.boardId).not.toBe(interrupted.boardId);
    store.getState().resumeInterruptedRun();
    deliver(
      { type: 'resumed', config: interrupted, budgetHistory: history },
      { type: 'runState', state: 'running' },
    );
    const { config, run } = store.getState();
    expect(config).toMatchObject({
      modelId: 'tiny-cnn',
      widthMultiplier: 0.5,
      boardId: 'nucleo-h743zi',
      budgets: interrupted.budgets,
      schedule: interrupted.schedule,
      batchSize: 64,
      seed: 7,
    });
    expect(run.budgetHistory).toEqual(history);
    expect(hashes.at(-1)).toMatch(/board=nucleo-h743zi/);
    expect(hashes.at(-1)).toMatch(/model=tiny-cnn/);

    store.getState().setBudget('flash', 8000);
    vi.advanceTimersByTime(1000);
    const update = sent.filter((c) => c.type === 'setBudgets').at(-1);
    expect(update).toEqual({
      type: 'setBudgets',
      budgets: { flash: 8000, ram: 30_000, latency: 12.5 },
    });
  });

  it('goes back to the budgets in force when the worker refuses new ones, and keeps accepted ones', () => {
    const { store, deliver } = connected();
    store.getState().resumeInterruptedRun();
    deliver(
      { type: 'resumed', config: interrupted, budgetHistory: history },
      { type: 'runState', state: 'running' },
    );
    store.getState().setBudget('flash', 100);
    expect(store.getState().config.budgets.flash).toBe(100);
    deliver({
      type: 'budgets',
      budgets: interrupted.budgets,
      history,
      refused: 'The new budgets were not applied: Budget cannot be met.',
    });
    expect(store.getState().config.budgets).toEqual(interrupted.budgets);

    store.getState().setBudget('flash', 8000);
    const moved = [...history, { step: 150, budgets: { ...interrupted.budgets, flash: 8000 } }];
    deliver({ type: 'budgets', budgets: moved[2].budgets, history: moved });
    expect(store.getState().config.budgets.flash).toBe(8000);
    expect(store.getState().run.budgetHistory).toEqual(moved);
  });

  it('a resume that fails leaves the page stopped, with nothing on offer and Start working', () => {
    const { store, sent, deliver } = connected();
    deliver({
      type: 'checkpoint',
      info: {
        key: 'run-1',
        step: 10,
        totalSteps: 30,
        savedAt: '2026-01-01T00:00:00Z',
        modelName: 'Tiny CNN',
        datasetName: 'MNIST',
        phase: 'pruning',
      },
    });
    store.getState().resumeInterruptedRun();
    expect(store.getState().run.status).toBe('starting');
    deliver(
      {
        type: 'notice',
        level: 'warning',
        message: 'The interrupted run could not be resumed: t is not iterable. It was discarded.',
      },
      { type: 'checkpoint', info: null },
      { type: 'runState', state: 'stopped' },
    );
    expect(store.getState().run.status).toBe('stopped');
    expect(store.getState().resumable).toBeUndefined();
    store.getState().startRun();
    expect(sent.at(-1)?.type).toBe('start');
    expect(store.getState().run.status).toBe('starting');
  });
});
