/**
 * Quality at a budget (METHOD.md §7): final validation accuracy of
 *   (a) prune-while-training (this method),
 *   (b) the same architecture uniformly scaled in width to fit the budget, trained from scratch,
 *   (c) L1-norm filter pruning (Li et al., "Pruning Filters for Efficient ConvNets", 2017) with
 *       one uniform per-layer ratio that fits the budget, applied after the same warm-up and
 *       fine-tuned for the remaining steps,
 *   (d) DPF-style pruning (Lin et al., "Dynamic Model Pruning with Feedback", 2020, as used for
 *       MCUs by uNAS): L2 filter saliency, one global cut across layers, a cubic schedule from the
 *       full network to the budget, masks refreshed every 16 steps, gradients applied to the dense
 *       weights (straight-through masks) so pruned filters keep learning, stopped at the budget,
 *   and a diagnostic row: (a)'s final widths trained from scratch (allocation vs schedule),
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
import { DEFAULT_SHRINK } from '../src/state/budgets';
import { createResourceEstimator } from '../src/train/estimator';
import { MaskedNetwork, type LayerWeights } from '../src/train/network';
import { prunedGraph, prunedWeights } from '../src/train/physical';
import { PruningTrainer, type ResourceEstimator, type TrainerSettings } from '../src/train/trainer';
import { repairNotice } from '../src/worker/runLoop';
import type { Progress } from './timing';

export type Method = 'unpruned' | 'pruning' | 'uniform' | 'magnitude' | 'dpf' | 'diagnostic';

/** Every method a budget runs, in table order. */
export const BUDGET_METHODS: readonly Exclude<Method, 'unpruned'>[] = [
  'pruning',
  'uniform',
  'magnitude',
  'dpf',
  'diagnostic',
];

export const METHOD_LABEL: Record<Method, string> = {
  unpruned: 'unpruned (reference, no budget)',
  pruning: '(a) prune while training (this method)',
  uniform: '(b) uniform width, from scratch',
  magnitude: '(c) L1 filter pruning after warm-up',
  dpf: '(d) DPF-style pruning (uNAS)',
  diagnostic: "diagnostic: (a)'s final widths, from scratch",
};

export type BudgetedResource = Extract<ResourceName, 'flash' | 'ram' | 'latency'>;
export const BUDGETED_RESOURCES: readonly BudgetedResource[] = ['flash', 'ram', 'latency'];

export interface BudgetSpec {
  /** Budget = unpruned figure / divisor, for each resource named (all at once). */
  divisors: Partial<Record<BudgetedResource, number>>;
  /** Name in the tables (default: "flash 1/4", "flash 1/8 + ram 1/2", ...). */
  name?: string;
}

/**
 * The combined preset: the studio's own default budgets for a board (src/state/budgets.ts
 * DEFAULT_SHRINK), flash, RAM and latency at once.
 */
export const BOARD_PRESET: BudgetSpec = {
  name: 'board preset',
  divisors: {
    flash: DEFAULT_SHRINK.flash,
    ram: DEFAULT_SHRINK.ram,
    latency: DEFAULT_SHRINK.latency,
  },
};

/**
 * A budget from the command line: "flash/4", "ram/4", "latency/8", "flash/8+ram/2", or
 * "board" (BOARD_PRESET). Throws with the accepted forms on anything else.
 */
export function parseBudget(text: string): BudgetSpec {
  if (text === 'board') return BOARD_PRESET;
  const divisors: Partial<Record<BudgetedResource, number>> = {};
  for (const part of text.split('+')) {
    const match = /^(flash|ram|latency)\/(\d+(?:\.\d+)?)$/.exec(part.trim());
    const divisor = match ? Number(match[2]) : NaN;
    if (!match || !(divisor >= 1))
      throw new Error(
        `Budget "${text}": expected resource/divisor with resource flash, ram or latency and a divisor ≥ 1 (e.g. flash/4, ram/4, latency/8, flash/8+ram/2) or "board".`,
      );
    const resource = match[1] as BudgetedResource;
    if (divisors[resource] !== undefined)
      throw new Error(`Budget "${text}": ${resource} is named twice.`);
    divisors[resource] = divisor;
  }
  return { divisors };
}

/** Built-in tasks of the quality section: the MNIST digits, or the textured shapes (harder). */
export const QUALITY_DATASETS = ['mnist', 'textured'] as const;
export type QualityDataset = (typeof QUALITY_DATASETS)[number];

