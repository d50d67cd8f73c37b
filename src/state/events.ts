/**
 * How worker events change the page's state: one pure function, so every transition is
 * tested without a worker or a browser. Side effects (downloads, storage) happen in the store.
 */
import type {
  BackendName,
  BudgetChange,
  DatasetSummary,
  ExportFormat,
  RunDeployment,
  RunSummary,
  StepMetrics,
  WorkerEvent,
  CheckpointInfo,
  BackendTiming,
  ConfusionEvaluation,
  EvaluatedModel,
  LoadProgress,
} from '../worker/protocol';
import { MAX_SAVED_RUNS } from './savedRuns';
import { appendMetrics, emptyRunSeries, type RunSeries } from './series';

export type NoticeLevel = 'info' | 'warning' | 'error';

export interface Notice {
  id: number;
  level: NoticeLevel;
  message: string;
}

/** Older notices go first beyond this, so a chatty run cannot grow the page forever. */
export const MAX_NOTICES = 30;

export interface BackendStatus {
  active?: BackendName;
  skipped: { name: BackendName; reason: string }[];
  /** Probe step times, when the worker measured the backends. */
  timings?: BackendTiming[];
}

export interface DatasetState {
  /** The request whose answer the page waits for; older answers are ignored. */
  requestId: number;
  loading: boolean;
  /** The dataset in use: kept when a new one fails to load. */
  summary?: DatasetSummary;
  error?: string;
  /** How far the load in flight has got (uploads: files read, images decoded). */
  progress?: LoadProgress;
}

export type RunStatus = 'idle' | 'starting' | 'running' | 'paused' | 'stopped' | 'finished';

export interface RunState {
  status: RunStatus;
  latest?: StepMetrics;
  series: RunSeries;
  /** The finished run's summary (exports refer to it). */
  summary?: RunSummary;
  /** The finished run's int8 model on TFLite Micro (arrives after 'finished'). */
  deployment?: RunDeployment;
  /** Confusion matrices of the finished run's models on the validation set. */
  evaluations?: Partial<Record<EvaluatedModel, ConfusionEvaluation>>;
  /**
   * Whether the finished run is kept whole in this browser yet: 'saving' until its files are
   * stored, 'failed' when the browser refused them (the page then warns before unloading).
   */
  kept?: 'saving' | 'saved' | 'failed';
  /**
   * True from 'finished' until the worker has sent the run's files (or said it could not make
   * them): a new run waits for them, or the finished one would not be kept whole.
   */
  filesPending?: boolean;
  /** The running job's budget changes with their steps, the Start budgets first. */
  budgetHistory?: BudgetChange[];
}

export interface ExportState {
  pending: Record<number, ExportFormat>;
  error?: string;
}

export interface WorkerFacingState {
  backend: BackendStatus;
  notices: Notice[];
  nextNoticeId: number;
  dataset: DatasetState;
  run: RunState;
  savedRuns: RunSummary[];
  exports: ExportState;
  /** An interrupted run the worker can resume from its stored checkpoint. */
  resumable?: CheckpointInfo;
}

export function initialWorkerFacingState(): WorkerFacingState {
  return {
    backend: { skipped: [] },
    notices: [],
    nextNoticeId: 1,
    dataset: { requestId: 0, loading: false },
    run: { status: 'idle', series: emptyRunSeries() },
    savedRuns: [],
    exports: { pending: {} },
  };
}

export function withNotice<S extends Pick<WorkerFacingState, 'notices' | 'nextNoticeId'>>(
  state: S,
  level: NoticeLevel,
  message: string,
): S {
  const notices = [...state.notices, { id: state.nextNoticeId, level, message }];
  return {
    ...state,
    notices: notices.slice(-MAX_NOTICES),
    nextNoticeId: state.nextNoticeId + 1,
  };
}

/** Whether two dataset summaries say the same thing, previews included. */
export function sameDatasetSummary(a: DatasetSummary | undefined, b: DatasetSummary): boolean {
  if (a === b) return true;
  if (!a) return false;
  const sameList = <T>(x: ArrayLike<T>, y: ArrayLike<T>) => {
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
    return true;
  };
  return (
    a.id === b.id &&
    a.loadKey === b.loadKey &&
    a.name === b.name &&
    sameList(a.inputShape, b.inputShape) &&
    a.numClasses === b.numClasses &&
    sameList(a.classNames, b.classNames) &&
    a.trainCount === b.trainCount &&
    a.validationCount === b.validationCount &&
    sameList(a.warnings, b.warnings) &&
    a.preview.count === b.preview.count &&
    sameList(a.preview.y, b.preview.y) &&
    sameList(a.preview.x, b.preview.x)
  );
}

