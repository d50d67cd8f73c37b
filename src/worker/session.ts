/**
 * Everything the training worker does, as a class that takes the messages of protocol.ts and
 * emits its events through `post`: so the whole command flow also runs in Node tests. The
 * session owns the state (the run, the backend, the Start in flight) and hands the work to its
 * modules: recovery.ts (checkpoints, roll-back, fallback, failed starts), runLoop.ts (steps,
 * pause, budgets), runFiles.ts (a finished run's files), comparisons.ts and datasets.ts.
 */
import { analyseGraph, type AnalysedGraph } from '../core/graphAnalysis';
import { zooModel } from '../core/zoo';
import { runBoard } from '../core/hardware';
import type { Dataset } from '../data/dataset';
import { WorkerDatasets } from './datasets';
import { BACKEND_PREFERENCE, selectFastestBackend, type BackendChoice } from '../train/backend';
import { createResourceEstimator, feasibilityProblem } from '../train/estimator';
import { PruningTrainer } from '../train/trainer';
import { phaseAt } from '../core/pruning';
import { trainingMemoryProblem } from '../core/trainingMemory';
import {
  MemoryCheckpointStore,
  MemoryRunLocks,
  type CheckpointStore,
  type RunLocks,
} from './checkpointStore';
import { STORED_DATASET_LIMIT } from './checkpointCheck';
import { RunComparisons } from './comparisons';
import {
  fallBack,
  guardStart,
  restoredRun,
  RunCheckpoints,
  type Backends,
  type SelectBackend,
  type StartGuard,
} from './recovery';
import { applyBudgets, PauseGate, trainRun } from './runLoop';
import { exportFile, finishRun, sendClip } from './runFiles';
import {
  messageOf,
  newRunKey,
  settingsFor,
  TrainingRunState,
  type Notify,
  type Post,
} from './trainingRun';
import type {
  BackendName,
  BackendSetting,
  Budgets,
  RunConfig,
  SimulatedFaults,
  WorkerCommand,
} from './protocol';

export class TrainingSession {
  /** The backend in use, the order to fall back in, and the failures tests simulate. */
  private readonly backends: Backends = {
    active: 'cpu',
    preference: BACKEND_PREFERENCE,
    simulatedFailures: {},
  };
  /** The dataset in use, the chosen files and the load in flight. */
  private readonly datasets: WorkerDatasets;
  private readonly checkpoints: RunCheckpoints;
  private readonly comparisons: RunComparisons;
  /** True from a Start (or resume) until its run exists: budgets sent meanwhile wait here. */
  private starting = false;
  private queuedBudgets?: Budgets;
  private run?: TrainingRunState;
  /** The stored checkpoint this tab last offered to resume (a new run here replaces it). */
  private offeredKey?: string;
  /** The stored run being resumed and its lock, until its run state takes them over. */
  private resuming?: { key: string; release?: () => void };
  private readonly gate = new PauseGate();
  private faults: SimulatedFaults = {};
  private explicitOrder?: BackendName[];
  private readonly notice: Notify = (level, message) =>
    this.post({ type: 'notice', level, message });
  /** What guardStart needs of this session. */
  private readonly guard: StartGuard;

  constructor(
    private readonly post: Post,
    private readonly selectBackend: SelectBackend,
    store: CheckpointStore = new MemoryCheckpointStore(),
    private readonly selectFastest: typeof selectFastestBackend = selectFastestBackend,
    private readonly locks: RunLocks = new MemoryRunLocks(),
    /** Uploads up to this many bytes are kept with the checkpoint (tests set a small one). */
    storedDatasetLimit = STORED_DATASET_LIMIT,
  ) {
    this.datasets = new WorkerDatasets(post);
    this.checkpoints = new RunCheckpoints(store, locks, this.notice, storedDatasetLimit);
    this.comparisons = new RunComparisons(() => this.run, post, this.notice);
    this.guard = {
      current: () => this.run,
      takeResuming: () => {
        const resuming = this.resuming;
        this.resuming = undefined;
        return resuming;
      },
      checkpoints: this.checkpoints,
      notice: this.notice,
      refuseStart: (message) => this.refuseStart(message),
      queryCheckpoint: () => this.queryCheckpoint(),
    };
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
    if (command.type === 'sampleAudio')
      return sendClip(this.run, command, this.datasets, this.post);
    await this.ready;
    switch (command.type) {
      case 'start':
        return guardStart(this.guard, () => this.start(command.config, command.datasetKey));
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
        return guardStart(this.guard, () => this.resumeCheckpoint(command.key), {
          what: 'The interrupted run',
        });
      case 'discardCheckpoint':
        return this.discardCheckpoint(command.key);
      case 'export':
        return exportFile(this.run, command.format, command.requestId, this.post);
      case 'trainReference':
        return this.comparisons.trainReference();
      case 'trainBaseline':
        return this.comparisons.trainBaseline();
    }
  }

