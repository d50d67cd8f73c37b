/**
 * Everything the training worker does, as a class that takes the messages of protocol.ts and
 * emits its events through `post`: so the whole command flow also runs in Node tests.
 */
import * as tf from '@tensorflow/tfjs';
import { analyseGraph, type AnalysedGraph } from '../core/graphAnalysis';
import { zooModel } from '../core/zoo';
import { runBoard } from '../core/hardware';
import type { Dataset } from '../data/dataset';
import { datasetBytes } from '../data/dataset';
import { RunExporter } from './exports';
import { datasetIdentity, WorkerDatasets } from './datasets';
import { BACKEND_PREFERENCE, selectFastestBackend, type BackendChoice } from '../train/backend';
import { createResourceEstimator, feasibilityProblem } from '../train/estimator';
import { evaluateFloatModel } from '../train/evaluation';
import {
  PruningTrainer,
  type StepResult,
  type TrainerCheckpoint,
  type TrainerSettings,
} from '../train/trainer';
import { phaseAt } from '../core/pruning';
import { trainingMemoryProblem } from '../core/trainingMemory';
import {
  MemoryCheckpointStore,
  MemoryRunLocks,
  type CheckpointStore,
  type RunLocks,
  type StoredRun,
} from './checkpointStore';
import { STORED_DATASET_LIMIT, validStoredRun, weightsFitProblem } from './checkpointCheck';
import { referenceKey, trainToEnd, uniformBaselineNetwork } from './comparisons';
import type {
  BackendName,
  BackendSetting,
  BudgetChange,
  Budgets,
  ExportedFile,
  ExportFormat,
  ReferenceAccuracy,
  RunConfig,
  RunSummary,
  SimulatedFaults,
  UniformBaseline,
  StepMetrics,
  WorkerCommand,
  WorkerEvent,
} from './protocol';

type Post = (event: WorkerEvent, transfer?: Transferable[]) => void;
type SelectBackend = (
  preference?: readonly BackendName[],
  simulatedFailures?: Partial<Record<BackendName, string>>,
) => Promise<BackendChoice>;

/** Minimum time between two metrics messages: the UI redraws a few times per second. */
const METRICS_INTERVAL_MS = 100;
/** Checkpoints are stored at most this often (and at every phase change). */
const CHECKPOINT_INTERVAL_MS = 5000;

export class TrainingSession {
  private backend: BackendName = 'cpu';
  /** The dataset in use, the chosen files and the load in flight. */
  private readonly datasets: WorkerDatasets;
  /** True from a Start (or resume) until its run exists: budgets sent meanwhile wait here. */
  private starting = false;
  private queuedBudgets?: Budgets;
  /** Full-length unpruned references, by dataset (the very data) and configuration. */
  private readonly references = new WeakMap<Dataset, Map<string, ReferenceAccuracy>>();
  private referenceRunning = false;
  private baselineRunning = false;
  private run?: TrainingRunState;
  /** The stored checkpoint this tab last offered to resume (a new run here replaces it). */
  private offeredKey?: string;
  /** The stored run being resumed and its lock, until its run state takes them over. */
  private resuming?: { key: string; release?: () => void };
  private pauseGate?: { promise: Promise<void>; release: () => void };

  private preference: readonly BackendName[] = BACKEND_PREFERENCE;
  private simulatedFailures: Partial<Record<BackendName, string>> = {};
  private faults: SimulatedFaults = {};
  private explicitOrder?: BackendName[];

  constructor(
    private readonly post: Post,
    private readonly selectBackend: SelectBackend,
    private readonly store: CheckpointStore = new MemoryCheckpointStore(),
    private readonly selectFastest: typeof selectFastestBackend = selectFastestBackend,
    private readonly locks: RunLocks = new MemoryRunLocks(),
    /** Uploads up to this many bytes are kept with the checkpoint (tests set a small one). */
    private readonly storedDatasetLimit = STORED_DATASET_LIMIT,
  ) {
    this.datasets = new WorkerDatasets(post);
  }

  /** Settles when the backend is chosen: every other command waits for it. */
  private ready: Promise<void> = Promise.resolve();

  async handle(command: WorkerCommand): Promise<void> {
    if (command.type === 'init') {
      this.ready = this.initialise(command);
      return this.ready;
    }
    // Loading data and reading the stored checkpoint need no tfjs backend: no need to wait.
    if (command.type === 'uploadFiles')
      return this.datasets.receiveFiles(command.uploadId, command.files);
    if (command.type === 'loadDataset') return this.datasets.load(command.spec, command.requestId);
    if (command.type === 'cancelDataset') return this.datasets.cancel(command.requestId);
    if (command.type === 'queryCheckpoint') return this.queryCheckpoint(command.settleMs);
    if (command.type === 'sampleAudio') return this.sampleAudio(command);
    await this.ready;
    switch (command.type) {
      case 'start':
        return this.guardStart(() => this.start(command.config, command.datasetKey));
      case 'setBudgets':
        return this.setBudgets(command.budgets);
      case 'pause':
        return this.pause();
      case 'resume':
        return this.resume();
      case 'stop':
        return this.stop();
      case 'chooseBackend':
        return this.chooseBackend(command.choice);
      case 'resumeCheckpoint':
        return this.guardResume(command.key);
      case 'discardCheckpoint':
        return this.discardCheckpoint(command.key);
      case 'export':
        return this.exportFile(command.format, command.requestId);
      case 'trainReference':
        return this.trainReference();
      case 'trainBaseline':
        return this.trainBaseline();
    }
  }