export interface QualityConfig {
  /** The task (default mnist); absent in runs saved before the option existed. */
  dataset?: QualityDataset;
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
  /** Methods run at each budget (default: all of BUDGET_METHODS). */
  methods?: readonly Exclude<Method, 'unpruned'>[];
  /** Straight-through masks for (a) (default: the trainer's default). */
  straightThrough?: boolean;
  /** π controller options for (a) (default: the trainer's), for experiments. */
  pruningOptions?: TrainerSettings['pruningOptions'];
  /** (a)'s early removal: pruning steps in a row within budget (default: the trainer's). */
  settleSteps?: number;
  /** (a)'s settle band: the share of the tightest budget an early removal may leave unused. */
  settleBand?: number;
  /** (a)'s reallocation at the margin at removal: at most this many moves (default: none). */
  exchangeMoves?: number;
  /** DPF's mask refresh interval in steps (default 16). */
  dpfRefreshEvery?: number;
}

export interface QualityRun {
  method: Method;
  /** Index into config.budgets; -1 for the unpruned reference. */
  budget: number;
  seed: number;
  accuracy: number;
  /** The final network's figures for the budgeted resources, from its own resource model. */
  figures: Partial<Record<BudgetedResource, number>>;
  fits: boolean;
  /** Channels kept per prunable group. */
  kept: number[];
  /** (a): the step at which its pruned channels were removed. */
  removedAtStep?: number;
  /** Uniform width multiplier for (b) and (c). */
  ratio?: number;
  note?: string;
  ms: number;
}

export interface QualityResult {
  unpruned: ResourceFigures;
  groups: { name: string; size: number }[];
  /** Each budget spec's budgets (bytes, ms). */
  budgetValues: Budgets[];
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
 * L1 (or L2) norm of each output channel's filter, per channel group, over every conv and
 * dense kernel whose output channels belong to the group (several layers where a residual add
 * ties them together).
 */
export function filterNorms(
  analysed: AnalysedGraph,
  weights: Map<string, LayerWeights>,
  norm: 1 | 2 = 1,
): Float64Array[] {
  const norms = analysed.groups.map((g) => new Float64Array(g.size));
  for (const [id, layer] of weights) {
    const node = analysed.nodes.get(id)!;
    if ((node.op !== 'conv2d' && node.op !== 'dense') || !layer.kernel) continue;
    const outputs = node.op === 'conv2d' ? node.filters : node.units;
    const kernel = layer.kernel;
    let offset = 0;
    for (const segment of analysed.channelSegments.get(id)!) {
      const sums = norms[segment.group];
      for (let c = 0; c < segment.channels; c++) {
        let s = 0;
        for (let i = offset + c; i < kernel.length; i += outputs)
          s += norm === 1 ? Math.abs(kernel[i]) : kernel[i] * kernel[i];
        sums[c] += s;
      }
      offset += segment.channels;
    }
  }
  if (norm === 2) for (const sums of norms) sums.forEach((s, c) => (sums[c] = Math.sqrt(s)));
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
  await removePhysically(trainer, indices, weights);
  return indices;
}

/**
 * Replaces a plain trainer's network with the physically smaller one that keeps `indices` per
 * group, with the Adam moments carried over.
 */
export async function removePhysically(
  trainer: PruningTrainer,
  indices: number[][],
  weights?: Map<string, LayerWeights>,
): Promise<void> {
  const original = trainer.original;
  weights ??= await trainer.network.readWeights();
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
}

/** Figures of a (physically smaller) graph at its full width, from its own resource model. */
function ownFigures(graph: AnalysedGraph, board: string): ResourceFigures {
  return createResourceEstimator(graph, board).report(graph.groups.map((g) => g.size)).values;
}

/** The budgeted resources' figures of a final graph, and whether they meet the budgets. */
function check(graph: AnalysedGraph, board: string, budgets: Budgets) {
  const all = ownFigures(graph, board);
  const figures: Partial<Record<BudgetedResource, number>> = {};
  for (const r of BUDGETED_RESOURCES) if (budgets[r] !== undefined) figures[r] = all[r];
  return { figures, fits: fitsBudgets(all, budgets) };
}

/** The budgets of a spec for an unpruned network's figures. */
export function budgetsOf(spec: BudgetSpec, unpruned: ResourceFigures): Budgets {
  const budgets: Budgets = {};
  for (const r of BUDGETED_RESOURCES) {
    const d = spec.divisors[r];
    if (d !== undefined) budgets[r] = unpruned[r] / d;
  }
  return budgets;
}

/**
 * The cubic sparsity schedule of Zhu & Gupta (2017) on a resource: the full figure at progress
 * 0, the budget at progress 1, most of the cut early: full − (full − budget)·(1 − (1 − p)³).
 */
export function cubicTarget(full: number, budget: number, progress: number): number {
  const p = Math.min(1, Math.max(0, progress));
  return full - (full - budget) * (1 - (1 - p) ** 3);
}

/**
 * One global cut across layers (DPF as in uNAS): all prunable channels sorted by saliency, and
 * the longest prefix whose per-group counts (at least one channel per group) meet every target.
 * Returns the kept channel indices per group, ascending (fixed groups keep all).
 */
export function globalCut(
  analysed: AnalysedGraph,
  saliency: readonly ArrayLike<number>[],
  targets: Budgets,
  evaluate: (kept: readonly number[]) => ResourceFigures,
): number[][] {
  const all: { g: number; c: number; s: number }[] = [];
  analysed.groups.forEach((group, g) => {
    if (!group.prunable) return;
    for (let c = 0; c < group.size; c++) all.push({ g, c, s: saliency[g][c] });
  });
  all.sort((a, b) => b.s - a.s || a.g - b.g || a.c - b.c);
  const best = analysed.groups.map((group, g) =>
    group.prunable ? topChannels(saliency[g], 1)[0] : -1,
  );
  const keptAt = (k: number) => {
    const sets = analysed.groups.map((group, g) =>
      group.prunable
        ? new Set<number>([best[g]])
        : new Set(Array.from({ length: group.size }, (_, c) => c)),
    );
    for (let i = 0; i < k; i++) sets[all[i].g].add(all[i].c);
    return sets;
  };
  const fits = (k: number) => fitsBudgets(evaluate(keptAt(k).map((s) => s.size)), targets);
  let lo = 0;
  let hi = all.length;
  if (fits(hi)) lo = hi;
  else {
    // fits(lo) or lo = 0 (the smallest network, even if it does not fit); fits(hi) is false.
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (fits(mid)) lo = mid;
      else hi = mid;
    }
  }
  return keptAt(lo).map((set) => [...set].sort((a, b) => a - b));
}