export function reduceWorkerEvent<S extends WorkerFacingState>(state: S, event: WorkerEvent): S {
  switch (event.type) {
    case 'backend':
      return {
        ...state,
        backend: { active: event.active, skipped: event.skipped, timings: event.timings },
      };
    case 'dataset':
      // requestId 0: the dataset a run loaded for itself, always the one in use.
      if (event.requestId !== 0 && event.requestId !== state.dataset.requestId) return state;
      return {
        ...state,
        dataset: {
          requestId: state.dataset.requestId,
          loading: event.requestId === 0 ? state.dataset.loading : false,
          progress: event.requestId === 0 ? state.dataset.progress : undefined,
          // A run's own load of the dataset the page shows keeps the summary object, so the
          // preview is not redrawn (12 pictures re-encoded: a 50 ms task as a run started).
          summary: sameDatasetSummary(state.dataset.summary, event.summary)
            ? state.dataset.summary
            : event.summary,
        },
      };
    case 'datasetProgress':
      if (event.requestId !== state.dataset.requestId || !state.dataset.loading) return state;
      return { ...state, dataset: { ...state.dataset, progress: event.progress } };
    case 'datasetError': {
      if (event.requestId !== state.dataset.requestId) return state;
      if (event.cancelled) {
        const keeps = state.dataset.summary
          ? ` The page keeps using "${state.dataset.summary.name}".`
          : '';
        return withNotice(
          { ...state, dataset: { ...state.dataset, loading: false, progress: undefined } },
          'info',
          `Stopped loading the dataset.${keeps}`,
        );
      }
      const where = event.file && !event.message.includes(event.file) ? `${event.file}: ` : '';
      const keeps = state.dataset.summary
        ? ` The page keeps using "${state.dataset.summary.name}".`
        : '';
      const reason = event.message.replace(/[.\s]+$/, '');
      const message = `The dataset could not be loaded: ${where}${reason}.${keeps}`;
      return withNotice(
        {
          ...state,
          dataset: { ...state.dataset, loading: false, progress: undefined, error: message },
        },
        'error',
        message,
      );
    }
    case 'runState': {
      const status = event.state;
      // Once a run goes, the interrupted one it replaced (or resumed) is no longer on offer.
      const resumable = status === 'running' ? undefined : state.resumable;
      return { ...state, resumable, run: { ...state.run, status } };
    }
    case 'metrics':
      return {
        ...state,
        run: {
          ...state.run,
          // Metrics only arrive while a run goes: a page that missed 'running' catches up.
          status: state.run.status === 'starting' ? 'running' : state.run.status,
          latest: event.metrics,
          series: appendMetrics(state.run.series, event.metrics),
        },
      };
    case 'finished': {
      const others = state.savedRuns.filter((r) => r.id !== event.summary.id);
      const all = [...others, event.summary];
      const next = {
        ...state,
        run: {
          ...state.run,
          status: 'finished' as const,
          summary: event.summary,
          deployment: undefined,
          kept: 'saving' as const,
          filesPending: true,
        },
        savedRuns: all.slice(-MAX_SAVED_RUNS),
      };
      const dropped = all.slice(0, Math.max(0, all.length - MAX_SAVED_RUNS));
      if (dropped.length === 0) return next;
      const oldest = dropped[0];
      return withNotice(
        next,
        'info',
        `This browser keeps the newest ${MAX_SAVED_RUNS} saved runs, so the oldest ` +
          `(${oldest.modelName} on ${oldest.datasetName}, ${oldest.finishedAt.slice(0, 10)}) was removed. ` +
          'Delete runs you no longer need to keep older ones.',
      );
    }
    case 'evaluation':
      return {
        ...state,
        run: {
          ...state.run,
          evaluations: { ...state.run.evaluations, [event.evaluation.model]: event.evaluation },
        },
      };
    case 'deployment':
      // Only for the run on show: a late answer for an older run is dropped.
      if (state.run.summary?.id !== event.runId) return state;
      return { ...state, run: { ...state.run, deployment: event.deployment } };
    case 'runFiles':
      return state.run.summary?.id === event.runId
        ? { ...state, run: { ...state.run, filesPending: false } }
        : state;
    case 'runFilesFailed': {
      if (state.run.summary?.id !== event.runId) return withNotice(state, 'error', event.message);
      const run = { ...state.run, filesPending: false, kept: 'failed' as const };
      return withNotice({ ...state, run }, 'error', event.message);
    }
    case 'notice':
      return withNotice(state, event.level, event.message);
    case 'checkpoint':
      return { ...state, resumable: event.info ?? undefined };
    case 'budgets':
      return { ...state, run: { ...state.run, budgetHistory: event.history } };
    case 'resumed':
      return { ...state, run: { ...state.run, budgetHistory: event.budgetHistory } };
    case 'exported': {
      const pending = { ...state.exports.pending };
      delete pending[event.requestId];
      return { ...state, exports: { pending } };
    }
    case 'exportError': {
      const pending = { ...state.exports.pending };
      const format = pending[event.requestId];
      delete pending[event.requestId];
      const message = `Export${format ? ` (${format})` : ''} failed: ${event.message}`;
      return withNotice({ ...state, exports: { pending, error: message } }, 'error', message);
    }
    default:
      return state;
  }
}

export function reduceWorkerEvents<S extends WorkerFacingState>(
  state: S,
  events: readonly WorkerEvent[],
): S {
  return events.reduce(reduceWorkerEvent, state);
}

/** Metrics are the only events the page may delay (see batcher.ts). */
export const isThrottledEvent = (event: WorkerEvent): boolean => event.type === 'metrics';
