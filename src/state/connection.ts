/**
 * The page's connection to the training worker: starting it, every message it sends (into
 * the store through the event batcher), the watchdog that ends a worker stuck in a step, and
 * starting a new worker in place of one that crashed or got stuck.
 */
import type { WorkerEvent } from '../worker/protocol';
import { setConfig, showResumedConfig, withEstimate, inputFor } from './configSlice';
import { loadDataset } from './datasetSlice';
import { reduceWorkerEvents, withNotice } from './events';
import { encodeConfigHash } from './hash';
import { simulatedFailuresFromQuery, simulatedFaultsFromQuery } from './faults';
import { keepRun, onSideRun, persistRuns, reloadSavedRuns, restoreRuns } from './savedRunsSlice';
import { isActive, send, type SliceContext } from './sliceContext';

/** Worker events, after the batcher: into the store, then what follows from them. */
export function deliver(ctx: SliceContext, events: WorkerEvent[]) {
  const { get, set, env, link } = ctx;
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
  set(next);
  if (added.length > 0) persistRuns(ctx, { put: added });
  for (const event of events) {
    if (event.type === 'exported') env.download?.(event.filename, event.mime, event.bytes);
    if (event.type === 'runFiles') keepRun(ctx, event);
    if (event.type === 'finished') set({ liveRunId: event.summary.id });
    if (event.type === 'reference' || event.type === 'baseline') onSideRun(ctx, event);
    // Refused mid-run (below the smallest network, or after pruning): the page shows the
    // budgets still in force, as before Start it keeps the previous ones.
    if (event.type === 'budgets' && event.refused)
      setConfig(ctx, { budgets: event.budgets }, 'keep');
    if (event.type === 'resumed') showResumedConfig(ctx, event.config);
    if (event.type === 'sampleAudio') {
      const waiting = link.audioRequests.get(event.requestId);
      link.audioRequests.delete(event.requestId);
      if (event.audio) waiting?.resolve(event.audio);
      else waiting?.reject(new Error(event.error ?? 'The clip could not be decoded.'));
    }
  }
}

function clearWatchdog({ link, timers }: Pick<SliceContext, 'link' | 'timers'>) {
  if (link.watchdog !== undefined) timers.clear(link.watchdog);
  link.watchdog = undefined;
}

/** In `ms` from now (unless re-armed or cleared) the worker is ended with `message`. */
function arm(ctx: SliceContext, ms: number, message: string) {
  clearWatchdog(ctx);
  ctx.link.watchdog = ctx.timers.set(() => {
    ctx.link.watchdog = undefined;
    restartWorker(ctx, message);
  }, ms);
}

const stepLimitMessage = (ms: number) =>
  `A training step ran for more than ${Math.round(ms / 1000)} s without finishing, so the ` +
  'training worker was ended and a new one started. Resume the run from its last checkpoint ' +
  'below (another backend may be faster), or choose a smaller batch, width or model.';

const stopMessage = (ms: number) =>
  `The run did not stop within ${Math.round(ms / 1000)} s of pressing Stop (a training step was ` +
  "still running), so its worker was ended and a new one started. The run's last " +
  'checkpoint, if one was stored, is offered below: resume it or discard it.';

/**
 * Stop was pressed: a worker stuck in a step cannot read the message, so unless the run
 * stops (or the worker goes on talking) within the grace time, the worker is ended.
 */
export function watchStop(ctx: SliceContext) {
  const { link } = ctx;
  if (!link.worker || (!link.workerRunning && !isActive(ctx.get().run.status)) || link.stopping) {
    return;
  }
  link.stopping = true;
  arm(ctx, link.stopGraceMs, stopMessage(link.stopGraceMs));
}

/** Every message of the worker passes here first: it keeps the watchdog in step. */
export function fromWorker(ctx: SliceContext, event: WorkerEvent) {
  const { link } = ctx;
  if (event.type === 'runState') {
    link.workerRunning = event.state === 'running';
    if (event.state === 'stopped' || event.state === 'finished') link.stopping = false;
  }
  if (link.stopping) {
    // Still talking: not stuck in a step, it will read the Stop. Silent 5 s more: ended.
    arm(ctx, link.stopGraceMs, stopMessage(link.stopGraceMs));
  } else if (link.workerRunning)
    arm(ctx, link.stepTimeLimitMs, stepLimitMessage(link.stepTimeLimitMs));
  else clearWatchdog(ctx);
  ctx.batcher.push(event);
}

/**
 * Ends the worker (crashed, or stuck in a step) and starts a new one; the page goes back to
 * "stopped" with Start enabled, and the new worker offers the run's last checkpoint.
 */
export function restartWorker(ctx: SliceContext, message: string) {
  const { link } = ctx;
  for (const waiting of link.audioRequests.values()) {
    waiting.reject(new Error('The training worker was restarted: its clips are gone.'));
  }
  link.audioRequests.clear();
  clearWatchdog(ctx);
  link.stopping = false;
  link.workerRunning = false;
  ctx.batcher.flush();
  const old = link.worker as Partial<Worker> | undefined;
  if (old) {
    old.onmessage = null;
    old.onerror = null;
    old.terminate?.();
  }
  ctx.set((s) =>
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
  startWorker(ctx);
}

function startWorker(ctx: SliceContext) {
  const { env, link } = ctx;
  // Injected faults (?simulate=…@N) happen once per page: not again in a restarted worker.
  const restarted = link.worker !== undefined;
  const faults = restarted ? {} : simulatedFaultsFromQuery(env.search ?? '');
  const worker = env.createWorker!();
  link.worker = worker;
  worker.onmessage = (event: MessageEvent<WorkerEvent>) => fromWorker(ctx, event.data);
  worker.onerror = (event: ErrorEvent) =>
    restartWorker(
      ctx,
      `The training worker crashed (${event.message || 'no message'}). A new one was started: resume the run from its last checkpoint below.`,
    );
  send(ctx, {
    type: 'init',
    baseUrl: env.baseUrl,
    backendChoice: ctx.get().config.backend,
    simulatedFailures: simulatedFailuresFromQuery(env.search ?? ''),
    faults,
  });
  // A worker replacing one the page ended: that one's run lock goes shortly.
  send(ctx, restarted ? { type: 'queryCheckpoint', settleMs: 3000 } : { type: 'queryCheckpoint' });
  loadDataset(ctx);
}

/** Starts the worker, loads the dataset, keeps the URL hash in step. Idempotent. */
export function connect(ctx: SliceContext) {
  const { env } = ctx;
  if (ctx.link.worker || !env.createWorker) return;
  startWorker(ctx);
  void restoreRuns(ctx);
  // Another tab kept, renamed or deleted a run: show the list as stored now.
  env.watchSavedRuns?.(() => reloadSavedRuns(ctx));
  env.writeHash?.(encodeConfigHash(ctx.get().config));
}
