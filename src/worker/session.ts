/**
 * Everything the training worker does, as a class that takes the messages of protocol.ts and
 * emits its events through `post`: so the whole command flow also runs in Node tests.
 */
import * as tf from '@tensorflow/tfjs';
import { analyseGraph, type AnalysedGraph } from '../core/graphAnalysis';
import { zooModel } from '../core/zoo';
import { boardById } from '../core/hardware';
import type { Dataset } from '../data/dataset';
import { DatasetError } from '../data/dataset';
import { generateShapes } from '../data/generated';
import { loadBuiltinMnist } from '../data/mnist';
import { browserImageDecoder } from '../data/uploads/browserDecode';
import { detectUploadFormat, loadUpload, type UploadFile as DataUploadFile } from '../data/uploads';
import { RunExporter } from './exports';
import type { BackendChoice, BackendName } from '../train/backend';
import { createResourceEstimator, feasibilityProblem } from '../train/estimator';
import { PruningTrainer, type StepResult } from '../train/trainer';
import type {
  Budgets,
  DatasetSpec,
  DatasetSummary,
  ExportFormat,
  RunConfig,
  RunSummary,
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
const PREVIEW_SAMPLES = 24;

export class TrainingSession {
  private baseUrl = '';
  private backend: BackendName = 'cpu';
  private dataset?: Dataset;
  private datasetWarnings: string[] = [];
  private run?: TrainingRunState;
  private pauseGate?: { promise: Promise<void>; release: () => void };

  constructor(
    private readonly post: Post,
    private readonly selectBackend: SelectBackend,
  ) {}

  async handle(command: WorkerCommand): Promise<void> {
    switch (command.type) {
      case 'init': {
        this.baseUrl = command.baseUrl ?? '';
        const choice = await this.selectBackend(command.backends, command.simulatedFailures);
        this.backend = choice.active;
        this.post({ type: 'backend', active: choice.active, skipped: choice.skipped });
        return;
      }
      case 'loadDataset':
        return this.loadDataset(command.spec, command.requestId);
      case 'start':
        return this.start(command.config);
      case 'setBudgets':
        return this.setBudgets(command.budgets);
      case 'pause':
        return this.pause();
      case 'resume':
        return this.resume();
      case 'stop':
        return this.stop();
      case 'export':
        return this.exportFile(command.format, command.requestId);
    }
  }

  private async buildDataset(spec: DatasetSpec): Promise<{ dataset: Dataset; warnings: string[] }> {
    switch (spec.kind) {
      case 'mnist': {
        const url = this.baseUrl ? new URL('data/mnist.bin', this.baseUrl).href : 'data/mnist.bin';
        return { dataset: await loadBuiltinMnist((u) => fetch(u), url), warnings: [] };
      }
      case 'generated':
        return {
          dataset: generateShapes({
            seed: spec.seed,
            classes: spec.classes,
            size: spec.size,
            samples: spec.samples,
          }),
          warnings: [],
        };
      case 'upload': {
        const files: DataUploadFile[] = spec.files.map((f) => ({
          path: f.path,
          size: f.file.size,
          bytes: () => f.file.arrayBuffer(),
        }));
        const detected = detectUploadFormat(files);
        if (spec.format && detected && spec.format !== detected) {
          throw new DatasetError(
            `the chosen files look like ${detected}, not ${spec.format}: pick the matching upload type`,
          );
        }
        const result = await loadUpload(files, {
          image: { targetShape: spec.imageShape ?? [32, 32, 3], decode: browserImageDecoder },
        });
        return { dataset: result.dataset, warnings: result.warnings };
      }
    }
  }

  /** Loads a dataset; on any problem the current dataset (and run) stay as they were. */
  private async loadDataset(spec: DatasetSpec, requestId: number): Promise<void> {
    try {
      const { dataset, warnings } = await this.buildDataset(spec);
      this.dataset = dataset;
      this.datasetWarnings = warnings;
      this.post({ type: 'dataset', requestId, summary: summarise(dataset, warnings) });
    } catch (err) {
      this.post({
        type: 'datasetError',
        requestId,
        message: err instanceof Error ? err.message : String(err),
        file: err instanceof DatasetError ? err.file : undefined,
      });
    }
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

  private async start(config: RunConfig): Promise<void> {
    if (this.run && !this.run.ended) {
      this.notice('warning', 'A run is already in progress: stop it before starting another.');
      return;
    }
    if (!this.dataset) {
      const { dataset, warnings } = await this.buildDataset(config.dataset);
      this.dataset = dataset;
      this.datasetWarnings = warnings;
      this.post({ type: 'dataset', requestId: 0, summary: summarise(dataset, warnings) });
    }
    const dataset = this.dataset;
    const analysed = this.prepareModel(config, dataset);
    if (!analysed) {
      this.post({ type: 'runState', state: 'stopped' });
      return;
    }
    const estimator = createResourceEstimator(analysed, config.boardId);
    const problem = feasibilityProblem(analysed, config.boardId, config.budgets);
    if (problem) {
      this.notice('error', problem);
      this.post({ type: 'runState', state: 'stopped' });
      return;
    }
    const trainer = new PruningTrainer(
      analysed,
      dataset,
      {
        totalSteps: config.schedule.totalSteps,
        warmupFraction: config.schedule.warmupFraction,
        pruneFraction: config.schedule.pruneFraction,
        batchSize: config.batchSize,
        learningRate: config.learningRate,
        seed: config.seed,
        budgets: config.budgets,
        validationEvery: Math.max(10, Math.round(config.schedule.totalSteps / 10)),
        validationSamples: 500,
      },
      estimator,
    );
    const run = new TrainingRunState(
      trainer,
      config,
      this.backend,
      dataset.name,
      zooModel(config.modelId).name,
    );
    this.run?.trainer.dispose();
    this.run = run;
    this.post({ type: 'runState', state: 'running' });
    await this.loop(run);
  }

  private async loop(run: TrainingRunState): Promise<void> {
    const { trainer } = run;
    let lastPost = 0;
    let lastPhase = trainer.phase;
    while (!trainer.done && !run.stopRequested) {
      if (this.pauseGate) {
        await this.pauseGate.promise;
        continue;
      }
      const began = performance.now();
      const phaseBefore = trainer.phase;
      let result: StepResult;
      try {
        result = await trainer.trainStep();
      } catch (err) {
        run.ended = true;
        this.notice(
          'error',
          `Training stopped: ${err instanceof Error ? err.message : String(err)}`,
        );
        this.post({ type: 'runState', state: 'stopped' });
        return;
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
        this.post({ type: 'metrics', metrics: trainer.metrics(result, stepMs) });
      }
      // Let queued commands (pause, budgets, stop) in between steps.
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    if (run.stopRequested) {
      run.ended = true;
      this.post({ type: 'runState', state: 'stopped' });
      return;
    }
    await this.finish(run);
  }

  private async finish(run: TrainingRunState): Promise<void> {
    const { trainer } = run;
    trainer.lastValidationAccuracy = await trainer.accuracy(trainer.dataset.validation);
    run.ended = true;
    const final = trainer.estimator.report(trainer.keptCounts()).values;
    const unpruned = trainer.estimator.report(trainer.original.groups.map((g) => g.size)).values;
    const summary: RunSummary = {
      id: `run-${Date.now().toString(36)}`,
      finishedAt: new Date().toISOString(),
      config: run.config,
      datasetName: run.datasetName,
      modelName: run.modelName,
      boardName: boardById(run.config.boardId).name,
      validationAccuracy: trainer.lastValidationAccuracy,
      unprunedValidationAccuracy: run.unprunedAccuracy,
      resources: final,
      unpruned,
      keptPerGroup: trainer.original.groups
        .filter((g) => g.prunable)
        .map((g) => ({ name: g.name, kept: trainer.keptCounts()[g.index], size: g.size })),
      backend: run.backend,
      steps: trainer.step,
      durationMs: performance.now() - run.startedAt,
    };
    this.post({
      type: 'metrics',
      metrics: trainer.metrics({ loss: NaN, accuracy: NaN }, 0),
    });
    run.exporter = new RunExporter(trainer, summary);
    this.post({ type: 'finished', summary });
    this.post({ type: 'runState', state: 'finished' });
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
      const bytes = file.bytes.slice().buffer;
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

  private setBudgets(budgets: Budgets): void {
    this.run?.trainer.setBudgets(budgets);
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

  /** Tensors held by tfjs now: for leak checks. */
  get tensorCount(): number {
    return tf.memory().numTensors;
  }
}

class TrainingRunState {
  stopRequested = false;
  ended = false;
  repairReported = false;
  unprunedAccuracy?: number;
  exporter?: RunExporter;
  readonly startedAt = performance.now();

  constructor(
    readonly trainer: PruningTrainer,
    readonly config: RunConfig,
    readonly backend: BackendName,
    readonly datasetName: string,
    readonly modelName: string,
  ) {}
}

/** A few samples scaled to [0, 1] for the preview grid, and the dataset's figures. */
export function summarise(dataset: Dataset, warnings: string[]): DatasetSummary {
  const [h, w, c] = dataset.inputShape;
  const n = h * w * c;
  const count = Math.min(PREVIEW_SAMPLES, dataset.train.count);
  const raw = dataset.train.x.subarray(0, count * n);
  let min = Infinity;
  let max = -Infinity;
  for (const v of raw) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const range = max > min ? max - min : 1;
  const x = Float32Array.from(raw, (v) => (v - min) / range);
  return {
    id: dataset.id,
    name: dataset.name,
    inputShape: dataset.inputShape,
    numClasses: dataset.numClasses,
    classNames: dataset.classNames,
    trainCount: dataset.train.count,
    validationCount: dataset.validation.count,
    warnings,
    preview: { x, y: dataset.train.y.slice(0, count), count },
  };
}
