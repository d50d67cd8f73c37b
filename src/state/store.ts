/**
 * The page's state: one zustand store made of small slices (configuration, dataset, run and
 * chart series, saved runs, notices, view options), each changed only by the named actions
 * beside it. Worker events enter through `receiveWorkerEvents` (throttled by an EventBatcher),
 * user commands through the actions; components read with narrow selectors (selectors.ts).
 */
import { useStore } from 'zustand';
import { createStore, type StoreApi } from 'zustand/vanilla';
import { zooModel } from '../core/zoo';
import type {
  BackendName,
  BackendSetting,
  Budgets,
  ExportFormat,
  ResourceName,
  RunConfig,
  SampleAudio,
  ScheduleConfig,
  SimulatedFaults,
  UploadFile,
  UploadFormat,
  WorkerCommand,
  WorkerEvent,
} from '../worker/protocol';
import { UPLOAD_CHUNK_FILES } from '../worker/protocol';
import { EventBatcher, type Timers } from './batcher';

import {
  CUSTOM_BOARD_ID,
  customBoardProblems,
  defaultCustomBoard,
  type BoardProfile,
} from '../core/hardware';
import { boardFor } from './boards';
import { defaultBudgets, modelShrink, roundBudget } from './budgets';
import {
  DEFAULT_GENERATED,
  expectedInput,
  toRunConfig,
  type DatasetChoice,
  type StudioConfig,
} from './config';
import { estimateModel, type ModelEstimate } from './estimate';
import {
  initialWorkerFacingState,
  isThrottledEvent,
  reduceWorkerEvents,
  withNotice,
  type NoticeLevel,
  type WorkerFacingState,
} from './events';
import { encodeConfigHash, parseConfigHash } from './hash';
import { IndexedDbRunRecordStore, type RunRecord, type RunRecordStore } from './runRecords';
import {
  SAVED_RUNS_KEY,
  loadSavedRuns,
  unavailableStorage,
  updateSavedRuns,
  type SavedRunsChange,
} from './savedRuns';
import { keptRuns } from './keptRuns';
import { selectSampleAudioProblem } from './selectors';
import { emptyRunSeries } from './series';

export type { BackendStatus, Notice, RunStatus } from './events';

/** Settings sent with `setBudgets` wait this long for the slider to settle. */
export const BUDGET_DEBOUNCE_MS = 150;
/** Dataset reloads wait for typing in the generated-set fields to pause. */
const DATASET_DEBOUNCE_MS = 250;
/** A Stop the worker has not answered within this time ends the worker (a step is stuck). */
export const STOP_GRACE_MS = 5_000;
/** A running worker silent this long is stuck in one step: it is ended and a new one started. */
export const STEP_TIME_LIMIT_MS = 120_000;
/** Chart updates reach the page at most 5 times a second. */
export const CHART_INTERVAL_MS = 200;
const LARGE_TEXT_KEY = 'pruning-studio.large-text';

export interface UploadSelection {
  format: UploadFormat;
  files: UploadFile[];
  /** What the user picked, e.g. "pets (120 files)". */
  label: string;
}

export interface ViewOptions {
  largeText: boolean;
  /** Channel group shown in the importance chart (undefined: the first prunable one). */
  selectedGroup?: string;
  /** Resource on the x axis of the saved-runs trade-off chart. */
  tradeoffResource: ResourceName;
  /** Replay: the step of the finished run the charts show (undefined: its end). */
  replayStep?: number;
}

export interface StudioActions {
  /** Starts the worker, loads the dataset, keeps the URL hash in step. Idempotent. */
  connect: () => void;
  send: (command: WorkerCommand) => void;
  receiveWorkerEvents: (events: WorkerEvent[]) => void;
  /** Replaces the configuration by the one in a link; problems become a notice. */
  applyHash: (hash: string) => void;

  setDatasetKind: (kind: DatasetChoice['kind']) => void;
  setGeneratedOptions: (
    options: Partial<Omit<Extract<DatasetChoice, { kind: 'generated' }>, 'kind'>>,
  ) => void;
  setUpload: (selection: UploadSelection) => void;
  setModel: (modelId: string) => void;
  setWidthMultiplier: (width: number) => void;
  setBoard: (boardId: string) => void;
  /**
   * Replaces the custom board (already checked, see customBoardProblems) and selects it; the
   * budgets follow its preset. The object is kept as given.
   */
  setCustomBoard: (board: BoardProfile) => void;
  /** undefined removes the limit. During a run the worker is told (debounced). */
  setBudget: (resource: ResourceName, value: number | undefined) => void;
  resetBudgets: () => void;
  setSchedule: (schedule: Partial<ScheduleConfig>) => void;
  setTraining: (
    options: Partial<Pick<StudioConfig, 'batchSize' | 'learningRate' | 'seed'>>,
  ) => void;

