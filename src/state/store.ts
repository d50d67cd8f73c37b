/**
 * The page's state: one zustand store made of slices (configuration, dataset, run, saved
 * runs, view), each changed only by the named actions beside it. Worker events enter through
 * `receiveWorkerEvents` (throttled by an EventBatcher), user commands through the actions;
 * components read with narrow selectors (selectors.ts).
 *
 * The actions are plain functions of a SliceContext (sliceContext.ts) in configSlice.ts,
 * datasetSlice.ts, runSlice.ts, savedRunsSlice.ts and viewSlice.ts, the worker's side in
 * connection.ts; this file only holds the store's shape and composes them.
 */
import { useStore } from 'zustand';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { BoardProfile } from '../core/hardware';
import type {
  BackendSetting,
  Budgets,
  ExportFormat,
  ResourceName,
  SampleAudio,
  ScheduleConfig,
  UploadFile,
  UploadFormat,
  WorkerCommand,
  WorkerEvent,
} from '../worker/protocol';
import { EventBatcher, realTimers, type Timers } from './batcher';
import { browserEnvironment } from './browserEnvironment';
import * as configSlice from './configSlice';
import { expectedInput, type DatasetChoice, type StudioConfig } from './config';
import { connect, deliver } from './connection';
import { cancelDatasetLoad } from './datasetSlice';
import type { Download } from './download';
import type { ModelEstimate } from './estimate';
import {
  initialWorkerFacingState,
  isThrottledEvent,
  withNotice,
  type NoticeLevel,
  type WorkerFacingState,
} from './events';
import { parseConfigHash, encodeConfigHash } from './hash';
import type { RunRecord, RunRecordStore } from './runRecords';
import * as runSlice from './runSlice';
import { loadSavedRuns } from './savedRuns';
import * as savedRunsSlice from './savedRunsSlice';
import { newWorkerLink, send, type SliceContext } from './sliceContext';
import * as viewSlice from './viewSlice';

export type { BackendStatus, Notice, RunStatus } from './events';
export { simulatedFailuresFromQuery, simulatedFaultsFromQuery } from './faults';
export {
  BUDGET_DEBOUNCE_MS,
  followDefaults,
  presetBudgets,
  type BudgetRefill,
} from './configSlice';

/** A Stop the worker has not answered within this time ends the worker (a step is stuck). */
export const STOP_GRACE_MS = 5_000;
/** A running worker silent this long is stuck in one step: it is ended and a new one started. */
export const STEP_TIME_LIMIT_MS = 120_000;
/** Chart updates reach the page at most 5 times a second. */
export const CHART_INTERVAL_MS = 200;

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
  /** `?simulate=` query of the page (faults.ts). */
  search?: string;
  /** Where the hash is written on change. */
  writeHash?: (hash: string) => void;
  /** Saves bytes as a file (download.ts in the browser). */
  download?: Download;
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

/** The store's data before any action: the link's configuration, the stored preferences. */
export function initialStudioData(env: StudioEnvironment = {}): StudioData {
  const parsed = parseConfigHash(env.initialHash ?? '', (c) => configSlice.presetBudgets(c));
  const saved = loadSavedRuns(env.storage);
  let initial: StudioData = {
    ...initialWorkerFacingState(),
    savedRuns: saved.runs,
    config: parsed.config,
    estimateInput: expectedInput(
      parsed.config.dataset,
      configSlice.modelDefaults(parsed.config.modelId),
    ),
    view: { largeText: viewSlice.storedLargeText(env.storage), tradeoffResource: 'flash' },
    kept: { ids: [] },
  };
  initial = configSlice.withEstimate(initial, 'rebase');
  if (parsed.problems.length > 0) {
    initial = withNotice(initial, 'warning', configSlice.linkProblemsMessage(parsed.problems));
  }
  if (saved.problem) initial = withNotice(initial, 'warning', saved.problem);
  return initial;
}

