import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { WorkerCommand } from '../worker/protocol';
import { SAVED_RUNS_KEY } from './savedRuns';
import {
  createStudioStore,
  simulatedFailuresFromQuery,
  simulatedFaultsFromQuery,
  type StudioEnvironment,
} from './store';
import {
  makeDatasetSummary,
  makeMetrics,
  makeSummary,
  mapStorage,
  recordingWorker,
} from '../testing/runFixtures';

describe('simulatedFaultsFromQuery', () => {
  it('reads device-lost@N and nan@N, ignoring anything else', () => {
    expect(simulatedFaultsFromQuery('?simulate=no-webgpu,device-lost@5,nan@12')).toEqual({
      deviceLostAtStep: 5,
      nanAtStep: 12,
    });
    expect(simulatedFaultsFromQuery('?simulate=nan@x,device-lost@-1,nan@')).toEqual({});
  });
});

describe('simulatedFailuresFromQuery', () => {
  it('turns ?simulate=no-webgpu,no-webgl into forced backend failures with a reason', () => {
    const failures = simulatedFailuresFromQuery('?simulate=no-webgpu,no-webgl');
    expect(Object.keys(failures).sort()).toEqual(['webgl', 'webgpu']);
    expect(failures.webgpu).toMatch(/disabled by \?simulate=no-webgpu/);
  });

  it('ignores unknown or absent simulate values', () => {
    expect(simulatedFailuresFromQuery('')).toEqual({});
    expect(simulatedFailuresFromQuery('?simulate=no-cpu,rm-rf')).toEqual({});
  });
});

function fakeEnvironment(overrides: Partial<StudioEnvironment> = {}) {
  const sent: WorkerCommand[] = [];
  const storage = new Map<string, string>();
  const hashes: string[] = [];
  const downloads: string[] = [];
  const env: StudioEnvironment = {
    createWorker: recordingWorker(sent),
    storage: mapStorage(storage),
    writeHash: (h) => hashes.push(h),
    download: (name) => downloads.push(name),
    ...overrides,
  };
  return { env, sent, storage, hashes, downloads };
}

/** Answers the page's latest dataset request, as the worker does once the data is loaded. */
function answerDataset(
  store: ReturnType<typeof createStudioStore>,
  sent: WorkerCommand[],
  summary = makeDatasetSummary(),
) {
  const request = sent.filter((c) => c.type === 'loadDataset').at(-1);
  if (request?.type !== 'loadDataset') throw new Error('no dataset was requested');
  store
    .getState()
    .receiveWorkerEvents([{ type: 'dataset', requestId: request.requestId, summary }]);
}