  private async initialise(command: Extract<WorkerCommand, { type: 'init' }>): Promise<void> {
    this.datasets.baseUrl = command.baseUrl ?? '';
    this.backends.simulatedFailures = command.simulatedFailures ?? {};
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
    const backends = this.backends;
    let result: BackendChoice;
    if (this.explicitOrder) {
      backends.preference = this.explicitOrder;
      result = await this.selectBackend(backends.preference, backends.simulatedFailures);
    } else if (choice === 'auto') {
      const fastest = await this.selectFastest(BACKEND_PREFERENCE, backends.simulatedFailures);
      backends.preference = fastest.order;
      result = fastest;
    } else {
      backends.preference = [choice, ...BACKEND_PREFERENCE.filter((b) => b !== choice)];
      result = await this.selectBackend(backends.preference, backends.simulatedFailures);
    }
    backends.active = result.active;
    this.post({
      type: 'backend',
      active: result.active,
      skipped: result.skipped,
      timings: result.timings,
    });
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
        return this.refuseStart(`The dataset could not be loaded: ${messageOf(err)}`);
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
      return this.refuseStart(messageOf(err));
    }
    const memory = trainingMemoryProblem(analysed, runConfig.batchSize, this.backends.active);
    if (memory) return this.refuseStart(memory);
    const problem = feasibilityProblem(analysed, board, runConfig.budgets);
    if (problem) return this.refuseStart(problem);
    const estimator = createResourceEstimator(analysed, board);
    const trainer = new PruningTrainer(analysed, dataset, settingsFor(runConfig), estimator);
    const key = newRunKey();
    const release = await this.locks.tryHold(key);
    const run = new TrainingRunState(
      trainer,
      runConfig,
      this.backends.active,
      zooModel(runConfig.modelId).name,
      key,
    );
    run.release = release;
    // A new run in this tab replaces the interrupted run it offered (unless another tab took it).
    const offered = this.offeredKey;
    this.offeredKey = undefined;
    if (offered && !(await this.locks.held()).has(offered)) {
      await this.checkpoints.clear(offered);
    }
    await this.checkpoints.tellOtherRuns(key);
    await this.launch(run);
  }

  /** Makes `run` the session's run and trains it to its end (finished, stopped or failed). */
  private async launch(run: TrainingRunState): Promise<void> {
    this.run?.trainer.dispose();
    this.run = run;
    if (this.queuedBudgets) applyBudgets(run, this.queuedBudgets, this.post, this.notice);
    this.starting = false;
    this.queuedBudgets = undefined;
    this.post({ type: 'runState', state: 'running' });
    run.lastGood = await run.trainer.checkpoint();
    const outcome = await trainRun(run, {
      post: this.post,
      notice: this.notice,
      gate: this.gate,
      faults: this.faults,
      checkpoints: this.checkpoints,
      fallBack: (failing, err) =>
        fallBack(failing, err, this.backends, this.selectBackend, this.post),
    });
    if (outcome === 'done') return finishRun(run, this.post, this.notice, this.checkpoints);
    // A failed run keeps its checkpoint, to resume once the problem is fixed.
    if (outcome === 'stopped') await this.checkpoints.clear(run.key);
    run.end();
    this.post({ type: 'runState', state: 'stopped' });
  }

  /** Answers whether an interrupted run can be resumed (after a reload or a worker crash). */
  private async queryCheckpoint(settleMs = 0): Promise<void> {
    const { found } = await this.resumable(settleMs);
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

  /** The newest stored run no tab is training (see RunCheckpoints.resumable). */
  private resumable(settleMs = 0) {
    const own = this.run && !this.run.ended ? this.run.key : undefined;
    return this.checkpoints.resumable(settleMs, own);
  }

  /** Forgets a stored checkpoint, unless its run is live in another tab. */
  private async discardCheckpoint(key = this.offeredKey): Promise<void> {
    if (key && !(await this.locks.held()).has(key)) await this.checkpoints.forget(key);
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
      const scan = await this.resumable();
      key = scan.found?.key;
      discardedInScan = scan.discarded;
    }
    // The lock first: two tabs pressing Resume on the same run cannot both continue it.
    const release = key ? await this.locks.tryHold(key) : undefined;
    const { stored, discarded } =
      key && release ? await this.checkpoints.load(key) : { stored: undefined, discarded: false };
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
        `The interrupted run's dataset could not be loaded: ${messageOf(err)}`,
      );
    }
    this.post({ type: 'dataset', requestId: 0, summary: this.datasets.use(dataset, []) });
    const analysed = this.prepareModel(config, dataset);
    if (!analysed) {
      release();
      await this.checkpoints.discard(
        'The interrupted run cannot be resumed with its model and dataset.',
        key,
      );
      this.refuseStart();
      return this.queryCheckpoint();
    }
    const memory = trainingMemoryProblem(analysed, config.batchSize, this.backends.active);
    if (memory) {
      release();
      return this.refuseStart(memory);
    }
    const run = restoredRun(stored, key, analysed, dataset, this.backends.active);
    run.release = release;
    this.resuming = undefined;
    const { trainer } = run;
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

  private setBudgets(budgets: Budgets): void {
    if (this.starting) this.queuedBudgets = { ...budgets };
    else if (this.run && !this.run.ended) {
      applyBudgets(this.run, budgets, this.post, this.notice);
    }
  }

  private pause(): void {
    if (!this.run || this.run.ended) return;
    if (this.gate.close()) this.post({ type: 'runState', state: 'paused' });
  }

  private resume(): void {
    if (this.gate.open()) this.post({ type: 'runState', state: 'running' });
  }

  private stop(): void {
    if (!this.run || this.run.ended) return;
    this.run.stopRequested = true;
    this.resume();
  }
}
