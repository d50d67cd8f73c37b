/**
 * What keeps a run going through trouble: its checkpoints (written while it trains, read back
 * after a reload or a worker crash), the roll-back after a diverging step, the fallback to the
 * next backend when one fails, and the guard that ends a failed Start or resume in "stopped".
 */
import type { AnalysedGraph } from '../core/graphAnalysis';
import { runBoard } from '../core/hardware';
import { datasetBytes, type Dataset } from '../data/dataset';
import type { BackendChoice } from '../train/backend';
import { createResourceEstimator } from '../train/estimator';
import { PruningTrainer } from '../train/trainer';
import { weightsFitProblem, validStoredRun } from './checkpointCheck';
import type { CheckpointStore, RunLocks, StoredRun } from './checkpointStore';
import type { BackendName } from './protocol';
import {
  messageOf,
  sameBudgets,
  settingsFor,
  TrainingRunState,
  type Notify,
  type Post,
} from './trainingRun';

export type SelectBackend = (
  preference?: readonly BackendName[],
  simulatedFailures?: Partial<Record<BackendName, string>>,
) => Promise<BackendChoice>;

/** The stored runs of this site: written, read back, checked and forgotten. */
export class RunCheckpoints {
  constructor(
    private readonly store: CheckpointStore,
    private readonly locks: RunLocks,
    private readonly notice: Notify,
    /** Uploads up to this many bytes are kept with the checkpoint. */
    private readonly storedDatasetLimit: number,
  ) {}

  /** Forgets a stored run (a store that fails says so). */
  async forget(key: string): Promise<void> {
    await this.store.clear(key);
  }

  /** Forgets a stored run if the store can: a failure changes nothing for the run. */
  async clear(key: string): Promise<void> {
    await this.forget(key).catch(() => undefined);
  }

  /** Forgets a stored run and says why. */
  async discard(why: string, key: string): Promise<void> {
    await this.clear(key);
    this.notice('warning', `${why} It was discarded.`);
  }

  /** Saves the run's checkpoint (memory, for roll-back; storage, for reloads). */
  async save(run: TrainingRunState): Promise<void> {
    const checkpoint = await run.trainer.checkpoint();
    run.lastGood = checkpoint;
    run.lastSavedAt = performance.now();
    const dataset = run.trainer.dataset;
    const upload = run.config.dataset.kind === 'upload';
    if (upload && datasetBytes(dataset) > this.storedDatasetLimit) {
      // A checkpoint without its data could not be resumed: store none, and say so once.
      if (!run.storageWarned) {
        run.storageWarned = true;
        await this.clear(run.key);
        const mib = mibOf(datasetBytes(dataset));
        this.notice(
          'warning',
          `"${dataset.name}" is ${mib} MiB, more than the ${mibOf(this.storedDatasetLimit)} MiB kept with a checkpoint, so this run cannot be resumed after a reload: let it finish, or upload the files again to start anew.`,
        );
      }
      return;
    }
    try {
      await this.store.save(run.key, {
        config: {
          ...run.config,
          dataset:
            run.config.dataset.kind === 'upload'
              ? { kind: 'upload', format: run.config.dataset.format, files: [] }
              : run.config.dataset,
        },
        checkpoint,
        savedAt: new Date().toISOString(),
        modelName: run.modelName,
        datasetName: dataset.name,
        unprunedAccuracy: run.unprunedAccuracy,
        unprunedStep: run.unprunedStep,
        dataset: upload ? dataset : undefined,
        budgetHistory: run.budgetHistory,
      });
      run.storageWarned = false;
    } catch (err) {
      if (!run.storageWarned) {
        run.storageWarned = true;
        const used = await storageUsed();
        this.notice(
          'warning',
          `Could not store the run's checkpoint in this browser (${(err instanceof Error && (err.message || err.name)) || String(err) || 'no reason given'}): ` +
            `training goes on, but a reload would lose it.${used} Delete saved runs you no longer need to keep checkpoints.`,
        );
      }
    }
  }

  /**
   * The stored run if every part of it can be resumed; one that cannot is discarded with a
   * notice naming why (it would otherwise be offered after every reload).
   */
  async load(key: string): Promise<{ stored?: StoredRun; discarded?: boolean }> {
    let value: unknown;
    try {
      value = await this.store.load(key);
    } catch (err) {
      this.notice(
        'warning',
        `The interrupted run's checkpoint could not be read (${messageOf(err)}).`,
      );
      return {};
    }
    if (value === undefined) return {};
    const valid = validStoredRun(value);
    if (typeof valid !== 'string') return { stored: valid };
    const names = value as Partial<StoredRun>;
    const what =
      typeof names.modelName === 'string' && typeof names.datasetName === 'string'
        ? `The interrupted run (${names.modelName} on ${names.datasetName})`
        : 'A stored checkpoint';
    await this.discard(`${what} cannot be resumed: ${valid}.`, key);
    return { discarded: true };
  }

