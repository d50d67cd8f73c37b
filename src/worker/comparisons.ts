/**
 * The networks a finished run is compared with, trained in the worker after it: the unpruned
 * reference (the same model at full width) and the uniform-width baseline (every prunable group
 * shrunk by one multiplier until the run's budgets are met). Both train from scratch for the
 * run's length, on its data, schedule and seed.
 */
import { analyseGraph, type AnalysedGraph } from '../core/graphAnalysis';
import { runBoard } from '../core/hardware';
import { fitsBudgets, largestUniformRatio } from '../core/uniformWidth';
import type { DatasetSplit } from '../data/dataset';
import { createResourceEstimator } from '../train/estimator';
import { prunedGraph } from '../train/physical';
import { PruningTrainer } from '../train/trainer';
import type { Budgets, RunConfig, UniformBaseline } from './protocol';

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
