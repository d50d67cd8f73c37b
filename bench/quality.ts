/**
 * Quality at a budget (METHOD.md §7): final validation accuracy of
 *   (a) prune-while-training (this method),
 *   (b) the same architecture uniformly scaled in width to fit the budget, trained from scratch,
 *   (c) L1-norm filter pruning (Li et al., "Pruning Filters for Efficient ConvNets", 2017) with
 *       one uniform per-layer ratio that fits the budget, applied after the same warm-up and
 *       fine-tuned for the remaining steps,
 * all with the same steps, batch, learning rate, data order and seed. Runs on the active backend.
 */
import { analyseGraph, type AnalysedGraph } from '../src/core/graphAnalysis';
import { scheduleBoundaries } from '../src/core/pruning';
import type { Budgets, ResourceFigures, ResourceName } from '../src/core/resources';
import { zooModel } from '../src/core/zoo';
import {
  fitsBudgets,
  largestUniformRatio as largestRatio,
  uniformKept,
} from '../src/core/uniformWidth';
import type { Dataset } from '../src/data/dataset';
import { createResourceEstimator } from '../src/train/estimator';
import { MaskedNetwork, type LayerWeights } from '../src/train/network';
import { prunedGraph, prunedWeights } from '../src/train/physical';
import { PruningTrainer, type ResourceEstimator, type TrainerSettings } from '../src/train/trainer';
import type { Progress } from './timing';

export type Method = 'unpruned' | 'pruning' | 'uniform' | 'magnitude';

export const METHOD_LABEL: Record<Method, string> = {
  unpruned: 'unpruned (reference, no budget)',
  pruning: '(a) prune while training (this method)',
  uniform: '(b) uniform width, from scratch',
  magnitude: '(c) L1 filter pruning after warm-up',
};

export interface BudgetSpec {
  resource: Extract<ResourceName, 'flash' | 'ram'>;
  /** Budget = unpruned figure / divisor. */
  divisor: number;
}

export interface QualityConfig {
  model: string;
  width: number;
  steps: number;
  batch: number;
  learningRate: number;
  warmupFraction: number;
  pruneFraction: number;
  seeds: readonly number[];
  budgets: readonly BudgetSpec[];
  /** Validation samples for the final accuracy (the first n of the validation split). */
  validationSamples: number;
  /** Also train the unpruned network per seed (a reference row). */
  unprunedReference: boolean;
  board: string;
}

export interface QualityRun {
  method: Method;
  /** Index into config.budgets; -1 for the unpruned reference. */
  budget: number;
  seed: number;
  accuracy: number;
  /** The final network's figure for the budgeted resource, from its own resource model. */
  value: number;
  fits: boolean;
  /** Channels kept per prunable group. */
  kept: number[];
  /** Uniform width multiplier for (b) and (c). */
  ratio?: number;
  note?: string;
  ms: number;
}

export interface QualityResult {
  unpruned: ResourceFigures;
  groups: { name: string; size: number }[];
  budgetValues: number[];
  trainSamples: number;
  validationSamples: number;
  runs: QualityRun[];
}

export function buildModel(config: Pick<QualityConfig, 'model' | 'width'>, dataset: Dataset) {
  return analyseGraph(
    zooModel(config.model).build({
      inputShape: dataset.inputShape,
      numClasses: dataset.numClasses,
      widthMultiplier: config.width,
    }),
  );
}

/** The uniform-width baseline's search, shared with the app (src/core/uniformWidth.ts). */
export { fitsBudgets, uniformKept };

/** The largest uniform width multiplier whose network the run's estimator says fits. */
export function largestUniformRatio(
  analysed: AnalysedGraph,
  estimator: ResourceEstimator,
  budgets: Budgets,
): { ratio: number; kept: number[] } {
  return largestRatio(analysed, (kept) => estimator.report(kept).values, budgets);
}

/**
 * L1 norm of each output channel's filter, per channel group: the sum of |w| over every conv and
 * dense kernel whose output channels belong to the group (several layers where a residual add
 * ties them together).
 */