  /** Says when another tab of this site is training a run too (they share the machine). */
  async tellOtherRuns(ownKey?: string, locked?: Set<string>): Promise<number> {
    const held = new Set(locked ?? (await this.locks.held().catch(() => new Set<string>())));
    held.delete(ownKey ?? '');
    if (held.size > 0) {
      this.notice(
        'info',
        `A run is going in another tab of this site (${held.size === 1 ? 'one run' : `${held.size} runs`}). ` +
          'Each tab keeps its own checkpoint and saved runs; both share this computer, so each trains slower.',
      );
    }
    return held.size;
  }

  /**
   * The newest stored checkpoint whose run is not live in any tab (a live run holds its lock;
   * `own` is this tab's live run), or undefined; also tells when other tabs are training.
   */
  async resumable(
    settleMs: number,
    own: string | undefined,
  ): Promise<{ found?: { key: string; stored: StoredRun }; discarded: boolean }> {
    const keys = await this.store.keys().catch(() => [] as string[]);
    const held = await this.locks.held().catch(() => new Set<string>());
    if (settleMs > 0) {
      // A worker the page just ended lets go of its lock soon: wait for it (not for live tabs).
      const stored = keys.filter((k) => held.has(k));
      const freed = await Promise.all(stored.map((k) => this.locks.waitFree(k, settleMs)));
      stored.forEach((k, i) => freed[i] && held.delete(k));
    }
    await this.tellOtherRuns(own, held);
    if (own) held.add(own);
    let best: { key: string; stored: StoredRun } | undefined;
    let discarded = false;
    for (const key of keys) {
      if (held.has(key)) continue;
      // Checked whole: a record that cannot be resumed is discarded (with the reason), not offered.
      const loaded = await this.load(key);
      discarded ||= loaded.discarded === true;
      const { stored } = loaded;
      if (stored && (!best || stored.savedAt > best.stored.savedAt)) best = { key, stored };
    }
    return { found: best, discarded };
  }
}

/**
 * The run of a stored record, rebuilt on `analysed` (its model for `dataset`): same weights,
 * π, importances, λ, step and budget history. Throws when the weights do not fit the data.
 */
export function restoredRun(
  stored: StoredRun,
  key: string,
  analysed: AnalysedGraph,
  dataset: Dataset,
  backend: BackendName,
): TrainingRunState {
  const { config } = stored;
  // The weights were checked against the dataset the record describes; now against this one.
  const misfit = stored.checkpoint.removed
    ? undefined
    : weightsFitProblem(stored.checkpoint.weights, analysed);
  if (misfit) throw new Error(`${misfit} (${dataset.name} is not the data it trained on)`);
  const estimator = createResourceEstimator(analysed, runBoard(config));
  const trainer = PruningTrainer.fromCheckpoint(
    analysed,
    dataset,
    settingsFor(config, stored.checkpoint.learningRate),
    estimator,
    stored.checkpoint,
  );
  const run = new TrainingRunState(trainer, config, backend, stored.modelName, key);
  run.unprunedAccuracy = stored.unprunedAccuracy;
  run.unprunedStep = stored.unprunedStep;
  run.budgetHistory = stored.budgetHistory?.map((c) => ({ ...c, budgets: { ...c.budgets } })) ?? [
    { step: 0, budgets: { ...config.budgets } },
  ];
  if (!sameBudgets(run.budgetHistory.at(-1)!.budgets, trainer.budgets)) {
    run.budgetHistory.push({ step: trainer.step, budgets: { ...trainer.budgets } });
  }
  return run;
}

/** Replaces the run's trainer by one rebuilt from its last good checkpoint. */
export function rollBack(run: TrainingRunState, learningRate: number): void {
  const checkpoint = run.lastGood!;
  const { trainer } = run;
  const restored = PruningTrainer.fromCheckpoint(
    trainer.original,
    trainer.dataset,
    { ...trainer.settings, learningRate },
    trainer.estimator,
    checkpoint,
  );
  restored.setBudgets(trainer.budgets);
  try {
    trainer.dispose();
  } catch {
    // A lost device may refuse even to free its tensors; they go with it.
  }
  run.trainer = restored;
}

/**
 * A step whose loss came out `loss` (not finite): rejected; the run goes back to its last
 * checkpoint with half the learning rate. Returns the notice that says so.
 */