describe('studio store actions', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('connect starts the worker, loads the default dataset and writes the link', () => {
    const { env, sent, hashes } = fakeEnvironment();
    const store = createStudioStore(env);
    store.getState().connect();
    store.getState().connect();
    expect(sent.map((c) => c.type)).toEqual(['init', 'queryCheckpoint', 'loadDataset']);
    expect(sent[2]).toMatchObject({ spec: { kind: 'mnist' } });
    expect(store.getState().dataset.loading).toBe(true);
    expect(hashes.at(-1)).toMatch(/model=mnist-cnn/);
  });

  it('after a worker crash starts a new worker, says so and offers the stored checkpoint', () => {
    const workers: { onerror: ((e: ErrorEvent) => void) | null }[] = [];
    const { env, sent } = fakeEnvironment();
    env.createWorker = () => {
      const w = { postMessage: (c: WorkerCommand) => sent.push(c), onmessage: null, onerror: null };
      workers.push(w);
      return w;
    };
    const store = createStudioStore(env);
    store.getState().connect();
    store.getState().receiveWorkerEvents([{ type: 'runState', state: 'running' }]);
    vi.runAllTimers();
    workers[0].onerror?.({ message: 'out of memory' } as ErrorEvent);
    expect(workers).toHaveLength(2);
    expect(sent.filter((c) => c.type === 'queryCheckpoint')).toHaveLength(2);
    expect(store.getState().run.status).toBe('stopped');
    expect(store.getState().notices.at(-1)?.message).toMatch(/worker crashed \(out of memory\)/);
    store.getState().receiveWorkerEvents([
      {
        type: 'checkpoint',
        info: {
          key: 'run-a',
          step: 12,
          totalSteps: 60,
          savedAt: '2026-11-26T16:00:00Z',
          modelName: 'Tiny CNN',
          datasetName: 'Shapes',
          phase: 'pruning',
        },
      },
    ]);
    vi.runAllTimers();
    expect(store.getState().resumable?.step).toBe(12);
    store.getState().resumeInterruptedRun();
    expect(sent.at(-1)).toEqual({ type: 'resumeCheckpoint', key: 'run-a' });
    store.getState().receiveWorkerEvents([{ type: 'runState', state: 'running' }]);
    vi.runAllTimers();
    expect(store.getState().resumable).toBeUndefined();
  });

  it('a custom board drives the budget presets, travels in the link and in the run config', () => {
    const { env, sent, hashes } = fakeEnvironment();
    const store = createStudioStore(env);
    store.getState().connect();
    const presetRam = store.getState().config.budgets.ram!;
    store.getState().setBoard('custom');
    const board = store.getState().config.customBoard!;
    expect(board.id).toBe('custom');
    // A board with 12 KB of RAM, 4 KB of it the runtime's: at most 8 KB for the arena.
    store.getState().setCustomBoard({
      ...board,
      name: 'Tiny lab board',
      ramBytes: 12 * 1024,
      runtimeRamBytes: 4 * 1024,
    });
    const s = store.getState();
    expect(s.config.budgets.ram).toBe(8 * 1024);
    expect(s.config.budgets.ram).toBeLessThan(presetRam);
    expect(hashes.at(-1)).toMatch(/board=custom&cname=Tiny\+lab\+board&ccore=cortex-m4/);
    expect(hashes.at(-1)).toMatch(/cram=12288&crtflash=153600&crtram=4096/);
    answerDataset(store, sent);
    s.startRun();
    const start = sent.at(-1) as Extract<WorkerCommand, { type: 'start' }>;
    expect(start.config.customBoard).toMatchObject({ name: 'Tiny lab board', ramBytes: 12288 });
    // The link restores the same board.
    const again = createStudioStore(fakeEnvironment({ initialHash: `#${hashes.at(-1)}` }).env);
    expect(again.getState().config.customBoard).toEqual(s.config.customBoard);
  });

  it('refuses an invalid custom board with a notice and keeps the last good one', () => {
    const { env } = fakeEnvironment();
    const store = createStudioStore(env);
    store.getState().setBoard('custom');
    const before = store.getState().config.customBoard;
    store.getState().setCustomBoard({ ...before!, runtimeFlashBytes: before!.flashBytes });
    expect(store.getState().config.customBoard).toBe(before);
    expect(store.getState().notices.at(-1)?.message).toMatch(
      /custom board was not changed: Runtime's flash .* must be less than/,
    );
  });

  it('keeps a running job and the page in step: a link pasted mid-run is not applied', () => {
    const { env, sent, hashes } = fakeEnvironment();
    const store = createStudioStore(env);
    store.getState().connect();
    answerDataset(store, sent);
    store.getState().startRun();
    const before = store.getState().config;
    store.getState().applyHash('#model=tiny-cnn&steps=50');
    expect(store.getState().config).toBe(before);
    expect(store.getState().notices.at(-1)?.message).toMatch(/A run is going/);
    expect(hashes.at(-1)).toMatch(/model=mnist-cnn/);
    // After the run, the same link applies.
    store.getState().receiveWorkerEvents([{ type: 'runState', state: 'stopped' }]);
    vi.runAllTimers();
    store.getState().applyHash('#model=tiny-cnn&steps=50');
    expect(store.getState().config.modelId).toBe('tiny-cnn');
  });

  it('starts from the link in the hash and reports its bad fields as a notice', () => {
    const { env } = fakeEnvironment({ initialHash: '#model=tiny-cnn&flash=-1' });
    const s = createStudioStore(env).getState();
    expect(s.config.modelId).toBe('tiny-cnn');
    expect(s.config.budgets.flash).toBeGreaterThan(0);
    expect(s.notices).toHaveLength(1);
    expect(s.notices[0].message).toMatch(/"flash"/);
  });

  it('ignores corrupt saved runs with a notice instead of failing', () => {
    const { env, storage } = fakeEnvironment();
    storage.set(SAVED_RUNS_KEY, '{"version":1,"runs":[{"id":1}]}');
    const s = createStudioStore(env).getState();
    expect(s.savedRuns).toEqual([]);
    expect(s.notices[0].message).toMatch(/unreadable/);
  });

  it('a board preset fills the budgets; a slider then overrides just one', () => {
    const { env } = fakeEnvironment();
    const store = createStudioStore(env);
    store.getState().setBoard('raspberry-pi-pico');
    const preset = store.getState().config.budgets;
    expect(preset.flash).toBeGreaterThan(0);
    store.getState().setBudget('flash', 10_000);
    expect(store.getState().config.budgets).toEqual({ ...preset, flash: 10_000 });
    store.getState().setBudget('ram', undefined);
    expect(store.getState().config.budgets.ram).toBeUndefined();
    store.getState().resetBudgets();
    expect(store.getState().config.budgets).toEqual(preset);
  });

  it('moves the default budgets with the model and the board', () => {
    const { env } = fakeEnvironment();
    const store = createStudioStore(env);
    const mnist = store.getState().config.budgets;
    expect(store.getState().budgetDefaults).toEqual(mnist);
    store.getState().setModel('ds-cnn');
    const ds = store.getState();
    // DS-CNN is asked to halve its flash, not to keep 1/8 of it.
    expect(ds.config.budgets.flash! / ds.estimate!.unpruned.flash).toBeGreaterThan(0.45);
    expect(ds.config.budgets).toEqual(ds.budgetDefaults);
    expect(ds.config.budgets.flash).not.toBe(mnist.flash);
    // A board with 10 KB of free flash: the default follows it down.
    store.getState().setBoard('custom');
    const board = store.getState().config.customBoard!;
    store.getState().setCustomBoard({ ...board, flashBytes: board.runtimeFlashBytes + 10 * 1024 });
    expect(store.getState().config.budgets.flash).toBe(10 * 1024);
    store.getState().setModel('mnist-cnn');
    expect(store.getState().config.budgets.flash).toBe(10 * 1024);
    store.getState().setBoard('arduino-nano-33-ble-sense');
    expect(store.getState().config.budgets).toEqual(mnist);
  });

  it('keeps the budgets the user set when the model or board changes', () => {
    const { env } = fakeEnvironment();
    const store = createStudioStore(env);
    store.getState().setBudget('flash', 20_000);
    store.getState().setBudget('latency', undefined);
    store.getState().setModel('resnet8');
    let s = store.getState();
    expect(s.config.budgets.flash).toBe(20_000);
    expect(s.config.budgets.latency).toBeUndefined();
    // RAM was left alone: it follows the new model's default.
    expect(s.config.budgets.ram).toBe(s.budgetDefaults!.ram);
    store.getState().setBoard('raspberry-pi-pico');
    store.getState().setWidthMultiplier(0.5);
    s = store.getState();
    expect(s.config.budgets.flash).toBe(20_000);
    expect(s.config.budgets.latency).toBeUndefined();
    expect(s.config.budgets.ram).toBe(s.budgetDefaults!.ram);
    // Reset gives every budget back to the preset.
    store.getState().resetBudgets();
    expect(store.getState().config.budgets).toEqual(store.getState().budgetDefaults);
    expect(store.getState().config.budgets.flash).not.toBe(20_000);
  });

  it('treats a link budget that differs from the preset as set by the user', () => {
    const preset = createStudioStore(fakeEnvironment().env).getState().config.budgets;
    const { env } = fakeEnvironment({
      initialHash: `#model=mnist-cnn&flash=12345&ram=${preset.ram}&latency=none`,
    });
    const store = createStudioStore(env);
    store.getState().setModel('ds-cnn');
    const s = store.getState();
    expect(s.config.budgets.flash).toBe(12_345);
    expect(s.config.budgets.latency).toBeUndefined();
    expect(s.config.budgets.ram).toBe(s.budgetDefaults!.ram);
    expect(s.config.budgets.ram).not.toBe(preset.ram);
  });

  it('sends budget changes during a run once, debounced', () => {
    const { env, sent } = fakeEnvironment();
    const store = createStudioStore(env);
    store.getState().connect();
    store.getState().setBudget('flash', 30_000);
    vi.advanceTimersByTime(500);
    expect(sent.filter((c) => c.type === 'setBudgets')).toHaveLength(0);
    answerDataset(store, sent);
    store.getState().startRun();
    const start = sent.find((c) => c.type === 'start');
    expect(start).toMatchObject({ config: { modelId: 'mnist-cnn', budgets: { flash: 30_000 } } });
    for (const v of [29_000, 28_000, 27_000]) store.getState().setBudget('flash', v);
    vi.advanceTimersByTime(100);
    expect(sent.filter((c) => c.type === 'setBudgets')).toHaveLength(0);
    vi.advanceTimersByTime(100);
    const updates = sent.filter((c) => c.type === 'setBudgets');
    expect(updates).toHaveLength(1);
    expect(updates[0]).toMatchObject({ budgets: { flash: 27_000 } });
  });

  it('throttles metrics into the store, then saves the finished run and downloads exports', () => {
    const { env, storage, downloads, sent } = fakeEnvironment();
    const store = createStudioStore(env);
    store.getState().connect();
    answerDataset(store, sent);
    store.getState().startRun();
    store.getState().receiveWorkerEvents([{ type: 'runState', state: 'running' }]);
    store.getState().receiveWorkerEvents([{ type: 'metrics', metrics: makeMetrics(1) }]);
    store.getState().receiveWorkerEvents([{ type: 'metrics', metrics: makeMetrics(2) }]);
    expect(store.getState().run.latest).toBeUndefined();
    vi.advanceTimersByTime(200);
    expect(store.getState().run.latest?.step).toBe(2);
    expect(store.getState().run.series.steps.points).toHaveLength(2);

    store.getState().receiveWorkerEvents([{ type: 'finished', summary: makeSummary('run-1') }]);
    expect(store.getState().run.status).toBe('finished');
    expect(JSON.parse(storage.get(SAVED_RUNS_KEY) ?? '{}').runs[0].id).toBe('run-1');

    store.getState().requestExport('tflite');
    const pending = Object.keys(store.getState().exports.pending).map(Number);
    expect(pending).toHaveLength(1);
    store.getState().receiveWorkerEvents([
      {
        type: 'exported',
        requestId: pending[0],
        format: 'tflite',
        filename: 'pruned.tflite',
        mime: 'application/octet-stream',
        bytes: new ArrayBuffer(8),
      },
    ]);
    expect(downloads).toEqual(['pruned.tflite']);
    expect(store.getState().exports.pending).toEqual({});
  });

  it('starts a run only on the dataset shown, naming it to the worker', () => {
    const { env, sent } = fakeEnvironment();
    const store = createStudioStore(env);
    store.getState().connect();
    store.getState().startRun();
    expect(sent.some((c) => c.type === 'start')).toBe(false);
    expect(store.getState().notices.at(-1)?.message).toMatch(/still loading/);
    answerDataset(store, sent, makeDatasetSummary({ loadKey: 'mnist#7' }));
    // A newer request (another dataset) makes the page wait again.
    store.getState().setDatasetKind('generated');
    store.getState().startRun();
    expect(sent.some((c) => c.type === 'start')).toBe(false);
    answerDataset(
      store,
      sent,
      makeDatasetSummary({ id: 'shapes', loadKey: 'shapes#8', name: 'Shapes' }),
    );
    store.getState().startRun();
    expect(sent.filter((c) => c.type === 'start')).toEqual([
      expect.objectContaining({ datasetKey: 'shapes#8' }),
    ]);
  });

  it('refuses to start an upload run without files, with a notice', () => {
    const { env, sent } = fakeEnvironment();
    const store = createStudioStore(env);
    store.getState().connect();
    store.getState().setDatasetKind('upload');
    store.getState().startRun();
    expect(sent.some((c) => c.type === 'start')).toBe(false);
    expect(store.getState().notices.at(-1)?.message).toMatch(/Choose the files/);
  });
});
