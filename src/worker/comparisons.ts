/**
 * The networks a finished run is compared with, trained in the worker after it: the unpruned
 * reference (the same model at full width) and the uniform-width baseline (every prunable group
 * shrunk by one multiplier until the run's budgets are met). Both train from scratch for the
 * run's length, on its data, schedule and seed.
 */
import { analyseGraph, type AnalysedGraph } from '../core/graphAnalysis';
import { runBoard } from '../core/hardware';
import { fitsBudgets, largestUniformRatio } from '../core/uniformWidth';
import type { Dataset, DatasetSplit } from '../data/dataset';
import { createResourceEstimator } from '../train/estimator';
import { prunedGraph } from '../train/physical';
import { PruningTrainer } from '../train/trainer';
import type { Budgets, ReferenceAccuracy, RunConfig, UniformBaseline } from './protocol';
import {
  messageOf,
  settingsFor,
  type Notify,
  type Post,
  type TrainingRunState,
} from './trainingRun';

/** Least time between two progress messages of a comparison run. */
const PROGRESS_INTERVAL_MS = 250;

/**
 * Trains `trainer` to its last step, one step per task (the worker keeps answering commands),
 * reporting progress at most every 250 ms; stops with an error once `stillWanted()` is false
 * (a new run took over). Returns the validation accuracy of the trained network.
 */
export async function trainToEnd(
  trainer: PruningTrainer,
  validation: DatasetSplit,
  stillWanted: () => boolean,
  progress: (step: number) => void,
): Promise<number> {
  let lastPost = 0;
  while (!trainer.done) {
    if (!stillWanted()) throw new Error('a new run started');
    await trainer.trainStep();
    const now = performance.now();
    if (now - lastPost >= PROGRESS_INTERVAL_MS) {
      lastPost = now;
      progress(trainer.step);
    }
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  const accuracy = await trainer.accuracy(validation);
  if (!Number.isFinite(accuracy)) throw new Error('its accuracy could not be measured');
  return accuracy;
}

/** What makes two unpruned references the same network (with the same data). */
export function referenceKey(config: RunConfig): string {
  return JSON.stringify({
    model: config.modelId,
    width: config.widthMultiplier,
    schedule: config.schedule,
    batch: config.batchSize,
    lr: config.learningRate,
    seed: config.seed,
  });
}

/**
 * The uniform-width network for a run's budgets, not yet trained: the largest multiplier whose
 * network the run's resource model says fits (throws when none does), its graph, its figures,
 * and the baseline record to fill in once trained (`complete`).
 */
export function uniformBaselineNetwork(
  run: PruningTrainer,
  config: RunConfig,
  budgets: Budgets,
): {
  graph: AnalysedGraph;
  estimator: ReturnType<typeof createResourceEstimator>;
  complete: (accuracy: number, steps: number) => UniformBaseline;
} {
  const original = run.original;
  const sized = largestUniformRatio(original, (kept) => run.estimator.report(kept).values, budgets);
  const graph = analyseGraph(
    prunedGraph(
      original,
      sized.kept.map((k) => Array.from({ length: k }, (_, c) => c)),
    ),
  );
  const estimator = createResourceEstimator(graph, runBoard(config));
  const resources = estimator.report(graph.groups.map((g) => g.size)).values;
  return {
    graph,
    estimator,
    complete: (accuracy, steps) => ({
      ratio: sized.ratio,
      keptPerGroup: original.groups
        .filter((g) => g.prunable)
        .map((g) => ({ name: g.name, kept: sized.kept[g.index], size: g.size })),
      accuracy,
      steps,
      validationSamples: run.dataset.validation.count,
      resources,
      budgets,
      fits: fitsBudgets(resources, budgets),
    }),
  };
}

/**
 * The comparisons the page asks for once a run has finished, trained one of each kind at a
 * time in this worker and dropped when a new run starts (`current()` is no longer that run).
 */
export class RunComparisons {
  /** Full-length unpruned references, by dataset (the very data) and configuration. */
  private readonly references = new WeakMap<Dataset, Map<string, ReferenceAccuracy>>();
  private referenceRunning = false;
  private baselineRunning = false;

  constructor(
    private readonly current: () => TrainingRunState | undefined,
    private readonly post: Post,
    private readonly notice: Notify,
  ) {}

  /** The finished run that `what` is trained for; undefined after saying there is none. */
  private finishedRun(what: string) {
    const run = this.current();
    if (!run || !run.ended || !run.exporter) {
      this.notice('warning', `${what} is trained for a finished run: finish one first.`);
      return undefined;
    }
    const { trainer, config } = run;
    return {
      run,
      runId: run.exporter.runId,
      trainer,
      config,
      totalSteps: config.schedule.totalSteps,
    };
  }

  /**
   * The fair reference for a finished run: its unpruned network (same model, data, schedule,
   * seed) trained for the run's full length. Made once per configuration and reused.
   */
  async trainReference(): Promise<void> {
    const finished = this.finishedRun('The unpruned reference');
    if (!finished || this.referenceRunning) return;
    const { run, runId, trainer, config, totalSteps } = finished;
    const key = referenceKey(config);
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
      { ...settingsFor(config), pruning: false },
      trainer.estimator,
    );
    try {
      const accuracy = await trainToEnd(
        reference,
        trainer.dataset.validation,
        () => this.current() === run,
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
        error: `The unpruned reference could not be trained: ${messageOf(err)}.`,
      });
    } finally {
      reference.dispose();
      this.referenceRunning = false;
    }
  }

  /**
   * The same budgets spent by uniform shrinking (uniformBaselineNetwork), trained from scratch
   * as long as the run, on its data, schedule and seed, in this worker. Made once per run.
   */
  async trainBaseline(): Promise<void> {
    const finished = this.finishedRun('The uniform-width baseline');
    if (!finished || this.baselineRunning) return;
    const { run, runId, trainer, config, totalSteps } = finished;
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
        error: `The uniform-width baseline could not be trained: ${messageOf(err)}`,
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
        { ...settingsFor(config), pruning: false },
        network.estimator,
      );
      this.post({ type: 'baseline', runId, step: 0, totalSteps });
      const accuracy = await trainToEnd(
        baseline,
        trainer.dataset.validation,
        () => this.current() === run,
        (step) => this.post({ type: 'baseline', runId, step, totalSteps }),
      );
      const result = network.complete(accuracy, baseline.step);
      run.baseline = result;
      this.post({ type: 'baseline', runId, step: baseline.step, totalSteps, baseline: result });
    } catch (err) {
      fail(baseline?.step ?? 0, `${messageOf(err)}.`);
    } finally {
      baseline?.dispose();
      this.baselineRunning = false;
    }
  }
}