  startRun: () => void;
  pauseRun: () => void;
  resumeRun: () => void;
  stopRun: () => void;
  /** Continue / forget the interrupted run whose checkpoint the worker stored. */
  resumeInterruptedRun: () => void;
  /** 'auto' measures the backends and takes the fastest; applies between runs. */
  setBackendChoice: (choice: BackendSetting) => void;
  discardInterruptedRun: () => void;
  /** Stops the dataset load in flight; the dataset in use stays. */
  cancelDatasetLoad: () => void;
  requestExport: (format: ExportFormat) => void;
  /**
   * The clip of validation sample `validationIndex` of the shown run's audio upload, decoded
   * again in the worker; rejects with the reason when it cannot be had.
   */
  requestSampleAudio: (validationIndex: number) => Promise<SampleAudio>;

  notify: (level: NoticeLevel, message: string) => void;
  dismissNotice: (id: number) => void;
  clearNotices: () => void;
  deleteSavedRun: (id: string) => void;
  clearSavedRuns: () => void;
  /** Shows a saved run kept whole: its charts, figures and exports. */
  reopenRun: (id: string) => Promise<void>;
  /** An empty name goes back to the default label. */
  renameSavedRun: (id: string, name: string) => void;
  /** Downloads a saved run as one run file (another browser can import it). */
  downloadRunFile: (id: string) => Promise<void>;
  /** Reads a run file, keeps it in this browser and shows it. */
  importRunFile: (file: Blob, name: string) => Promise<void>;
  /** Re-reads how much storage this site uses. */
  refreshStorageUse: () => void;
  /** Trains the finished run's unpruned network for its full length (the fair reference). */
  trainReference: () => void;
  /** Trains the uniform-width network that fits the finished run's budgets (the baseline). */
  trainBaseline: () => void;

  setLargeText: (on: boolean) => void;
  selectGroup: (name: string) => void;
  setTradeoffResource: (resource: ResourceName) => void;
  /** Replays the finished run at a step; undefined goes back to its end. */
  setReplayStep: (step: number | undefined) => void;
}

export interface StudioData extends WorkerFacingState {
  config: StudioConfig;
  upload?: UploadSelection;
  /** Provisional figures of the configured model before any run (estimate.ts). */
  estimate?: ModelEstimate;
  /**
   * The board preset's budgets the current ones were filled from (budgets.ts): a budget that
   * differs from them was set by the user, and a model or board change keeps it.
   */
  budgetDefaults?: Budgets;
  /** The input the estimate was made for. */
  estimateInput: { inputShape: [number, number, number]; numClasses: number };
  view: ViewOptions;
  /** Saved runs kept whole in this browser (reopenable), and the site's storage use. */
  kept: { ids: string[]; usage?: { used: number; quota: number } };
  /** The shown run, kept whole: its exports are its stored files. */
  shownRecord?: RunRecord;
  /** The finished run the worker still holds (its unpruned reference can be trained). */
  liveRunId?: string;
  /** The unpruned reference being trained for a run. */
  referenceProgress?: { runId: string; step: number; totalSteps: number };
  /** The uniform-width baseline being trained for a run. */
  baselineProgress?: { runId: string; step: number; totalSteps: number };
}

export type StudioState = StudioData & StudioActions;

/** What the store needs from the browser; tests pass fakes. */
export interface StudioEnvironment {
  createWorker?: () => Pick<Worker, 'postMessage' | 'onmessage' | 'onerror'>;
  storage?: Pick<Storage, 'getItem' | 'setItem'>;
  /** The URL hash to start from. */
  initialHash?: string;
  /** The page's base URL; the worker resolves built-in assets against it. */
  baseUrl?: string;
  /** `?simulate=` query of the page (see simulatedFailuresFromQuery). */
  search?: string;
  /** Where the hash is written on change. */
  writeHash?: (hash: string) => void;
  download?: (filename: string, mime: string, bytes: ArrayBuffer) => void;
  timers?: Timers;
  /** Where finished runs are kept whole (IndexedDB in the browser). */
  runRecords?: RunRecordStore;
  /** Overrides STOP_GRACE_MS and STEP_TIME_LIMIT_MS (tests). */
  runLimits?: { stopGraceMs?: number; stepTimeLimitMs?: number };
  /** Calls back when another tab changed the saved-run list (the window's storage event). */
  watchSavedRuns?: (changed: () => void) => void;
  /** navigator.storage.estimate(), where the browser has it. */
  estimateStorage?: () => Promise<{ usage?: number; quota?: number }>;
}