export function rollBackDiverged(run: TrainingRunState, loss: number): string {
  const { trainer } = run;
  const rate = trainer.optimizer.learningRate / 2;
  rollBack(run, rate);
  return `The loss became ${loss} at step ${trainer.step}: that step was rejected and the run rolled back to step ${run.trainer.step} with the learning rate halved to ${rate.toPrecision(3)}.`;
}

/** The backend in use and the order to fall back in: the session's, moved on by a fallback. */
export interface Backends {
  active: BackendName;
  preference: readonly BackendName[];
  simulatedFailures: Partial<Record<BackendName, string>>;
}

/** The backends after `failed` in the order of `preference`. */
export function remainingBackends(
  preference: readonly BackendName[],
  failed: BackendName,
): BackendName[] {
  return preference.slice(preference.indexOf(failed) + 1);
}

/**
 * A failed step: go on from the last checkpoint on the next backend, if there is one (true);
 * false when the run has to stop, after saying why.
 */
export async function fallBack(
  run: TrainingRunState,
  err: unknown,
  backends: Backends,
  selectBackend: SelectBackend,
  post: Post,
): Promise<boolean> {
  const reason = messageOf(err);
  const failed = backends.active;
  const remaining = remainingBackends(backends.preference, failed);
  if (remaining.length === 0 || !run.lastGood) {
    post({
      type: 'notice',
      level: 'error',
      message: `Training stopped on ${failed}: ${reason}. Resume it from the last checkpoint once the problem is fixed.`,
    });
    return false;
  }
  const failedStep = run.trainer.step + 1;
  const choice = await selectBackend(remaining, backends.simulatedFailures);
  backends.active = choice.active;
  run.backend = choice.active;
  post({
    type: 'backend',
    active: choice.active,
    skipped: [{ name: failed, reason: `failed during training: ${reason}` }, ...choice.skipped],
  });
  rollBack(run, run.trainer.optimizer.learningRate);
  post({
    type: 'notice',
    level: 'warning',
    message: `The ${failed} backend failed at step ${failedStep} (${reason}); the run goes on from its checkpoint at step ${run.trainer.step} on ${choice.active}.`,
  });
  return true;
}

/** What guardStart needs of the session. */
export interface StartGuard {
  /** The session's run now. */
  current(): TrainingRunState | undefined;
  /** The stored run being resumed and its lock, handed over (the session forgets it). */
  takeResuming(): { key: string; release?: () => void } | undefined;
  checkpoints: RunCheckpoints;
  notice: Notify;
  /** The Start cannot go ahead: says why (if given) and the page returns to "stopped". */
  refuseStart(message?: string): void;
  /** Tells the page which interrupted run it can resume now. */
  queryCheckpoint(): Promise<void>;
}

/**
 * Runs a Start or a resume so that whatever fails on the way (a strange record, a model
 * that cannot be built) ends in "stopped" with the reason, never in a page stuck on
 * "Starting…". `discard` names the stored run to forget when resuming it failed.
 */
export async function guardStart(
  guard: StartGuard,
  begin: () => Promise<void>,
  discard?: { what: string },
): Promise<void> {
  const before = guard.current();
  try {
    await begin();
  } catch (err) {
    const reason = (err instanceof Error && (err.message || err.name)) || String(err);
    const resuming = guard.takeResuming();
    resuming?.release?.();
    const run = guard.current();
    if (run && run !== before && run.exporter) {
      // The run had finished: only an extra after it failed; the run stands.
      guard.notice('warning', `After the run finished: ${reason}.`);
      return;
    }
    if (run && run !== before && !run.ended) {
      await guard.checkpoints.clear(run.key);
      run.end();
    }
    const key = resuming?.key ?? (run !== before ? run?.key : undefined);
    if (discard && key) {
      await guard.checkpoints.discard(`${discard.what} could not be resumed: ${reason}.`, key);
    }
    guard.refuseStart(
      discard ? undefined : `The run stopped: ${reason}. Press Start to try again.`,
    );
    if (discard) await guard.queryCheckpoint();
  }
}

const mibOf = (bytes: number) => Number((bytes / 1024 / 1024).toPrecision(3));

/** " This site uses X MB of the Y MB the browser allows." where the browser says; else "". */
async function storageUsed(): Promise<string> {
  try {
    if (typeof navigator === 'undefined' || !navigator.storage?.estimate) return '';
    const { usage, quota } = await navigator.storage.estimate();
    if (usage === undefined || quota === undefined) return '';
    const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
    return ` This site uses ${mb(usage)} of the ${mb(quota)} the browser allows.`;
  } catch {
    return '';
  }
}
