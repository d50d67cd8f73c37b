/**
 * The run slice: starting, pausing, resuming and stopping a run (and the interrupted one the
 * worker kept), exports, a sample's audio, and the finished run's reference and baseline.
 */
import type { ExportFormat, SampleAudio } from '../worker/protocol';
import { toRunConfig } from './config';
import { watchStop } from './connection';
import { selectSampleAudioProblem } from './selectors';
import { emptyRunSeries } from './series';
import { isActive, send, type Ctx, type SliceContext } from './sliceContext';
import type { StudioData } from './store';
import { notify } from './viewSlice';

/** A new run on the page: empty charts, no exports, no replay. */
const freshRun = (s: StudioData): Partial<StudioData> => ({
  run: { status: 'starting', series: emptyRunSeries() },
  exports: { pending: {} },
  view: { ...s.view, replayStep: undefined },
});

/** Starts a run on the dataset shown; says why not where it cannot start yet. */
export function startRun(ctx: Ctx<'get' | 'set' | 'link'>) {
  const { config, upload, run, dataset } = ctx.get();
  if (isActive(run.status)) return;
  if (run.filesPending) {
    notify(
      ctx,
      'info',
      'The finished run is still being kept (its export files are being made): press Start again in a moment.',
    );
    return;
  }
  if (config.dataset.kind === 'upload' && !upload?.files.length) {
    notify(ctx, 'error', 'Choose the files of your dataset before starting a run.');
    return;
  }
  if (dataset.loading || !dataset.summary) {
    notify(
      ctx,
      'warning',
      dataset.loading
        ? 'The dataset is still loading: press Start once it is shown.'
        : 'No dataset is loaded: choose one before starting a run.',
    );
    return;
  }
  ctx.set(freshRun);
  // The worker trains only on the dataset shown here (it refuses any other).
  send(ctx, {
    type: 'start',
    // The worker already holds the files (loadDataset): none travel again with Start.
    config: toRunConfig(config),
    datasetKey: dataset.summary.loadKey,
  });
}

export const pauseRun = (ctx: Ctx<'link'>) => send(ctx, { type: 'pause' });

export const resumeRun = (ctx: Ctx<'link'>) => send(ctx, { type: 'resume' });

/** Asks the worker to stop; one stuck in a step is ended after the grace time (connection.ts). */
export function stopRun(ctx: SliceContext) {
  send(ctx, { type: 'stop' });
  watchStop(ctx);
}

/** Continues the interrupted run whose checkpoint the worker stored. */
export function resumeInterruptedRun(ctx: Ctx<'get' | 'set' | 'link'>) {
  if (isActive(ctx.get().run.status)) return;
  ctx.set(freshRun);
  send(ctx, { type: 'resumeCheckpoint', key: ctx.get().resumable?.key });
}

export const discardInterruptedRun = (ctx: Ctx<'get' | 'link'>) =>
  send(ctx, { type: 'discardCheckpoint', key: ctx.get().resumable?.key });

/** A run kept whole downloads its stored file; otherwise the worker makes it. */
export function requestExport(ctx: Ctx<'get' | 'set' | 'env' | 'link'>, format: ExportFormat) {
  const { shownRecord, run } = ctx.get();
  if (shownRecord && shownRecord.summary.id === run.summary?.id) {
    // A run kept whole: its files are here, the very bytes made when it finished.
    const f = shownRecord.files[format];
    ctx.env.download?.(f.filename, f.mime, f.bytes.slice(0));
    return;
  }
  const requestId = ctx.link.nextRequestId++;
  ctx.set((s) => ({
    exports: { pending: { ...s.exports.pending, [requestId]: format }, error: undefined },
  }));
  send(ctx, { type: 'export', format, requestId });
}

/**
 * The clip of validation sample `validationIndex` of the shown run's audio upload, decoded
 * again in the worker; rejects with the reason when it cannot be had.
 */
export function requestSampleAudio(ctx: Ctx<'get' | 'link'>, validationIndex: number) {
  const problem = selectSampleAudioProblem(ctx.get());
  const runId = ctx.get().liveRunId;
  if (problem || runId === undefined) return Promise.reject(new Error(problem));
  const requestId = ctx.link.nextAudioRequest++;
  return new Promise<SampleAudio>((resolve, reject) => {
    ctx.link.audioRequests.set(requestId, { resolve, reject });
    send(ctx, { type: 'sampleAudio', requestId, runId, validationIndex });
  });
}

/** The finished run the worker still holds, with its length (undefined: none). */
function liveFinishedRun({ get }: Ctx<'get'>) {
  const { run, liveRunId } = get();
  if (run.status !== 'finished' || !run.summary || run.summary.id !== liveRunId) return undefined;
  return { runId: liveRunId, step: 0, totalSteps: run.summary.config.schedule.totalSteps };
}

/** Trains the finished run's unpruned network for its full length (the fair reference). */
export function trainReference(ctx: Ctx<'get' | 'set' | 'link'>) {
  const progress = liveFinishedRun(ctx);
  if (!progress) return;
  ctx.set({ referenceProgress: progress });
  send(ctx, { type: 'trainReference' });
}

/** Trains the uniform-width network that fits the finished run's budgets (the baseline). */
export function trainBaseline(ctx: Ctx<'get' | 'set' | 'link'>) {
  const progress = liveFinishedRun(ctx);
  if (!progress || ctx.get().baselineProgress?.runId === progress.runId) return;
  ctx.set({ baselineProgress: progress });
  send(ctx, { type: 'trainBaseline' });
}