/**
 * `?simulate=no-webgpu` (or `no-webgl`, comma-separated) makes the worker treat a backend as
 * failing: a way to check the fallbacks on a machine that has every backend.
 */
/**
 * `?simulate=device-lost@5` or `nan@8` makes the worker fail once at that step: the run must go
 * on on the next backend, or roll back with a lower learning rate. `slow-step@3` makes step 3
 * never end (the worker spins): Stop, or the step time limit, must still end the run.
 */
export function simulatedFaultsFromQuery(search: string): SimulatedFaults {
  const faults: SimulatedFaults = {};
  for (const item of new URLSearchParams(search).get('simulate')?.split(',') ?? []) {
    const match = /^(device-lost|nan|slow-step)@(\d{1,7})$/.exec(item);
    if (!match) continue;
    const step = Number(match[2]);
    if (match[1] === 'device-lost') faults.deviceLostAtStep = step;
    else if (match[1] === 'slow-step') faults.slowStepAtStep = step;
    else faults.nanAtStep = step;
  }
  return faults;
}

export function simulatedFailuresFromQuery(search: string): Partial<Record<BackendName, string>> {
  const failures: Partial<Record<BackendName, string>> = {};
  const wanted = new URLSearchParams(search).get('simulate')?.split(',') ?? [];
  for (const name of ['webgpu', 'wasm', 'webgl'] as const) {
    if (wanted.includes(`no-${name}`)) failures[name] = `${name} disabled by ?simulate=no-${name}`;
  }
  return failures;
}

function modelDefaults(modelId: string) {
  try {
    const m = zooModel(modelId);
    return { input: m.defaultInput, classes: m.defaultClasses };
  } catch {
    return { input: [28, 28, 1] as [number, number, number], classes: 10 };
  }
}

/** The input the configured model will see: the loaded dataset's, else the expected one. */
function inputFor(state: Pick<StudioData, 'config' | 'dataset'>) {
  const summary = state.dataset.summary;
  if (summary && !state.dataset.loading && state.config.dataset.kind === 'upload') {
    return { inputShape: summary.inputShape, numClasses: summary.numClasses };
  }
  return expectedInput(state.config.dataset, modelDefaults(state.config.modelId));
}

/** Budgets a board preset proposes for a configuration (no estimate: keep the old ones). */
export function presetBudgets(config: Omit<StudioConfig, 'budgets'>, fallback: Budgets = {}) {
  const input = expectedInput(config.dataset, modelDefaults(config.modelId));
  const board = boardFor(config);
  const estimate = estimateModel(
    config.modelId,
    config.widthMultiplier,
    input.inputShape,
    input.numClasses,
    board,
  );
  return estimate
    ? defaultBudgets(board, estimate.unpruned, estimate.smallest, modelShrink(config.modelId))
    : fallback;
}

/**
 * What a configuration change does to the budgets (the estimate is always recomputed):
 * - 'keep': nothing (the user's own edit, or a change that does not move the defaults yet);
 * - 'rebase': the budgets stay, and the defaults they are compared with become the ones of
 *   the new configuration (a link or a resumed run: a budget it names that differs from the
 *   preset counts as the user's);
 * - 'follow': the budgets the user did not set move to the new defaults (model, board, width,
 *   dataset changes); one the user set (it differs from the defaults it was filled from,
 *   'none' included) stays;
 * - 'reset': every budget goes back to the defaults (the Reset button).
 */
export type BudgetRefill = 'keep' | 'rebase' | 'follow' | 'reset';

const BUDGET_RESOURCES = ['flash', 'ram', 'latency', 'macs'] as const;

/** Budgets after a 'follow': `defaults` where `budgets` still holds `previous`'s value. */
export function followDefaults(budgets: Budgets, previous: Budgets, defaults: Budgets): Budgets {
  const next: Budgets = {};
  for (const r of BUDGET_RESOURCES) {
    const value = budgets[r] === previous[r] ? defaults[r] : budgets[r];
    if (value !== undefined) next[r] = value;
  }
  return next;
}

/** Recomputes the provisional estimate after a configuration or dataset change. */
function withEstimate<S extends StudioData>(state: S, refill: BudgetRefill): S {
  const input = inputFor(state);
  const board = boardFor(state.config);
  const estimate = estimateModel(
    state.config.modelId,
    state.config.widthMultiplier,
    input.inputShape,
    input.numClasses,
    board,
  );
  const defaults =
    estimate &&
    defaultBudgets(board, estimate.unpruned, estimate.smallest, modelShrink(state.config.modelId));
  let budgets = state.config.budgets;
  let budgetDefaults = state.budgetDefaults;
  if (defaults && refill !== 'keep') {
    if (refill === 'reset' || (refill === 'follow' && !budgetDefaults)) budgets = defaults;
    else if (refill === 'follow') budgets = followDefaults(budgets, budgetDefaults!, defaults);
    budgetDefaults = defaults;
  }
  return {
    ...state,
    estimate,
    estimateInput: input,
    budgetDefaults,
    config: { ...state.config, budgets },
  };
}