/** Hard masks (1 = kept) from kept indices. */
function masksOf(analysed: AnalysedGraph, indices: number[][]): Float32Array[] {
  return analysed.groups.map((g, i) => {
    const m = new Float32Array(g.size);
    for (const c of indices[i]) m[c] = 1;
    return m;
  });
}

/**
 * (d) DPF-style pruning: the dense network trains with straight-through masks (gradients reach
 * the pruned filters' weights); from the end of warm-up, every `refreshEvery` steps the masks
 * are recomputed by one global L2-saliency cut meeting the cubic schedule's target; at the end
 * of the pruning phase the cut meets the budget itself and the pruned filters are removed
 * physically; the rest of the steps fine-tune the smaller network.
 */
export async function runDpf(
  analysed: AnalysedGraph,
  dataset: Dataset,
  settings: TrainerSettings,
  estimator: ResourceEstimator,
  refreshEvery = 16,
): Promise<PruningTrainer> {
  const budgets = settings.budgets;
  const network = MaskedNetwork.initialise(analysed, settings.seed, {
    masks: true,
    straightThrough: true,
  });
  const trainer = new PruningTrainer(
    analysed,
    dataset,
    { ...settings, budgets: {}, pruning: false },
    estimator,
    network,
  );
  const full = estimator.report(analysed.groups.map((g) => g.size)).values;
  const evaluate = (kept: readonly number[]) => estimator.report(kept).values;
  const { warmupEnd, pruneEnd } = scheduleBoundaries(settings.totalSteps, settings);
  const cut = async (progress: number) => {
    const targets: Budgets = {};
    for (const r of BUDGETED_RESOURCES) {
      const b = budgets[r];
      if (b !== undefined) targets[r] = cubicTarget(full[r], b, progress);
    }
    const saliency = filterNorms(analysed, await trainer.network.readWeights(), 2);
    return globalCut(analysed, saliency, targets, evaluate);
  };
  while (trainer.step < pruneEnd && !trainer.done) {
    const since = trainer.step - warmupEnd;
    if (since >= 0 && since % refreshEvery === 0)
      trainer.network.setMasks(
        masksOf(analysed, await cut(since / Math.max(1, pruneEnd - warmupEnd))),
      );
    await trainer.trainStep();
  }
  await removePhysically(trainer, await cut(1));
  return trainer;
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

/** A graph that keeps the first kept[g] channels of every group (for training from scratch). */
function narrowed(analysed: AnalysedGraph, kept: readonly number[]): AnalysedGraph {
  return analyseGraph(
    prunedGraph(
      analysed,
      kept.map((k) => Array.from({ length: k }, (_, c) => c)),
    ),
  );
}

export async function runQuality(
  dataset: Dataset,
  config: QualityConfig,
  progress: Progress = () => {},
  /** Called after every run with the results so far (a long run can write them as it goes). */
  onRun: (partial: QualityResult) => void = () => {},
): Promise<QualityResult> {
  const analysed = buildModel(config, dataset);
  const estimator = createResourceEstimator(analysed, config.board);
  const fullSizes = analysed.groups.map((g) => g.size);
  const unpruned = estimator.report(fullSizes).values;
  const budgetValues = config.budgets.map((spec) => budgetsOf(spec, unpruned));
  const methods = config.methods ?? BUDGET_METHODS;
  const prunable = (kept: number[]) => kept.filter((_, g) => analysed.groups[g].prunable);
  const runs: QualityRun[] = [];
  const resultSoFar = (): QualityResult => ({
    unpruned,
    groups: analysed.groups.filter((g) => g.prunable).map((g) => ({ name: g.name, size: g.size })),
    budgetValues,
    trainSamples: dataset.train.count,
    validationSamples: Math.min(config.validationSamples, dataset.validation.count),
    runs: [...runs],
  });
  const record = (run: QualityRun) => {
    runs.push(run);
    onRun(resultSoFar());
    const label = run.budget < 0 ? 'no budget' : describeBudget(config.budgets[run.budget]);
    progress(
      `  ${config.steps} steps ${label.padEnd(12)} seed ${run.seed} ${run.method.padEnd(10)} acc ${(run.accuracy * 100).toFixed(2)}%` +
        ` kept ${run.kept.join('-')}${run.removedAtStep !== undefined ? ` removed@${run.removedAtStep}` : ''}${run.fits ? '' : ' OVER BUDGET'} (${(run.ms / 1000).toFixed(1)} s)`,
    );
  };
  /** Trains a graph from scratch (plain training) and records it. */
  const fromScratch = async (
    method: Method,
    b: number,
    seed: number,
    kept: number[],
    ratio?: number,
  ) => {
    const began = performance.now();
    const graph = narrowed(analysed, kept);
    const plain = new PruningTrainer(
      graph,
      dataset,
      { ...trainerSettings(config, seed, {}), pruning: false },
      createResourceEstimator(graph, config.board),
    );
    const accuracy = await finish(plain, config);
    plain.dispose();
    record({
      method,
      budget: b,
      seed,
      accuracy,
      ...check(graph, config.board, budgetValues[b]),
      kept: prunable(kept),
      ratio,
      ms: performance.now() - began,
    });
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
        figures: {},
        fits: true,
        kept: prunable(fullSizes),
        ms: performance.now() - began,
      });
    }
    for (const b of config.budgets.keys()) {
      const budgets = budgetValues[b];
      const uniform = largestUniformRatio(analysed, estimator, budgets);

      // (a) this method, and the diagnostic: its final widths from scratch.
      if (methods.includes('pruning') || methods.includes('diagnostic')) {
        const began = performance.now();
        const trainer = new PruningTrainer(
          analysed,
          dataset,
          {
            ...trainerSettings(config, seed, budgets),
            straightThrough: config.straightThrough,
            pruningOptions: config.pruningOptions,
            settleSteps: config.settleSteps,
            settleBand: config.settleBand,
            exchangeMoves: config.exchangeMoves,
          },
          estimator,
        );
        const accuracy = await finish(trainer, config);
        const finalKept = trainer.keptCounts();
        if (methods.includes('pruning'))
          record({
            method: 'pruning',
            budget: b,
            seed,
            accuracy,
            ...check(trainer.current, config.board, budgets),
            kept: prunable(finalKept),
            removedAtStep: trainer.removedAtStep,
            note: trainer.repair && repairNotice(trainer.repair),
            ms: performance.now() - began,
          });
        trainer.dispose();
        if (methods.includes('diagnostic')) await fromScratch('diagnostic', b, seed, finalKept);
      }

      // (b) uniform width from scratch.
      if (methods.includes('uniform'))
        await fromScratch('uniform', b, seed, uniform.kept, uniform.ratio);

      // (c) L1 filter pruning after the same warm-up, fine-tuned for the remaining steps.
      if (methods.includes('magnitude')) {
        const began = performance.now();
        const magnitude = new PruningTrainer(
          analysed,
          dataset,
          { ...trainerSettings(config, seed, {}), pruning: false },
          estimator,
        );
        const { warmupEnd } = scheduleBoundaries(config.steps, config);
        while (magnitude.step < warmupEnd) await magnitude.trainStep();
        await applyMagnitudePruning(magnitude, uniform.kept);
        const accuracy = await finish(magnitude, config);
        record({
          method: 'magnitude',
          budget: b,
          seed,
          accuracy,
          ...check(magnitude.current, config.board, budgets),
          kept: prunable(uniform.kept),
          ratio: uniform.ratio,
          ms: performance.now() - began,
        });
        magnitude.dispose();
      }

      // (d) DPF-style pruning, stopped at the budget.
      if (methods.includes('dpf')) {
        const began = performance.now();
        const dpf = await runDpf(
          analysed,
          dataset,
          trainerSettings(config, seed, budgets),
          estimator,
          config.dpfRefreshEvery ?? 16,
        );
        const accuracy = await finish(dpf, config);
        record({
          method: 'dpf',
          budget: b,
          seed,
          accuracy,
          ...check(dpf.current, config.board, budgets),
          kept: prunable(dpf.current.groups.map((g) => g.size)),
          ms: performance.now() - began,
        });
        dpf.dispose();
      }
    }
  }
  return resultSoFar();
}