export function filterNorms(
  analysed: AnalysedGraph,
  weights: Map<string, LayerWeights>,
): Float64Array[] {
  const norms = analysed.groups.map((g) => new Float64Array(g.size));
  for (const [id, layer] of weights) {
    const node = analysed.nodes.get(id)!;
    if ((node.op !== 'conv2d' && node.op !== 'dense') || !layer.kernel) continue;
    const outputs = node.op === 'conv2d' ? node.filters : node.units;
    const kernel = layer.kernel;
    let offset = 0;
    for (const segment of analysed.channelSegments.get(id)!) {
      const norm = norms[segment.group];
      for (let c = 0; c < segment.channels; c++) {
        let s = 0;
        for (let i = offset + c; i < kernel.length; i += outputs) s += Math.abs(kernel[i]);
        norm[c] += s;
      }
      offset += segment.channels;
    }
  }
  return norms;
}

/** Indices of the `k` largest values, ascending (ties: lower index first). */
export function topChannels(norm: ArrayLike<number>, k: number): number[] {
  const order = Array.from({ length: norm.length }, (_, c) => c);
  order.sort((a, b) => norm[b] - norm[a] || a - b);
  return order.slice(0, k).sort((a, b) => a - b);
}

/**
 * Magnitude pruning of a plain trainer's network in place: keeps the filters of largest L1 norm
 * (kept[g] per group), removes the rest physically, and carries the Adam moments over, as the
 * pruning trainer does at its own removal.
 */
export async function applyMagnitudePruning(
  trainer: PruningTrainer,
  kept: readonly number[],
): Promise<number[][]> {
  const original = trainer.original;
  const weights = await trainer.network.readWeights();
  const norms = filterNorms(original, weights);
  const indices = original.groups.map((g, i) =>
    g.prunable ? topChannels(norms[i], kept[i]) : Array.from({ length: g.size }, (_, c) => c),
  );
  const smaller = analyseGraph(prunedGraph(original, indices));
  const state = await trainer.optimizer.readState(trainer.network);
  const next = new MaskedNetwork(smaller, prunedWeights(original, weights, indices), {
    masks: false,
  });
  trainer.optimizer.restoreState(next, {
    step: state.step,
    m: prunedWeights(original, state.m, indices),
    v: prunedWeights(original, state.v, indices),
  });
  trainer.network.dispose();
  trainer.network = next;
  trainer.current = smaller;
  return indices;
}

/** Figures of a (physically smaller) graph at its full width, from its own resource model. */
function ownFigures(graph: AnalysedGraph, board: string): ResourceFigures {
  return createResourceEstimator(graph, board).report(graph.groups.map((g) => g.size)).values;
}

function trainerSettings(config: QualityConfig, seed: number, budgets: Budgets): TrainerSettings {
  return {
    totalSteps: config.steps,
    warmupFraction: config.warmupFraction,
    pruneFraction: config.pruneFraction,
    batchSize: config.batch,
    learningRate: config.learningRate,
    seed,
    budgets,
    validationEvery: 0,
    validationSamples: config.validationSamples,
  };
}

async function finish(trainer: PruningTrainer, config: QualityConfig) {
  while (!trainer.done) await trainer.trainStep();
  return trainer.accuracy(trainer.dataset.validation, config.validationSamples);
}