const isActive = (status: StudioData['run']['status']) =>
  status === 'starting' || status === 'running' || status === 'paused';

export function createStudioStore(env: StudioEnvironment = {}): StoreApi<StudioState> {
  const timers: Timers = env.timers ?? {
    set: (fn, ms) => setTimeout(fn, ms),
    clear: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  };
  let worker: ReturnType<NonNullable<StudioEnvironment['createWorker']>> | undefined;
  let nextRequestId = 1;
  /** The load the user cancelled (the worker may not have been sent it yet). */
  let cancelledRequest = 0;
  let budgetTimer: unknown;
  let datasetTimer: unknown;
  /** The chosen files the current worker holds (see handOver), and the slices still to send. */
  /** sampleAudio requests waiting for their answer. */
  const audioRequests = new Map<
    number,
    { resolve: (audio: SampleAudio) => void; reject: (err: Error) => void }
  >();
  let nextAudioRequest = 1;
  let handedOver: { files: UploadFile[]; id: number; worker: unknown } | undefined;
  let handOverTimer: unknown;
  let uploadSerial = 0;
  /** Ends a stuck worker: armed by Stop, and while the worker runs (see STEP_TIME_LIMIT_MS). */
  let watchdog: unknown;
  /** Whether the worker said it is running (from its own messages, before any batching). */
  let workerRunning = false;
  /** Set from Stop until the worker says the run stopped. */
  let stopping = false;
  const stopGraceMs = env.runLimits?.stopGraceMs ?? STOP_GRACE_MS;
  const stepTimeLimitMs = env.runLimits?.stepTimeLimitMs ?? STEP_TIME_LIMIT_MS;

  const parsed = parseConfigHash(env.initialHash ?? '', (c) => presetBudgets(c));
  const saved = loadSavedRuns(env.storage);
  let largeText = false;
  try {
    largeText = env.storage?.getItem(LARGE_TEXT_KEY) === '1';
  } catch {
    largeText = false;
  }

  let initial: StudioData = {
    ...initialWorkerFacingState(),
    savedRuns: saved.runs,
    config: parsed.config,
    estimateInput: expectedInput(parsed.config.dataset, modelDefaults(parsed.config.modelId)),
    view: { largeText, tradeoffResource: 'flash' },
    kept: { ids: [] },
  };
  initial = withEstimate(initial, 'rebase');
  if (parsed.problems.length > 0) {
    initial = withNotice(
      initial,
      'warning',
      `Some settings in the link were not valid and use their defaults instead: ${parsed.problems.join(' ')}`,
    );
  }
  if (saved.problem) initial = withNotice(initial, 'warning', saved.problem);

  const store = createStore<StudioState>()((set, get) => {
    const send = (command: WorkerCommand) => worker?.postMessage(command);

    /**
     * Hands the chosen files to the worker once (per choice and worker), in slices one task
     * apart (see 'uploadFiles'), then calls `then` with their id. A newer choice cancels it.
     */
    const handOver = (files: UploadFile[], then: (uploadId: number) => void) => {
      if (handedOver && handedOver.files === files && handedOver.worker === worker) {
        then(handedOver.id);
        return;
      }
      if (handOverTimer !== undefined) timers.clear(handOverTimer);
      handOverTimer = undefined;
      const id = ++uploadSerial;
      const to = worker;
      let next = 0;
      const sendSlice = () => {
        handOverTimer = undefined;
        if (worker !== to) return; // a new worker: its own start hands the files over again
        send({
          type: 'uploadFiles',
          uploadId: id,
          files: files.slice(next, next + UPLOAD_CHUNK_FILES),
        });
        next += UPLOAD_CHUNK_FILES;
        if (next < files.length) {
          handOverTimer = timers.set(sendSlice, 0);
          return;
        }
        handedOver = { files, id, worker: to };
        then(id);
      };
      // Not even the first slice in the task of the choice: the browser has just built the list.
      handOverTimer = timers.set(sendSlice, 0);
    };

    const loadDataset = () => {
      const { config, upload } = get();
      const d = config.dataset;
      if (d.kind === 'upload' && !upload?.files.length) return;
      const requestId = nextRequestId++;
      set((s) => ({
        dataset: { ...s.dataset, requestId, loading: true, error: undefined, progress: undefined },
      }));
      if (d.kind !== 'upload') {
        send({ type: 'loadDataset', requestId, spec: d });
        return;
      }
      handOver(upload!.files, (uploadId) => {
        // Another dataset was chosen meanwhile: that request counts, not this one.
        if (get().dataset.requestId !== requestId) return;
        if (cancelledRequest === requestId) {
          // Cancelled while the files were still being handed over: the worker never saw it.
          get().receiveWorkerEvents([
            { type: 'datasetError', requestId, message: 'loading was cancelled', cancelled: true },
          ]);
          return;
        }
        send({
          type: 'loadDataset',
          requestId,
          spec: { kind: 'upload', format: d.format, files: [], uploadId },
        });
      });
    };

    const loadDatasetSoon = () => {
      if (datasetTimer !== undefined) timers.clear(datasetTimer);
      datasetTimer = timers.set(() => {
        datasetTimer = undefined;
        loadDataset();
      }, DATASET_DEBOUNCE_MS);
    };

    /**
     * Writes this tab's change into the stored run list, merged with what other tabs stored
     * since, and shows the merged list; says so when storage refuses (the list here keeps it).
     */
    const persistRuns = (change: SavedRunsChange) => {
      const { runs, problem } = updateSavedRuns(env.storage, change);
      if (runs) set({ savedRuns: runs });
      if (problem) get().notify('warning', problem);
    };

    const setConfig = (change: Partial<StudioConfig>, refill: BudgetRefill) =>
      set((s) => withEstimate({ ...s, config: { ...s.config, ...change } }, refill));

    const deliver = (events: WorkerEvent[]) => {
      const before = get();
      let next = reduceWorkerEvents(before, events);
      if (next.dataset.summary !== before.dataset.summary) {
        const input = inputFor(next);
        const changed =
          input.numClasses !== next.estimateInput.numClasses ||
          input.inputShape.some((v, i) => v !== next.estimateInput.inputShape[i]);
        next = withEstimate(next, changed ? 'follow' : 'keep');
      }
      const added = next.savedRuns.filter((r) => !before.savedRuns.includes(r));
      set(next, true);
      if (added.length > 0) persistRuns({ put: added });
      for (const event of events) {
        if (event.type === 'exported') env.download?.(event.filename, event.mime, event.bytes);
        if (event.type === 'runFiles') keepRun(event);
        if (event.type === 'finished') set({ liveRunId: event.summary.id });
        if (event.type === 'reference') onReference(event);
        // Refused mid-run (below the smallest network, or after pruning): the page shows the
        // budgets still in force, as before Start it keeps the previous ones.
        if (event.type === 'budgets' && event.refused)
          setConfig({ budgets: event.budgets }, 'keep');
        if (event.type === 'resumed') showResumedConfig(event.config);
        if (event.type === 'baseline') onBaseline(event);
        if (event.type === 'sampleAudio') {
          const waiting = audioRequests.get(event.requestId);
          audioRequests.delete(event.requestId);
          if (event.audio) waiting?.resolve(event.audio);
          else waiting?.reject(new Error(event.error ?? 'The clip could not be decoded.'));
        }
      }
    };

    /**
     * A resumed run's settings become the page's (board, model, schedule, budgets in force):
     * the sliders then edit that run's budgets, not the defaults of a fresh page.
     */
    const showResumedConfig = (run: RunConfig) => {
      const current = get().config;
      const d = run.dataset;
      const dataset: DatasetChoice =
        d.kind === 'upload'
          ? {
              kind: 'upload',
              format:
                d.format ??
                (current.dataset.kind === 'upload' ? current.dataset.format : 'image-folder'),
            }
          : d;
      setConfig(
        {
          dataset,
          modelId: run.modelId,
          widthMultiplier: run.widthMultiplier,
          boardId: run.boardId,
          ...(run.customBoard ? { customBoard: { ...run.customBoard } } : {}),
          budgets: { ...run.budgets },
          schedule: { ...run.schedule },
          batchSize: run.batchSize,
          learningRate: run.learningRate,
          seed: run.seed,
        },
        'rebase',
      );
      env.writeHash?.(encodeConfigHash(get().config));
    };

    const kept = keptRuns({ get, set, env, persistRuns });
    const { keepRun, onReference, onBaseline, restoreRuns } = kept.events;
    const clearWatchdog = () => {
      if (watchdog !== undefined) timers.clear(watchdog);
      watchdog = undefined;
    };
    const arm = (ms: number, message: string) => {
      clearWatchdog();
      watchdog = timers.set(() => {
        watchdog = undefined;
        restartWorker(message);
      }, ms);
    };
    const stepLimitMessage = () =>
      `A training step ran for more than ${Math.round(stepTimeLimitMs / 1000)} s without finishing, so the ` +
      'training worker was ended and a new one started. Resume the run from its last checkpoint ' +
      'below (another backend may be faster), or choose a smaller batch, width or model.';

    const stopMessage = () =>
      `The run did not stop within ${Math.round(stopGraceMs / 1000)} s of pressing Stop (a training step was ` +
      "still running), so its worker was ended and a new one started. The run's last " +
      'checkpoint, if one was stored, is offered below: resume it or discard it.';

    /** Every message of the worker passes here first: it keeps the watchdog in step. */
    const fromWorker = (event: WorkerEvent) => {
      if (event.type === 'runState') {
        workerRunning = event.state === 'running';
        if (event.state === 'stopped' || event.state === 'finished') stopping = false;
      }
      if (stopping) {
        // Still talking: not stuck in a step, it will read the Stop. Silent 5 s more: ended.
        arm(stopGraceMs, stopMessage());
      } else if (workerRunning) arm(stepTimeLimitMs, stepLimitMessage());
      else clearWatchdog();
      batcher.push(event);
    };

    /**
     * Ends the worker (crashed, or stuck in a step) and starts a new one; the page goes back to
     * "stopped" with Start enabled, and the new worker offers the run's last checkpoint.
     */
    const restartWorker = (message: string) => {
      for (const waiting of audioRequests.values()) {
        waiting.reject(new Error('The training worker was restarted: its clips are gone.'));
      }
      audioRequests.clear();
      clearWatchdog();
      stopping = false;
      workerRunning = false;
      batcher.flush();
      const old = worker as Partial<Worker> | undefined;
      if (old) {
        old.onmessage = null;
        old.onerror = null;
        old.terminate?.();
      }
      set((s) =>
        withNotice(
          {
            ...s,
            liveRunId: undefined,
            referenceProgress: undefined,
            baselineProgress: undefined,
            run: {
              ...s.run,
              status: isActive(s.run.status) ? 'stopped' : s.run.status,
              // The worker that was making the finished run's files is gone.
              kept: s.run.filesPending ? ('failed' as const) : s.run.kept,
              filesPending: false,
            },
          },
          'error',
          message,
        ),
      );
      startWorker();
    };

    const startWorker = () => {
      // Injected faults (?simulate=…@N) happen once per page: not again in a restarted worker.
      const restarted = worker !== undefined;
      const faults = restarted ? {} : simulatedFaultsFromQuery(env.search ?? '');
      worker = env.createWorker!();
      worker.onmessage = (event: MessageEvent<WorkerEvent>) => fromWorker(event.data);
      worker.onerror = (event: ErrorEvent) =>
        restartWorker(
          `The training worker crashed (${event.message || 'no message'}). A new one was started: resume the run from its last checkpoint below.`,
        );
      send({
        type: 'init',
        baseUrl: env.baseUrl,
        backendChoice: get().config.backend,
        simulatedFailures: simulatedFailuresFromQuery(env.search ?? ''),
        faults,
      });
      // A worker replacing one the page ended: that one's run lock goes shortly.
      send(restarted ? { type: 'queryCheckpoint', settleMs: 3000 } : { type: 'queryCheckpoint' });
      loadDataset();
    };

    const batcher = new EventBatcher<WorkerEvent>(
      deliver,
      isThrottledEvent,
      CHART_INTERVAL_MS,
      timers,
    );

    return {
      ...initial,

      connect: () => {
        if (worker || !env.createWorker) return;
        startWorker();
        void restoreRuns();
        // Another tab kept, renamed or deleted a run: show the list as stored now.
        env.watchSavedRuns?.(() => {
          const loaded = loadSavedRuns(env.storage);
          if (!loaded.problem) set({ savedRuns: loaded.runs });
        });
        env.writeHash?.(encodeConfigHash(get().config));
      },
      send,
      receiveWorkerEvents: (events) => events.forEach((e) => batcher.push(e)),
      applyHash: (hash) => {
        const { config, problems } = parseConfigHash(hash, (c) => presetBudgets(c));
        if (isActive(get().run.status)) {
          // The run goes on with its own settings: the page keeps showing them, and the link.
          if (encodeConfigHash(config) === encodeConfigHash(get().config)) return;
          env.writeHash?.(encodeConfigHash(get().config));
          get().notify(
            'warning',
            'A run is going, so the settings of the new link were not applied. Stop the run, then open the link again.',
          );
          return;
        }
        const datasetChanged =
          JSON.stringify(config.dataset) !== JSON.stringify(get().config.dataset);
        set((s) => withEstimate({ ...s, config }, 'rebase'));
        if (problems.length > 0) {
          get().notify(
            'warning',
            `Some settings in the link were not valid and use their defaults instead: ${problems.join(' ')}`,
          );
        }
        if (datasetChanged) loadDataset();
      },

      setDatasetKind: (kind) => {
        const current = get().config.dataset;
        if (current.kind === kind) return;
        let dataset: DatasetChoice;
        if (kind === 'mnist') dataset = { kind: 'mnist' };
        else if (kind === 'generated') dataset = { kind: 'generated', ...DEFAULT_GENERATED };
        else dataset = { kind: 'upload', format: get().upload?.format ?? 'image-folder' };
        setConfig({ dataset }, 'follow');
        loadDataset();
      },
      setGeneratedOptions: (options) => {
        const current = get().config.dataset;
        const base = current.kind === 'generated' ? current : { ...DEFAULT_GENERATED };
        setConfig({ dataset: { ...base, ...options, kind: 'generated' } }, 'follow');
        loadDatasetSoon();
      },
      setUpload: (selection) => {
        set({ upload: selection });
        setConfig({ dataset: { kind: 'upload', format: selection.format } }, 'keep');
        if (selection.files.length > 0) loadDataset();
      },
      setModel: (modelId) => setConfig({ modelId }, 'follow'),
      setWidthMultiplier: (widthMultiplier) => setConfig({ widthMultiplier }, 'follow'),
      setBoard: (boardId) =>
        setConfig(
          boardId === CUSTOM_BOARD_ID
            ? { boardId, customBoard: get().config.customBoard ?? defaultCustomBoard() }
            : { boardId },
          'follow',
        ),
      setCustomBoard: (customBoard) => {
        const problems = Object.values(customBoardProblems(customBoard));
        if (problems.length > 0) {
          get().notify('error', `The custom board was not changed: ${problems.join(' ')}`);
          return;
        }
        setConfig({ boardId: CUSTOM_BOARD_ID, customBoard }, 'follow');
      },
      setBudget: (resource, value) => {
        const budgets = { ...get().config.budgets };
        if (value === undefined || !Number.isFinite(value) || value <= 0) delete budgets[resource];
        else budgets[resource] = roundBudget(resource, value);
        setConfig({ budgets }, 'keep');
        if (!isActive(get().run.status)) return;
        if (budgetTimer !== undefined) timers.clear(budgetTimer);
        budgetTimer = timers.set(() => {
          budgetTimer = undefined;
          send({ type: 'setBudgets', budgets: { ...get().config.budgets } });
        }, BUDGET_DEBOUNCE_MS);
      },
      resetBudgets: () => {
        setConfig({}, 'reset');
        if (isActive(get().run.status)) {
          send({ type: 'setBudgets', budgets: { ...get().config.budgets } });
        }
      },
      setSchedule: (schedule) =>
        setConfig({ schedule: { ...get().config.schedule, ...schedule } }, 'keep'),
      setTraining: (options) => setConfig(options, 'keep'),

      startRun: () => {
        const { config, upload, run } = get();
        if (isActive(run.status)) return;
        if (run.filesPending) {
          get().notify(
            'info',
            'The finished run is still being kept (its export files are being made): press Start again in a moment.',
          );
          return;
        }
        if (config.dataset.kind === 'upload' && !upload?.files.length) {
          get().notify('error', 'Choose the files of your dataset before starting a run.');
          return;
        }
        const { dataset } = get();
        if (dataset.loading || !dataset.summary) {
          get().notify(
            'warning',
            dataset.loading
              ? 'The dataset is still loading: press Start once it is shown.'
              : 'No dataset is loaded: choose one before starting a run.',
          );
          return;
        }
        set((s) => ({
          run: { status: 'starting', series: emptyRunSeries() },
          exports: { pending: {} },
          view: { ...s.view, replayStep: undefined },
        }));
        // The worker trains only on the dataset shown here (it refuses any other).
        send({
          type: 'start',
          // The worker already holds the files (loadDataset): none travel again with Start.
          config: toRunConfig(config),
          datasetKey: dataset.summary.loadKey,
        });
      },
      pauseRun: () => send({ type: 'pause' }),
      resumeRun: () => send({ type: 'resume' }),
      stopRun: () => {
        send({ type: 'stop' });
        if (!worker || (!workerRunning && !isActive(get().run.status)) || stopping) return;
        // A worker stuck in a step cannot read the message: end it if the run has not stopped.
        stopping = true;
        arm(stopGraceMs, stopMessage());
      },
      resumeInterruptedRun: () => {
        if (isActive(get().run.status)) return;
        set((s) => ({
          run: { status: 'starting', series: emptyRunSeries() },
          exports: { pending: {} },
          view: { ...s.view, replayStep: undefined },
        }));
        send({ type: 'resumeCheckpoint', key: get().resumable?.key });
      },
      discardInterruptedRun: () => send({ type: 'discardCheckpoint', key: get().resumable?.key }),
      cancelDatasetLoad: () => {
        const { dataset } = get();
        if (!dataset.loading) return;
        // A load still being handed over is stopped on the page; the worker ignores a cancel
        // for a load it has not been sent.
        cancelledRequest = dataset.requestId;
        send({ type: 'cancelDataset', requestId: dataset.requestId });
      },
      setBackendChoice: (choice) => {
        if (isActive(get().run.status)) return;
        setConfig({ backend: choice }, 'keep');
        set((s) => ({ backend: { ...s.backend, active: undefined, timings: undefined } }));
        send({ type: 'chooseBackend', choice });
      },
      requestExport: (format) => {
        const { shownRecord, run } = get();
        if (shownRecord && shownRecord.summary.id === run.summary?.id) {
          // A run kept whole: its files are here, the very bytes made when it finished.
          const f = shownRecord.files[format];
          env.download?.(f.filename, f.mime, f.bytes.slice(0));
          return;
        }
        const requestId = nextRequestId++;
        set((s) => ({
          exports: { pending: { ...s.exports.pending, [requestId]: format }, error: undefined },
        }));
        send({ type: 'export', format, requestId });
      },

      notify: (level, message) => set((s) => withNotice(s, level, message)),
      dismissNotice: (id) => set((s) => ({ notices: s.notices.filter((n) => n.id !== id) })),
      clearNotices: () => set({ notices: [] }),
      ...kept.actions,
      requestSampleAudio: (validationIndex) => {
        const problem = selectSampleAudioProblem(get());
        const runId = get().liveRunId;
        if (problem || runId === undefined) return Promise.reject(new Error(problem));
        const requestId = nextAudioRequest++;
        return new Promise<SampleAudio>((resolve, reject) => {
          audioRequests.set(requestId, { resolve, reject });
          send({ type: 'sampleAudio', requestId, runId, validationIndex });
        });
      },
      trainReference: () => {
        const { run, liveRunId } = get();
        if (run.status !== 'finished' || !run.summary || run.summary.id !== liveRunId) return;
        set({
          referenceProgress: {
            runId: liveRunId,
            step: 0,
            totalSteps: run.summary.config.schedule.totalSteps,
          },
        });
        send({ type: 'trainReference' });
      },
      trainBaseline: () => {
        const { run, liveRunId } = get();
        if (run.status !== 'finished' || !run.summary || run.summary.id !== liveRunId) return;
        if (get().baselineProgress?.runId === liveRunId) return;
        set({
          baselineProgress: {
            runId: liveRunId,
            step: 0,
            totalSteps: run.summary.config.schedule.totalSteps,
          },
        });
        send({ type: 'trainBaseline' });
      },

      setLargeText: (on) => {
        set((s) => ({ view: { ...s.view, largeText: on } }));
        try {
          env.storage?.setItem(LARGE_TEXT_KEY, on ? '1' : '0');
        } catch {
          // A preference that cannot be stored only lasts this visit.
        }
      },
      selectGroup: (name) => set((s) => ({ view: { ...s.view, selectedGroup: name } })),
      setTradeoffResource: (resource) =>
        set((s) => ({ view: { ...s.view, tradeoffResource: resource } })),
      setReplayStep: (step) => set((s) => ({ view: { ...s.view, replayStep: step } })),
    };
  });

  // The link always shows the current configuration (tensorflow/playground style).
  store.subscribe((state, prev) => {
    if (state.config !== prev.config && worker) env.writeHash?.(encodeConfigHash(state.config));
  });
  return store;
}

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

function browserEnvironment(): StudioEnvironment {
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
    writeHash: (hash) => {
      const url = `${window.location.pathname}${window.location.search}#${hash}`;
      window.history.replaceState(window.history.state, '', url);
    },
    download: (filename, mime, bytes) => {
      const url = URL.createObjectURL(new Blob([bytes], { type: mime }));
      const a = document.createElement('a');
      a.href = url;
      a.download = filename;
      document.body.appendChild(a);
      a.click();
      a.remove();
      // Give the browser time to start the download before the URL goes away.
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    },
  };
}

export const studioStore = createStudioStore(browserEnvironment());

/** The page's hook: pass a selector that picks only what the component draws. */
export function useStudio<T>(selector: (state: StudioState) => T): T {
  return useStore(studioStore, selector);
}