  private async initialise(command: Extract<WorkerCommand, { type: 'init' }>): Promise<void> {
    this.datasets.baseUrl = command.baseUrl ?? '';
    this.simulatedFailures = command.simulatedFailures ?? {};
    this.faults = { ...command.faults };
    this.explicitOrder = command.backends;
    await this.chooseBackend(command.backendChoice ?? 'auto');
  }

  /**
   * 'auto': measure a probe training step on every backend that works and use the fastest;
   * a named backend: use it (falling back in the default order if it fails).
   */
  private async chooseBackend(choice: BackendSetting): Promise<void> {
    if (this.run && !this.run.ended) {
      this.notice('warning', 'The backend can be changed between runs: stop the run first.');
      return;
    }
    let result: BackendChoice;
    if (this.explicitOrder) {
      this.preference = this.explicitOrder;
      result = await this.selectBackend(this.preference, this.simulatedFailures);
    } else if (choice === 'auto') {
      const fastest = await this.selectFastest(BACKEND_PREFERENCE, this.simulatedFailures);
      this.preference = fastest.order;
      result = fastest;
    } else {
      this.preference = [choice, ...BACKEND_PREFERENCE.filter((b) => b !== choice)];
      result = await this.selectBackend(this.preference, this.simulatedFailures);
    }
    this.backend = result.active;
    this.post({
      type: 'backend',
      active: result.active,
      skipped: result.skipped,
      timings: result.timings,
    });
  }

  private notice(level: 'info' | 'warning' | 'error', message: string): void {
    this.post({ type: 'notice', level, message });
  }

  /** Builds the model for the dataset and checks that it can train and fit at all. */
  private prepareModel(config: RunConfig, dataset: Dataset): AnalysedGraph | undefined {
    const model = zooModel(config.modelId);
    const [h, w] = dataset.inputShape;
    if (Math.min(h, w) < model.minInputSize) {
      this.notice(
        'error',
        `${model.name} needs inputs of at least ${model.minInputSize}×${model.minInputSize} pixels; ` +
          `${dataset.name} has ${h}×${w}. Choose another model or dataset.`,
      );
      return undefined;
    }
    if (dataset.numClasses < 2) {
      this.notice(
        'error',
        `${dataset.name} has ${dataset.numClasses} class; at least 2 are needed.`,
      );
      return undefined;
    }
    return analyseGraph(
      model.build({
        inputShape: dataset.inputShape,
        numClasses: dataset.numClasses,
        widthMultiplier: config.widthMultiplier,
      }),
    );
  }

  /** Trainer settings of a run's configuration. */
  private settingsFor(config: RunConfig, learningRate = config.learningRate): TrainerSettings {
    return {
      totalSteps: config.schedule.totalSteps,
      warmupFraction: config.schedule.warmupFraction,
      pruneFraction: config.schedule.pruneFraction,
      batchSize: config.batchSize,
      learningRate,
      seed: config.seed,
      budgets: config.budgets,
      validationEvery: Math.max(10, Math.round(config.schedule.totalSteps / 10)),
      validationSamples: 500,
    };
  }

  /** A Start that cannot go ahead: says why, and the page returns to "stopped". */
  private refuseStart(message?: string): void {
    this.starting = false;
    this.queuedBudgets = undefined;
    if (message) this.notice('error', message);
    this.post({ type: 'runState', state: 'stopped' });
  }