/** The store's actions, each the slice function of the same name on `ctx`. */
function studioActions(ctx: SliceContext): StudioActions {
  const c = configSlice;
  const r = runSlice;
  const k = savedRunsSlice;
  const v = viewSlice;
  return {
    connect: () => connect(ctx),
    send: (command) => send(ctx, command),
    receiveWorkerEvents: (events) => events.forEach((e) => ctx.batcher.push(e)),
    applyHash: (hash) => c.applyHash(ctx, hash),

    setDatasetKind: (kind) => c.setDatasetKind(ctx, kind),
    setGeneratedOptions: (options) => c.setGeneratedOptions(ctx, options),
    setUpload: (selection) => c.setUpload(ctx, selection),
    setModel: (modelId) => c.setModel(ctx, modelId),
    setWidthMultiplier: (width) => c.setWidthMultiplier(ctx, width),
    setBoard: (boardId) => c.setBoard(ctx, boardId),
    setCustomBoard: (board) => c.setCustomBoard(ctx, board),
    setBudget: (resource, value) => c.setBudget(ctx, resource, value),
    resetBudgets: () => c.resetBudgets(ctx),
    setSchedule: (schedule) => c.setSchedule(ctx, schedule),
    setTraining: (options) => c.setTraining(ctx, options),
    setBackendChoice: (choice) => c.setBackendChoice(ctx, choice),
    cancelDatasetLoad: () => cancelDatasetLoad(ctx),

    startRun: () => r.startRun(ctx),
    pauseRun: () => r.pauseRun(ctx),
    resumeRun: () => r.resumeRun(ctx),
    stopRun: () => r.stopRun(ctx),
    resumeInterruptedRun: () => r.resumeInterruptedRun(ctx),
    discardInterruptedRun: () => r.discardInterruptedRun(ctx),
    requestExport: (format) => r.requestExport(ctx, format),
    requestSampleAudio: (validationIndex) => r.requestSampleAudio(ctx, validationIndex),
    trainReference: () => r.trainReference(ctx),
    trainBaseline: () => r.trainBaseline(ctx),

    deleteSavedRun: (id) => k.deleteSavedRun(ctx, id),
    clearSavedRuns: () => k.clearSavedRuns(ctx),
    reopenRun: (id) => k.reopenRun(ctx, id),
    renameSavedRun: (id, name) => k.renameSavedRun(ctx, id, name),
    downloadRunFile: (id) => k.downloadRunFile(ctx, id),
    importRunFile: (file, name) => k.importRunFile(ctx, file, name),
    refreshStorageUse: () => k.refreshStorageUse(ctx),

    notify: (level, message) => v.notify(ctx, level, message),
    dismissNotice: (id) => v.dismissNotice(ctx, id),
    clearNotices: () => v.clearNotices(ctx),
    setLargeText: (on) => v.setLargeText(ctx, on),
    selectGroup: (name) => v.selectGroup(ctx, name),
    setTradeoffResource: (resource) => v.setTradeoffResource(ctx, resource),
    setReplayStep: (step) => v.setReplayStep(ctx, step),
  };
}

export function createStudioStore(env: StudioEnvironment = {}): StoreApi<StudioState> {
  const timers = env.timers ?? realTimers;
  const link = newWorkerLink({
    stopGraceMs: env.runLimits?.stopGraceMs ?? STOP_GRACE_MS,
    stepTimeLimitMs: env.runLimits?.stepTimeLimitMs ?? STEP_TIME_LIMIT_MS,
  });
  const initial = initialStudioData(env);
  const store = createStore<StudioState>()((set, get) => {
    const ctx: SliceContext = {
      get,
      set,
      env,
      timers,
      link,
      batcher: new EventBatcher<WorkerEvent>(
        (events) => deliver(ctx, events),
        isThrottledEvent,
        CHART_INTERVAL_MS,
        timers,
      ),
    };
    return { ...initial, ...studioActions(ctx) };
  });

  // The link always shows the current configuration (tensorflow/playground style).
  store.subscribe((state, prev) => {
    if (state.config !== prev.config && link.worker)
      env.writeHash?.(encodeConfigHash(state.config));
  });
  return store;
}

export const studioStore = createStudioStore(browserEnvironment());

/** The page's hook: pass a selector that picks only what the component draws. */
export function useStudio<T>(selector: (state: StudioState) => T): T {
  return useStore(studioStore, selector);
}