export function describeBudget(spec: BudgetSpec): string {
  return (
    spec.name ??
    BUDGETED_RESOURCES.filter((r) => spec.divisors[r] !== undefined)
      .map((r) => `${r} 1/${spec.divisors[r]}`)
      .join(' + ')
  );
}

/**
 * One section from several runs of the same length and model (for instance the baselines and
 * (a) run as separate commands): budgets matched by name, runs concatenated in the order given,
 * the unpruned reference kept once per seed. Throws if lengths or models differ.
 */
export function mergeSections(parts: { config: QualityConfig; result: QualityResult }[]): {
  config: QualityConfig;
  result: QualityResult;
} {
  const [first] = parts;
  const budgets: BudgetSpec[] = [];
  const budgetValues: Budgets[] = [];
  const runs: QualityRun[] = [];
  const seeds = new Set<number>();
  const methods = new Set<Exclude<Method, 'unpruned'>>();
  const referenceSeeds = new Set<number>();
  const cells = new Set<string>();
  for (const { config, result } of parts) {
    if (
      config.steps !== first.config.steps ||
      config.model !== first.config.model ||
      config.width !== first.config.width
    )
      throw new Error(
        `Cannot merge ${config.model} ×${config.width} at ${config.steps} steps with ${first.config.model} ×${first.config.width} at ${first.config.steps} steps.`,
      );
    const index = config.budgets.map((spec, b) => {
      const name = describeBudget(spec);
      let at = budgets.findIndex((s) => describeBudget(s) === name);
      if (at < 0) {
        at = budgets.push(spec) - 1;
        budgetValues.push(result.budgetValues[b]);
      }
      return at;
    });
    for (const run of result.runs) {
      const budget = run.budget < 0 ? -1 : index[run.budget];
      if (run.method === 'unpruned') {
        if (referenceSeeds.has(run.seed)) continue;
        referenceSeeds.add(run.seed);
      } else {
        // A cell run in two parts is kept once, from the first part given.
        const cell = `${run.method} ${budget} ${run.seed}`;
        if (cells.has(cell)) continue;
        cells.add(cell);
        methods.add(run.method);
      }
      seeds.add(run.seed);
      runs.push({ ...run, budget });
    }
  }
  return {
    config: {
      ...first.config,
      budgets,
      seeds: [...seeds].sort((a, b) => a - b),
      methods: BUDGET_METHODS.filter((m) => methods.has(m)),
      unprunedReference: referenceSeeds.size > 0,
    },
    result: { ...first.result, budgetValues, runs },
  };
}