  private async start(config: RunConfig, datasetKey?: string): Promise<void> {
    if (this.run && !this.run.ended) {
      this.notice('warning', 'A run is already in progress: stop it before starting another.');
      return;
    }
    this.starting = true;
    this.queuedBudgets = undefined;
    let dataset: Dataset;
    if (datasetKey !== undefined) {
      const expected = this.datasets.expected(datasetKey);
      if (typeof expected === 'string') return this.refuseStart(expected);
      dataset = expected;
    } else {
      // No dataset named: train on the one the configuration describes, built afresh.
      try {
        const { dataset: built, warnings } = await this.datasets.build(config.dataset);
        this.post({ type: 'dataset', requestId: 0, summary: this.datasets.use(built, warnings) });
        dataset = built;
      } catch (err) {
        return this.refuseStart(
          `The dataset could not be loaded: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
    }
    // Budgets moved while the run was starting apply to it from its first step.
    const budgets = this.queuedBudgets ?? config.budgets;
    const runConfig = { ...config, budgets: { ...budgets } };
    const analysed = this.prepareModel(runConfig, dataset);
    if (!analysed) return this.refuseStart();
    let board;
    try {
      board = runBoard(runConfig);
    } catch (err) {
      return this.refuseStart(err instanceof Error ? err.message : String(err));
    }
    const memory = trainingMemoryProblem(analysed, runConfig.batchSize, this.backend);
    if (memory) return this.refuseStart(memory);
    const problem = feasibilityProblem(analysed, board, runConfig.budgets);
    if (problem) return this.refuseStart(problem);
    const estimator = createResourceEstimator(analysed, board);
    const trainer = new PruningTrainer(analysed, dataset, this.settingsFor(runConfig), estimator);
    const key = newRunKey();
    const release = await this.locks.tryHold(key);
    const run = new TrainingRunState(
      trainer,
      runConfig,
      this.backend,
      zooModel(runConfig.modelId).name,
      key,
    );
    run.release = release;
    // A new run in this tab replaces the interrupted run it offered (unless another tab took it).
    const offered = this.offeredKey;
    this.offeredKey = undefined;
    if (offered && !(await this.locks.held()).has(offered)) {
      await this.store.clear(offered).catch(() => undefined);
    }
    await this.tellOtherRuns(key);
    await this.launch(run);
  }

  /** Says when another tab of this site is training a run too (they share the machine). */
  private async tellOtherRuns(ownKey?: string, locked?: Set<string>): Promise<number> {
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

  /** A run has ended here: its lock goes, so its checkpoint (if kept) is no longer "live". */
  private endRun(run: TrainingRunState): void {
    run.ended = true;
    run.release?.();
    run.release = undefined;
  }

  /**
   * Runs a Start or a resume so that whatever fails on the way (a strange record, a model
   * that cannot be built) ends in "stopped" with the reason, never in a page stuck on
   * "Starting…". `discard` names the stored run to forget when resuming it failed.
   */
  private async guardStart(begin: () => Promise<void>, discard?: { what: string }): Promise<void> {
    const before = this.run;
    try {
      await begin();
    } catch (err) {
      const reason = (err instanceof Error && (err.message || err.name)) || String(err);
      const resuming = this.resuming;
      this.resuming = undefined;
      resuming?.release?.();
      const run = this.run;
      if (run && run !== before && run.exporter) {
        // The run had finished: only an extra after it failed; the run stands.
        this.notice('warning', `After the run finished: ${reason}.`);
        return;
      }
      if (run && run !== before && !run.ended) {
        await this.store.clear(run.key).catch(() => undefined);
        this.endRun(run);
      }
      const key = resuming?.key ?? (run !== before ? run?.key : undefined);
      if (discard && key) {
        await this.discardStored(`${discard.what} could not be resumed: ${reason}.`, key);
      }
      this.refuseStart(
        discard ? undefined : `The run stopped: ${reason}. Press Start to try again.`,
      );
      if (discard) await this.queryCheckpoint();
    }
  }

  /** Resumes the stored run `requested` (or the one on offer) under guardStart. */
  private async guardResume(requested?: string): Promise<void> {
    return this.guardStart(() => this.resumeCheckpoint(requested), {
      what: 'The interrupted run',
    });
  }

  /** Forgets a stored run and says why. */
  private async discardStored(why: string, key: string): Promise<void> {
    await this.store.clear(key).catch(() => undefined);
    this.notice('warning', `${why} It was discarded.`);
  }

  private async launch(run: TrainingRunState): Promise<void> {
    this.run?.trainer.dispose();
    this.run = run;
    if (this.queuedBudgets) this.applyBudgets(run, this.queuedBudgets);
    this.starting = false;
    this.queuedBudgets = undefined;
    this.post({ type: 'runState', state: 'running' });
    run.lastGood = await run.trainer.checkpoint();
    await this.loop(run);
  }

  /** Answers whether an interrupted run can be resumed (after a reload or a worker crash). */
  private async queryCheckpoint(settleMs = 0): Promise<void> {
    const { found } = await this.resumableCheckpoint(settleMs);
    this.offeredKey = found?.key;
    const stored = found?.stored;
    this.post({
      type: 'checkpoint',
      info:
        found && stored
          ? {
              key: found.key,
              step: stored.checkpoint.step,
              totalSteps: stored.config.schedule.totalSteps,
              savedAt: stored.savedAt,
              modelName: stored.modelName,
              datasetName: stored.datasetName,
              phase: phaseAt(
                stored.checkpoint.step,
                stored.config.schedule.totalSteps,
                stored.config.schedule,
                stored.checkpoint.removed,
              ),
            }
          : null,
    });
  }

  /**
   * The newest stored checkpoint whose run is not live in any tab (a live run holds its lock),
   * or undefined; also tells when other tabs are training.
   */
  private async resumableCheckpoint(
    settleMs = 0,
  ): Promise<{ found?: { key: string; stored: StoredRun }; discarded: boolean }> {
    const keys = await this.store.keys().catch(() => [] as string[]);
    const held = await this.locks.held().catch(() => new Set<string>());
    if (settleMs > 0) {
      // A worker the page just ended lets go of its lock soon: wait for it (not for live tabs).
      const stored = keys.filter((k) => held.has(k));
      const freed = await Promise.all(stored.map((k) => this.locks.waitFree(k, settleMs)));
      stored.forEach((k, i) => freed[i] && held.delete(k));
    }
    const own = this.run && !this.run.ended ? this.run.key : undefined;
    await this.tellOtherRuns(own, held);
    if (own) held.add(own);
    let best: { key: string; stored: StoredRun } | undefined;
    let discarded = false;
    for (const key of keys) {
      if (held.has(key)) continue;
      // Checked whole: a record that cannot be resumed is discarded (with the reason), not offered.
      const loaded = await this.loadStored(key);
      discarded ||= loaded.discarded === true;
      const { stored } = loaded;
      if (stored && (!best || stored.savedAt > best.stored.savedAt)) best = { key, stored };
    }
    return { found: best, discarded };
  }

  /** Forgets a stored checkpoint, unless its run is live in another tab. */
  private async discardCheckpoint(key = this.offeredKey): Promise<void> {
    if (key && !(await this.locks.held()).has(key)) await this.store.clear(key);
    return this.queryCheckpoint();
  }

  /** Continues the stored run from its checkpoint: same weights, π, importances, λ, step. */
  private async resumeCheckpoint(requested?: string): Promise<void> {
    if (this.run && !this.run.ended) {
      this.notice('warning', 'A run is already in progress: stop it before resuming another.');
      return;
    }
    this.starting = true;
    this.queuedBudgets = undefined;
    let key = requested ?? this.offeredKey;
    let discardedInScan = false;
    if (!key) {
      const scan = await this.resumableCheckpoint();
      key = scan.found?.key;
      discardedInScan = scan.discarded;
    }
    // The lock first: two tabs pressing Resume on the same run cannot both continue it.
    const release = key ? await this.locks.tryHold(key) : undefined;
    const { stored, discarded } =
      key && release ? await this.loadStored(key) : { stored: undefined, discarded: false };
    if (!key || !release || !stored) {
      release?.();
      // A discarded record has had its notice already.
      this.refuseStart(
        key && !release
          ? 'This interrupted run is already being resumed in another tab of this site.'
          : discarded || discardedInScan
            ? undefined
            : 'There is no interrupted run to resume.',
      );
      await this.queryCheckpoint();
      return;
    }
    this.offeredKey = undefined;
    // Until the run holds it, guardStart lets go of the lock if resuming fails.
    this.resuming = { key, release };
    const { config } = stored;
    let dataset: Dataset;
    try {
      dataset = stored.dataset ?? (await this.datasets.build(config.dataset)).dataset;
    } catch (err) {
      // Kept: the data may load next time (a network that was off, a file back in place).
      release();
      return this.refuseStart(
        `The interrupted run's dataset could not be loaded: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    this.post({ type: 'dataset', requestId: 0, summary: this.datasets.use(dataset, []) });
    const analysed = this.prepareModel(config, dataset);
    if (!analysed) {
      release();
      await this.discardStored(
        'The interrupted run cannot be resumed with its model and dataset.',
        key,
      );
      this.refuseStart();
      return this.queryCheckpoint();
    }
    const memory = trainingMemoryProblem(analysed, config.batchSize, this.backend);
    if (memory) {
      release();
      return this.refuseStart(memory);
    }
    // The weights were checked against the dataset the record describes; now against this one.
    const misfit = stored.checkpoint.removed
      ? undefined
      : weightsFitProblem(stored.checkpoint.weights, analysed);
    if (misfit) throw new Error(`${misfit} (${dataset.name} is not the data it trained on)`);
    const estimator = createResourceEstimator(analysed, runBoard(config));
    const trainer = PruningTrainer.fromCheckpoint(
      analysed,
      dataset,
      this.settingsFor(config, stored.checkpoint.learningRate),
      estimator,
      stored.checkpoint,
    );
    const run = new TrainingRunState(trainer, config, this.backend, stored.modelName, key);
    run.release = release;
    this.resuming = undefined;
    run.unprunedAccuracy = stored.unprunedAccuracy;
    run.unprunedStep = stored.unprunedStep;
    run.budgetHistory = stored.budgetHistory?.map((c) => ({ ...c, budgets: { ...c.budgets } })) ?? [
      { step: 0, budgets: { ...config.budgets } },
    ];
    if (!sameBudgets(run.budgetHistory.at(-1)!.budgets, trainer.budgets)) {
      run.budgetHistory.push({ step: trainer.step, budgets: { ...trainer.budgets } });
    }
    // The page shows the resumed run's settings (board, model, budgets as in force now).
    this.post({
      type: 'resumed',
      config: { ...config, budgets: { ...trainer.budgets } },
      budgetHistory: run.budgetHistory,
    });
    this.notice(
      'info',
      `Resumed the interrupted run at step ${trainer.step} of ${config.schedule.totalSteps}.`,
    );
    await this.launch(run);
  }

  /**
   * The stored run if every part of it can be resumed; one that cannot is discarded with a
   * notice naming why (it would otherwise be offered after every reload).
   */
  private async loadStored(key: string): Promise<{ stored?: StoredRun; discarded?: boolean }> {
    let value: unknown;
    try {
      value = await this.store.load(key);
    } catch (err) {
      this.notice(
        'warning',
        `The interrupted run's checkpoint could not be read (${err instanceof Error ? err.message : String(err)}).`,
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
    await this.discardStored(`${what} cannot be resumed: ${valid}.`, key);
    return { discarded: true };
  }

  /** Saves the run's checkpoint (memory, for roll-back; storage, for reloads). */
  private async saveCheckpoint(run: TrainingRunState): Promise<void> {
    const checkpoint = await run.trainer.checkpoint();
    run.lastGood = checkpoint;
    run.lastSavedAt = performance.now();
    const dataset = run.trainer.dataset;
    const upload = run.config.dataset.kind === 'upload';
    if (upload && datasetBytes(dataset) > this.storedDatasetLimit) {
      // A checkpoint without its data could not be resumed: store none, and say so once.
      if (!run.storageWarned) {
        run.storageWarned = true;
        await this.store.clear(run.key).catch(() => undefined);
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

  /** Replaces the run's trainer by one rebuilt from its last good checkpoint. */
  private rollBack(run: TrainingRunState, learningRate: number): void {
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

  /** A failed step: go on from the last checkpoint on the next backend, if there is one. */
  private async fallBack(run: TrainingRunState, err: unknown): Promise<boolean> {
    const reason = err instanceof Error ? err.message : String(err);
    const remaining = this.preference.slice(this.preference.indexOf(this.backend) + 1);
    if (remaining.length === 0 || !run.lastGood) {
      this.notice(
        'error',
        `Training stopped on ${this.backend}: ${reason}. Resume it from the last checkpoint once the problem is fixed.`,
      );
      return false;
    }
    const failed = this.backend;
    const failedStep = run.trainer.step + 1;
    const choice = await this.selectBackend(remaining, this.simulatedFailures);
    this.backend = choice.active;
    run.backend = choice.active;
    this.post({
      type: 'backend',
      active: choice.active,
      skipped: [{ name: failed, reason: `failed during training: ${reason}` }, ...choice.skipped],
    });
    this.rollBack(run, run.trainer.optimizer.learningRate);
    this.notice(
      'warning',
      `The ${failed} backend failed at step ${failedStep} (${reason}); the run goes on from its checkpoint at step ${run.trainer.step} on ${choice.active}.`,
    );
    return true;
  }

  private async loop(run: TrainingRunState): Promise<void> {
    let lastPost = 0;
    let lastPhase = run.trainer.phase;
    while (!run.trainer.done && !run.stopRequested) {
      if (this.pauseGate) {
        await this.pauseGate.promise;
        continue;
      }
      const trainer = run.trainer;
      const began = performance.now();
      const phaseBefore = trainer.phase;
      let result: StepResult;
      try {
        if (this.faults.slowStepAtStep === trainer.step) {
          this.faults.slowStepAtStep = undefined;
          spinForever();
        }
        if (this.faults.deviceLostAtStep === trainer.step) {
          this.faults.deviceLostAtStep = undefined;
          throw new Error('the GPU device was lost (simulated)');
        }
        result = await trainer.trainStep();
      } catch (err) {
        if (await this.fallBack(run, err)) continue;
        this.endRun(run);
        this.post({ type: 'runState', state: 'stopped' });
        return;
      }
      if (this.faults.nanAtStep === trainer.step) {
        this.faults.nanAtStep = undefined;
        result = { ...result, loss: NaN };
      }
      if (!Number.isFinite(result.loss)) {
        const rate = trainer.optimizer.learningRate / 2;
        this.rollBack(run, rate);
        this.notice(
          'warning',
          `The loss became ${result.loss} at step ${trainer.step}: that step was rejected and the run rolled back to step ${run.trainer.step} with the learning rate halved to ${rate.toPrecision(3)}.`,
        );
        continue;
      }
      if (trainer.repairNote && !run.repairReported) {
        run.repairReported = true;
        this.notice('info', trainer.repairNote);
      }
      const phaseAfter = trainer.phase;
      const validate =
        (trainer.settings.validationEvery > 0 &&
          trainer.step % trainer.settings.validationEvery === 0) ||
        (phaseBefore === 'warmup' && phaseAfter !== 'warmup');
      if (validate) {
        trainer.lastValidationAccuracy = await trainer.accuracy(
          trainer.dataset.validation,
          trainer.settings.validationSamples,
        );
        if (phaseBefore === 'warmup' && phaseAfter !== 'warmup') {
          run.unprunedAccuracy = trainer.lastValidationAccuracy;
          run.unprunedStep = trainer.step;
        }
      }
      const stepMs = performance.now() - began;
      const now = performance.now();
      if (
        now - lastPost >= METRICS_INTERVAL_MS ||
        phaseAfter !== lastPhase ||
        validate ||
        trainer.done
      ) {
        lastPost = now;
        lastPhase = phaseAfter;
        this.post({ type: 'metrics', metrics: this.withMemory(trainer.metrics(result, stepMs)) });
      }
      if (
        !trainer.done &&
        (phaseAfter !== phaseBefore || now - run.lastSavedAt >= CHECKPOINT_INTERVAL_MS)
      ) {
        await this.saveCheckpoint(run);
      }
      // Let queued commands (pause, budgets, stop) in between steps.
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    if (run.stopRequested) {
      await this.store.clear(run.key).catch(() => undefined);
      this.endRun(run);
      this.post({ type: 'runState', state: 'stopped' });
      return;
    }
    await this.finish(run);
  }

  private async finish(run: TrainingRunState): Promise<void> {
    const { trainer } = run;
    trainer.lastValidationAccuracy = await trainer.accuracy(trainer.dataset.validation);
    await this.store.clear(run.key).catch(() => undefined);
    this.endRun(run);
    const final = trainer.estimator.report(trainer.keptCounts()).values;
    const unpruned = trainer.unpruned;
    const summary: RunSummary = {
      id: `run-${Date.now().toString(36)}`,
      finishedAt: new Date().toISOString(),
      // The budgets the run ended with (they may have moved during the run).
      config: { ...run.config, budgets: { ...trainer.budgets } },
      datasetName: trainer.dataset.name,
      dataset: datasetIdentity(trainer.dataset),
      modelName: run.modelName,
      boardName: runBoard(run.config).name,
      validationAccuracy: trainer.lastValidationAccuracy,
      unprunedValidationAccuracy: run.unprunedAccuracy,
      unprunedMeasuredAtStep: run.unprunedAccuracy === undefined ? undefined : run.unprunedStep,
      validationSamples: trainer.dataset.validation.count,
      resources: final,
      unpruned,
      keptPerGroup: trainer.original.groups
        .filter((g) => g.prunable)
        .map((g) => ({ name: g.name, kept: trainer.keptCounts()[g.index], size: g.size })),
      backend: run.backend,
      steps: trainer.step,
      durationMs: performance.now() - run.startedAt,
      budgetHistory: run.budgetHistory.map((c) => ({ ...c, budgets: { ...c.budgets } })),
    };
    this.post({
      type: 'metrics',
      metrics: this.withMemory(trainer.metrics({ loss: NaN, accuracy: NaN }, 0)),
    });
    await evaluateFloatModel(trainer).then(
      (evaluation) => this.post({ type: 'evaluation', evaluation }),
      (err: unknown) =>
        this.notice('warning', `The confusion matrix could not be computed: ${String(err)}`),
    );
    run.exporter = new RunExporter(trainer, summary);
    this.post({ type: 'finished', summary });
    this.post({ type: 'runState', state: 'finished' });
    const exporter = run.exporter;
    try {
      this.post({ type: 'deployment', runId: summary.id, deployment: await exporter.deployment() });
      this.post({ type: 'evaluation', evaluation: await exporter.int8Evaluation() });
    } catch (e) {
      this.post({
        type: 'notice',
        level: 'warning',
        message: `Could not prepare the int8 model for TFLite Micro: ${e instanceof Error ? e.message : String(e)}`,
      });
    }
    await this.postRunFiles(run.exporter, summary.id);
  }

  /**
   * One validation clip of a finished run's audio upload, decoded again here (not on the page);
   * the samples' buffer is transferred, not copied.
   */
  private async sampleAudio(
    command: Extract<WorkerCommand, { type: 'sampleAudio' }>,
  ): Promise<void> {
    const { requestId, runId, validationIndex } = command;
    const run = this.run;
    if (!run?.exporter || run.exporter.runId !== runId) {
      this.post({
        type: 'sampleAudio',
        requestId,
        error:
          'This run’s clips are not in the training worker any more (a reopened run, or a newer one replaced it): choose its folder again and rerun to listen.',
      });
      return;
    }
    try {
      const audio = await this.datasets.clip(run.trainer.dataset, validationIndex);
      this.post({ type: 'sampleAudio', requestId, audio }, [audio.samples.buffer]);
    } catch (err) {
      this.post({
        type: 'sampleAudio',
        requestId,
        error: `The clip could not be decoded: ${err instanceof Error ? err.message : String(err)}`,
      });
    }
  }

  /** Makes the four export files once and sends them to be kept with the saved run. */
  private async postRunFiles(exporter: RunExporter, runId: string): Promise<void> {
    const files: ExportedFile[] = [];
    try {
      for (const format of ['tfjs', 'tflite', 'c-array', 'report'] as const) {
        const file = await exporter.file(format);
        files.push({ format, filename: file.filename, mime: file.mime, bytes: copy(file.bytes) });
      }
    } catch (err) {
      this.post({
        type: 'runFilesFailed',
        runId,
        message: `The finished run could not be kept whole in this browser: making its files failed (${err instanceof Error ? err.message : String(err)}).`,
      });
      return;
    }
    const measured = await exporter.quantisedAccuracy();
    // Sent only when both were measured (JSON, where saved runs live, has no NaN).
    const quantised =
      Number.isFinite(measured.int8Accuracy) && Number.isFinite(measured.floatAccuracy)
        ? measured
        : undefined;
    this.post(
      { type: 'runFiles', runId, files, quantised },
      files.map((f) => f.bytes),
    );
  }

  private async exportFile(format: ExportFormat, requestId: number): Promise<void> {
    const exporter = this.run?.exporter;
    if (!exporter) {
      const why =
        this.run && !this.run.ended ? 'the run is still going' : 'no run has finished yet';
      this.post({
        type: 'exportError',
        requestId,
        message: `Nothing to export: ${why}. Export is available when a run has finished.`,
      });
      return;
    }
    try {
      const file = await exporter.file(format);
      const bytes = copy(file.bytes);
      this.post(
        { type: 'exported', requestId, format, filename: file.filename, mime: file.mime, bytes },
        [bytes],
      );
    } catch (err) {
      this.post({
        type: 'exportError',
        requestId,
        message: `Export as ${format} failed: ${err instanceof Error ? err.message : String(err)}`,
      });
    }
  }

  /**
   * The fair reference for a finished run: its unpruned network (same model, data, schedule,
   * seed) trained for the run's full length. Made once per configuration and reused.
   */
  private async trainReference(): Promise<void> {
    const run = this.run;
    if (!run || !run.ended || !run.exporter) {
      this.notice(
        'warning',
        'The unpruned reference is trained for a finished run: finish one first.',
      );
      return;
    }
    if (this.referenceRunning) return;
    const runId = run.exporter.runId;
    const { trainer, config } = run;
    const key = referenceKey(config);
    const totalSteps = config.schedule.totalSteps;
    let forDataset = this.references.get(trainer.dataset);
    if (!forDataset) {
      forDataset = new Map();
      this.references.set(trainer.dataset, forDataset);
    }
    const cached = forDataset.get(key);
    if (cached) {
      this.post({ type: 'reference', runId, step: totalSteps, totalSteps, reference: cached });
      return;
    }
    this.referenceRunning = true;
    const reference = new PruningTrainer(
      trainer.original,
      trainer.dataset,
      { ...this.settingsFor(config), pruning: false },
      trainer.estimator,
    );
    try {
      const accuracy = await trainToEnd(
        reference,
        trainer.dataset.validation,
        () => this.run === run,
        (step) => this.post({ type: 'reference', runId, step, totalSteps }),
      );
      const result = {
        accuracy,
        steps: reference.step,
        validationSamples: trainer.dataset.validation.count,
      };
      forDataset.set(key, result);
      this.post({ type: 'reference', runId, step: reference.step, totalSteps, reference: result });
    } catch (err) {
      this.post({
        type: 'reference',
        runId,
        step: reference.step,
        totalSteps,
        error: `The unpruned reference could not be trained: ${err instanceof Error ? err.message : String(err)}.`,
      });
    } finally {
      reference.dispose();
      this.referenceRunning = false;
    }
  }

  /**
   * The same budgets spent by uniform shrinking (comparisons.ts), trained from scratch as long
   * as the run, on its data, schedule and seed, in this worker. Made once per run.
   */
  private async trainBaseline(): Promise<void> {
    const run = this.run;
    if (!run || !run.ended || !run.exporter) {
      this.notice(
        'warning',
        'The uniform-width baseline is trained for a finished run: finish one first.',
      );
      return;
    }
    if (this.baselineRunning) return;
    const runId = run.exporter.runId;
    const { trainer, config } = run;
    const totalSteps = config.schedule.totalSteps;
    if (run.baseline) {
      this.post({ type: 'baseline', runId, step: totalSteps, totalSteps, baseline: run.baseline });
      return;
    }
    const fail = (step: number, err: unknown) =>
      this.post({
        type: 'baseline',
        runId,
        step,
        totalSteps,
        error: `The uniform-width baseline could not be trained: ${err instanceof Error ? err.message : String(err)}`,
      });
    let network: ReturnType<typeof uniformBaselineNetwork>;
    try {
      network = uniformBaselineNetwork(trainer, config, { ...trainer.budgets });
    } catch (err) {
      fail(0, err);
      return;
    }
    this.baselineRunning = true;
    let baseline: PruningTrainer | undefined;
    try {
      baseline = new PruningTrainer(
        network.graph,
        trainer.dataset,
        { ...this.settingsFor(config), pruning: false },
        network.estimator,
      );
      this.post({ type: 'baseline', runId, step: 0, totalSteps });
      const accuracy = await trainToEnd(
        baseline,
        trainer.dataset.validation,
        () => this.run === run,
        (step) => this.post({ type: 'baseline', runId, step, totalSteps }),
      );
      const result = network.complete(accuracy, baseline.step);
      run.baseline = result;
      this.post({ type: 'baseline', runId, step: baseline.step, totalSteps, baseline: result });
    } catch (err) {
      fail(baseline?.step ?? 0, `${err instanceof Error ? err.message : String(err)}.`);
    } finally {
      baseline?.dispose();
      this.baselineRunning = false;
    }
  }

  private setBudgets(budgets: Budgets): void {
    if (this.starting) this.queuedBudgets = { ...budgets };
    else if (this.run && !this.run.ended) this.applyBudgets(this.run, budgets);
  }

  /**
   * New budgets for a running job, checked as a Start checks them: below the smallest network
   * they are refused (the run keeps its budgets), and once the network has been pruned to its
   * final size (fine-tuning) they could no longer change it. The page always hears back.
   */
  private applyBudgets(run: TrainingRunState, budgets: Budgets): void {
    const { trainer } = run;
    if (sameBudgets(budgets, trainer.budgets)) return;
    let refused: string | undefined;
    if (trainer.removed || trainer.phase === 'finetune' || trainer.phase === 'done') {
      refused =
        `The network was already pruned to its final size for the budgets in force; ` +
        `fine-tuning does not change its size, so the new budgets were not applied. ` +
        `Start a new run to prune to them.`;
    } else {
      const problem = feasibilityProblem(trainer.original, runBoard(run.config), budgets);
      if (problem) refused = `The new budgets were not applied: ${problem}`;
    }
    if (refused) {
      this.notice('error', refused);
    } else {
      trainer.setBudgets(budgets);
      const last = run.budgetHistory.at(-1);
      // Several changes before one step: the last one is what that step used.
      if (last && last.step === trainer.step) last.budgets = { ...budgets };
      else run.budgetHistory.push({ step: trainer.step, budgets: { ...budgets } });
    }
    this.post({
      type: 'budgets',
      budgets: { ...trainer.budgets },
      history: run.budgetHistory.map((c) => ({ ...c, budgets: { ...c.budgets } })),
      ...(refused ? { refused } : {}),
    });
  }

  private pause(): void {
    if (!this.run || this.run.ended || this.pauseGate) return;
    let release = () => {};
    const promise = new Promise<void>((resolve) => (release = resolve));
    this.pauseGate = { promise, release };
    this.post({ type: 'runState', state: 'paused' });
  }

  private resume(): void {
    const gate = this.pauseGate;
    if (!gate) return;
    this.pauseGate = undefined;
    gate.release();
    this.post({ type: 'runState', state: 'running' });
  }

  private stop(): void {
    if (!this.run || this.run.ended) return;
    this.run.stopRequested = true;
    this.resume();
  }

  private withMemory(metrics: StepMetrics): StepMetrics {
    const { numTensors, numBytes } = tf.memory();
    return { ...metrics, memory: { tensors: numTensors, bytes: numBytes } };
  }
}

class TrainingRunState {
  stopRequested = false;
  ended = false;
  repairReported = false;
  storageWarned = false;
  unprunedAccuracy?: number;
  unprunedStep?: number;
  exporter?: RunExporter;
  /** Every budget change with the step it applied from; the Start budgets first. */
  budgetHistory: BudgetChange[];
  /** The uniform-width baseline, once trained. */
  baseline?: UniformBaseline;
  /** The last checkpoint: roll-back target after a diverging step or a failed backend. */
  lastGood?: TrainerCheckpoint;
  lastSavedAt = performance.now();
  readonly startedAt = performance.now();
  /** Lets go of the run's lock (see RunLocks). */
  release?: () => void;

  constructor(
    public trainer: PruningTrainer,
    readonly config: RunConfig,
    public backend: BackendName,
    readonly modelName: string,
    /** Names the run's checkpoint and lock: unique per run, so tabs never share one. */
    readonly key: string,
  ) {
    this.budgetHistory = [{ step: trainer.step, budgets: { ...trainer.budgets } }];
  }
}

const mibOf = (bytes: number) => Number((bytes / 1024 / 1024).toPrecision(3));

function sameBudgets(a: Budgets, b: Budgets): boolean {
  return (['flash', 'ram', 'latency', 'macs'] as const).every((r) => a[r] === b[r]);
}

/** A step that never ends (fault injection): blocks the worker until the page ends it. */
function spinForever(): void {
  const until = performance.now() + 60 * 60 * 1000;
  while (performance.now() < until) {
    // Nothing: the worker cannot read messages meanwhile, as in a stuck kernel.
  }
}

/** A key no other run of any tab has: time and randomness. */
function newRunKey(): string {
  const random = Math.floor(Math.random() * 2 ** 48).toString(36);
  return `run-${Date.now().toString(36)}-${random}`;
}

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

/** A copy of the bytes in a buffer of their own (the original stays for later downloads). */
function copy(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer;
}

/** What names the dataset of a run: in its summary, report and run file. */