export async function runQuality(
  dataset: Dataset,
  config: QualityConfig,
  progress: Progress = () => {},
): Promise<QualityResult> {
  const analysed = buildModel(config, dataset);
  const estimator = createResourceEstimator(analysed, config.board);
  const fullSizes = analysed.groups.map((g) => g.size);
  const unpruned = estimator.report(fullSizes).values;
  const budgetValues = config.budgets.map((b) => unpruned[b.resource] / b.divisor);
  const prunable = (kept: number[]) => kept.filter((_, g) => analysed.groups[g].prunable);
  const runs: QualityRun[] = [];
  const record = (run: QualityRun) => {
    runs.push(run);
    const label = run.budget < 0 ? 'no budget' : describeBudget(config.budgets[run.budget]);
    progress(
      `  ${label.padEnd(11)} seed ${run.seed} ${run.method.padEnd(9)} acc ${(run.accuracy * 100).toFixed(1)}%` +
        ` kept ${run.kept.join('-')}${run.fits ? '' : ' OVER BUDGET'} (${(run.ms / 1000).toFixed(1)} s)`,
    );
  };

  for (const seed of config.seeds) {
    if (config.unprunedReference) {
      const began = performance.now();
      const trainer = new PruningTrainer(
        analysed,
        dataset,
        { ...trainerSettings(config, seed, {}), pruning: false },
        estimator,
      );
      const accuracy = await finish(trainer, config);
      trainer.dispose();
      record({
        method: 'unpruned',
        budget: -1,
        seed,
        accuracy,
        value: NaN,
        fits: true,
        kept: prunable(fullSizes),
        ms: performance.now() - began,
      });
    }
    for (const [b, spec] of config.budgets.entries()) {
      const budgets: Budgets = { [spec.resource]: budgetValues[b] };
      const uniform = largestUniformRatio(analysed, estimator, budgets);

      // (a) this method.
      let began = performance.now();
      const trainer = new PruningTrainer(
        analysed,
        dataset,
        trainerSettings(config, seed, budgets),
        estimator,
      );
      let accuracy = await finish(trainer, config);
      let value = ownFigures(trainer.current, config.board)[spec.resource];
      record({
        method: 'pruning',
        budget: b,
        seed,
        accuracy,
        value,
        fits: value <= budgetValues[b],
        kept: prunable(trainer.keptCounts()),
        note: trainer.repairNote,
        ms: performance.now() - began,
      });
      trainer.dispose();

      // (b) uniform width from scratch.
      began = performance.now();
      const scaled = analyseGraph(
        prunedGraph(
          analysed,
          uniform.kept.map((k) => Array.from({ length: k }, (_, c) => c)),
        ),
      );
      const scaledTrainer = new PruningTrainer(
        scaled,
        dataset,
        { ...trainerSettings(config, seed, {}), pruning: false },
        createResourceEstimator(scaled, config.board),
      );
      accuracy = await finish(scaledTrainer, config);
      value = ownFigures(scaled, config.board)[spec.resource];
      scaledTrainer.dispose();
      record({
        method: 'uniform',
        budget: b,
        seed,
        accuracy,
        value,
        fits: value <= budgetValues[b],
        kept: prunable(uniform.kept),
        ratio: uniform.ratio,
        ms: performance.now() - began,
      });

      // (c) L1 filter pruning after the same warm-up, fine-tuned for the remaining steps.
      began = performance.now();
      const magnitude = new PruningTrainer(
        analysed,
        dataset,
        { ...trainerSettings(config, seed, {}), pruning: false },
        estimator,
      );
      const { warmupEnd } = scheduleBoundaries(config.steps, config);
      while (magnitude.step < warmupEnd) await magnitude.trainStep();
      await applyMagnitudePruning(magnitude, uniform.kept);
      accuracy = await finish(magnitude, config);
      value = ownFigures(magnitude.current, config.board)[spec.resource];
      magnitude.dispose();
      record({
        method: 'magnitude',
        budget: b,
        seed,
        accuracy,
        value,
        fits: value <= budgetValues[b],
        kept: prunable(uniform.kept),
        ratio: uniform.ratio,
        ms: performance.now() - began,
      });
    }
  }
  return {
    unpruned,
    groups: analysed.groups.filter((g) => g.prunable).map((g) => ({ name: g.name, size: g.size })),
    budgetValues,
    trainSamples: dataset.train.count,
    validationSamples: Math.min(config.validationSamples, dataset.validation.count),
    runs,
  };
}

export function describeBudget(spec: BudgetSpec): string {
  return `${spec.resource} 1/${spec.divisor}`;
}
