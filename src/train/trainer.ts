/**
 * The prune-while-training loop (METHOD.md §2–§6): warm-up at π = 1, pruning with π updates
 * every step, feasibility repair, physical removal, fine-tuning of the smaller network.
 * One backward pass per step yields the weight gradients and dL/dm for every channel.
 */
import * as tf from '@tensorflow/tfjs';
import type { LayerWeights, NetworkGraph } from '../core/graph';
import type { AnalysedGraph } from '../core/graphAnalysis';
import { analyseGraph } from '../core/graphAnalysis';
import { fitsBudgets } from '../core/uniformWidth';
import {
  DEFAULT_PRUNING_OPTIONS,
  PruningController,
  exchangeAtMargin,
  fillToBudget,
  phaseAt,
  repairToBudget,
  scheduleBoundaries,
  type PruningControllerOptions,
  type PruningControllerState,
  type ResourceEvaluation,
} from '../core/pruning';
import {
  RESOURCE_NAMES,
  type Budgets,
  type LayerFigures,
  type ResourceFigures,
} from '../core/resources';
import type { GroupSnapshot, Phase, StepMetrics } from '../core/runState';
import { BatchSampler, type Batch } from '../data/batches';
import type { Dataset, DatasetSplit } from '../data/dataset';
import { MaskedNetwork } from './network';
import { WeightAdam, type WeightAdamState } from './optimizer';
import { keptIndices, prunedGraph, prunedWeights } from './physical';

/** What the trainer needs of the MCU resource model (core), for the unpruned graph's groups. */
export interface ResourceEstimator {
  /** Figures and d/dc_g at continuous channel counts (one per group). */
  evaluate(widths: readonly number[]): ResourceEvaluation;
  /** Figures with a per-layer breakdown at integer channel counts. */
  report(kept: readonly number[]): {
    values: ResourceFigures;
    layers: LayerFigures[];
    ramPeakNode: string;
    /** Graph node ids in the RAM-minimising execution order (the export's operator order). */
    executionOrder: string[];
  };
}

export interface TrainerSettings {
  totalSteps: number;
  warmupFraction: number;
  pruneFraction: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  budgets: Budgets;
  /** Validation accuracy every this many steps (0: only at the end). */
  validationEvery: number;
  /** Validation samples used during the run (all of them at the end). */
  validationSamples: number;
  /** Adam rate for π; default lets π cross its range in about half the pruning phase. */
  piLearningRate?: number;
  lambdaRate?: number;
  /**
   * Default true. False: plain training of the same network (no masks, no importances, no π,
   * no removal), the baseline that `npm run bench` compares the pruning overhead against.
   */
  pruning?: boolean;
  /**
   * Straight-through masks while pruning (network.ts NetworkOptions): masked channels keep
   * learning. Default DEFAULT_STRAIGHT_THROUGH.
   */
  straightThrough?: boolean;
  /** Overrides of the π controller's options (DEFAULT_PRUNING_OPTIONS), for experiments. */
  pruningOptions?: Partial<PruningControllerOptions>;
  /**
   * Remove the pruned channels as soon as the kept channels have met every budget for this
   * many pruning steps in a row, and fine-tune from there (method-notes §7); the pruning
   * phase's end stays the latest removal. Default: DEFAULT_SETTLE_FRACTION of the pruning
   * phase's steps (at least 3); 0: remove at the end.
   */
  settleSteps?: number;
  /**
   * An early removal also waits until the kept channels use at least 1 − settleBand of their
   * tightest budget (method-notes §7), so that it never removes at the bottom of π's overshoot
   * and leaves the rest of the budget to fill-to-budget. Default DEFAULT_SETTLE_BAND; 1: no such
   * wait.
   */
  settleBand?: number;
  /**
   * At removal, after repair and fill: at most this many one-channel moves between groups that
   * keep every budget and bring back a more important channel than they drop, then fill again
   * (exchangeAtMargin; issue 15's experiment). Default 0: none.
   */
  exchangeMoves?: number;
}

/** An early removal waits for this share of the pruning phase's steps within the budgets. */
export const DEFAULT_SETTLE_FRACTION = 0.1;

/**
 * An early removal waits until the kept channels use their tightest budget to within this share
 * (use ≥ 1 − band): at most this share of the budget is left to fill-to-budget's re-admission.
 */
export const DEFAULT_SETTLE_BAND = 0.1;

/** Early removal only within this first share of the pruning phase. */
export const SETTLE_WINDOW = 0.5;

/** Whether the method's masks are straight-through by default (docs/method-notes.md §6). */
export const DEFAULT_STRAIGHT_THROUGH = false;

/**
 * Everything needed to continue a run exactly where it was, as plain structured-cloneable
 * data (stored in IndexedDB, kept in memory for roll-back and backend fallback).
 */
export interface TrainerCheckpoint {
  version: 1;
  step: number;
  removed: boolean;
  keptAtRemoval?: number[][];
  /** The graph being trained (the pruned one after removal). */
  graph: NetworkGraph;
  weights: Map<string, LayerWeights>;
  optimizer: WeightAdamState;
  controller: PruningControllerState;
  budgets: Budgets;
  learningRate: number;
  lastValidationAccuracy?: number;
  activeMs: number;
  /** Pruning steps in a row whose kept channels met every budget (early removal). */
  settledSteps?: number;
  /** The budgets changed mid-run, which turned the early removal off. */
  earlyRemovalOff?: boolean;
}

export interface StepResult {
  loss: number;
  accuracy: number;
}

export class PruningTrainer {
  network: MaskedNetwork;
  /** The graph being trained: the original one, then the physically pruned one. */
  current: AnalysedGraph;
  readonly controller: PruningController;
  readonly optimizer: WeightAdam;
  budgets: Budgets;
  step = 0;
  removed = false;
  /** Channel indices kept per group, fixed at physical removal. */
  keptAtRemoval?: number[][];
  lastValidationAccuracy?: number;
  /**
   * What the feasibility repair before fine-tuning had to do, when it acted: the channels it
   * removed, and whether the network then met the budgets (false: the smallest was kept).
   */
  repair?: { removed: number; feasible: boolean };
  /** One-channel moves between groups made at removal (exchangeMoves). */
  exchangedChannels = 0;
  /** Channels re-admitted by the fill-to-budget step at removal (method-notes §4). */
  filledChannels = 0;
  /** Pruning steps in a row whose kept channels met every budget. */
  settledSteps = 0;
  /** Set when the budgets changed mid-run: the channels go at the end of the pruning phase. */
  earlyRemovalOff = false;
  /** The step at which the channels were removed (undefined before). */
  removedAtStep?: number;
  private readonly piLearningRate: number;
  /** False for plain training (settings.pruning === false). */
  readonly pruning: boolean;
  private readonly sampler: BatchSampler;
  private readonly startedAt = performance.now();
  private activeMs = 0;

  constructor(
    readonly original: AnalysedGraph,
    readonly dataset: Dataset,
    readonly settings: TrainerSettings,
    readonly estimator: ResourceEstimator,
    network?: MaskedNetwork,
  ) {
    this.current = original;
    this.pruning = settings.pruning !== false;
    this.network =
      network ??
      MaskedNetwork.initialise(original, settings.seed, {
        masks: this.pruning,
        straightThrough: settings.straightThrough ?? DEFAULT_STRAIGHT_THROUGH,
      });
    const { warmupEnd, pruneEnd } = scheduleBoundaries(settings.totalSteps, settings);
    const pruneSteps = Math.max(1, pruneEnd - warmupEnd);
    // On log π (method-notes §1): 5/pruneSteps lets a width shrink e^-3 ≈ 1/20 in the
    // first 60% of the pruning phase (full-rate steps), the rest settles.
    this.piLearningRate = settings.piLearningRate ?? Math.max(0.01, 5 / pruneSteps);
    this.controller = new PruningController(
      original.groups.map((g) => ({ size: g.size, prunable: g.prunable })),
      {
        ...DEFAULT_PRUNING_OPTIONS,
        piLearningRate: this.piLearningRate,
        lambdaRate: settings.lambdaRate ?? 0.05,
        ...settings.pruningOptions,
      },
    );
    this.optimizer = new WeightAdam(settings.learningRate);
    this.budgets = { ...settings.budgets };
    this.sampler = new BatchSampler(dataset.train, {
      batchSize: settings.batchSize,
      inputShape: dataset.inputShape,
      normalisation: dataset.normalisation,
      seed: settings.seed,
      dropLast: dataset.train.count >= settings.batchSize,
    });
  }

  /** A snapshot of the run after the last completed step. */
  async checkpoint(): Promise<TrainerCheckpoint> {
    return {
      version: 1,
      step: this.step,
      removed: this.removed,
      keptAtRemoval: this.keptAtRemoval?.map((k) => [...k]),
      graph: this.current.graph,
      weights: await this.network.readWeights(),
      optimizer: await this.optimizer.readState(this.network),
      controller: this.controller.state(),
      budgets: { ...this.budgets },
      learningRate: this.optimizer.learningRate,
      lastValidationAccuracy: this.lastValidationAccuracy,
      activeMs: this.activeMs,
      settledSteps: this.settledSteps,
      earlyRemovalOff: this.earlyRemovalOff,
    };
  }

  /**
   * A trainer that continues from a checkpoint: same weights, optimiser moments, π,
   * importances, multipliers, step and batch order. `settings` must be the run's settings
   * (a lower learning rate is allowed, for roll-back after a diverging step).
   */
  static fromCheckpoint(
    original: AnalysedGraph,
    dataset: Dataset,
    settings: TrainerSettings,
    estimator: ResourceEstimator,
    checkpoint: TrainerCheckpoint,
  ): PruningTrainer {
    const current = checkpoint.removed ? analyseGraph(checkpoint.graph) : original;
    const pruning = settings.pruning !== false;
    const network = new MaskedNetwork(current, checkpoint.weights, {
      masks: pruning && !checkpoint.removed,
      straightThrough: settings.straightThrough ?? DEFAULT_STRAIGHT_THROUGH,
    });
    const trainer = new PruningTrainer(original, dataset, settings, estimator, network);
    trainer.current = current;
    trainer.step = checkpoint.step;
    trainer.removed = checkpoint.removed;
    trainer.keptAtRemoval = checkpoint.keptAtRemoval?.map((k) => [...k]);
    trainer.controller.restore(checkpoint.controller);
    trainer.optimizer.restoreState(network, checkpoint.optimizer);
    trainer.optimizer.learningRate = settings.learningRate;
    trainer.budgets = { ...checkpoint.budgets };
    trainer.lastValidationAccuracy = checkpoint.lastValidationAccuracy;
    trainer.activeMs = checkpoint.activeMs;
    trainer.settledSteps = checkpoint.settledSteps ?? 0;
    trainer.earlyRemovalOff = checkpoint.earlyRemovalOff ?? false;
    if (!checkpoint.removed && pruning) network.setMasks(trainer.controller.masks());
    // The batch order is a function of the seed: continue it at the checkpoint's step.
    trainer.sampler.seek(checkpoint.step);
    return trainer;
  }

  get phase(): Phase {
    if (this.step >= this.settings.totalSteps) return 'done';
    return phaseAt(this.step, this.settings.totalSteps, this.settings, this.removed);
  }

  /**
   * Whether the kept channels have met every budget long enough to remove them now, and use
   * their tightest budget to within the settle band (not at the bottom of an overshoot).
   */
  private get settled(): boolean {
    const needed = this.settleSteps;
    if (needed === 0 || this.earlyRemovalOff || this.settledSteps < needed) return false;
    return this.budgetUse() >= 1 - (this.settings.settleBand ?? DEFAULT_SETTLE_BAND);
  }

  /** Share of the tightest budget the channels the masks keep now use (0 without a budget). */
  budgetUse(): number {
    const values = this.estimator.report(this.controller.keptCounts()).values;
    let use = 0;
    for (const r of RESOURCE_NAMES) {
      const budget = this.budgets[r];
      if (budget !== undefined && budget > 0) use = Math.max(use, values[r] / budget);
    }
    return use;
  }

  /** Pruning steps in a row within every budget before an early removal (0: never). */
  get settleSteps(): number {
    if (this.settings.settleSteps !== undefined) return this.settings.settleSteps;
    const { warmupEnd, pruneEnd } = scheduleBoundaries(this.settings.totalSteps, this.settings);
    return Math.max(3, Math.round(DEFAULT_SETTLE_FRACTION * (pruneEnd - warmupEnd)));
  }

  get done(): boolean {
    return this.step >= this.settings.totalSteps;
  }

  /**
   * New budgets mid-run. A change before the removal also turns the early removal off for the
   * rest of the run: a user who moves the budgets is exploring, and keeps the whole pruning
   * phase to do it in.
   */
  setBudgets(budgets: Budgets): void {
    const changed = RESOURCE_NAMES.some((r) => budgets[r] !== this.budgets[r]);
    if (changed && !this.removed && this.step > 0) this.earlyRemovalOff = true;
    this.budgets = { ...budgets };
  }

  /** Channels kept per group now (after removal: what was kept). */
  keptCounts(): number[] {
    return this.keptAtRemoval
      ? this.keptAtRemoval.map((k) => k.length)
      : this.controller.keptCounts();
  }

  private batchTensors(batch: Batch) {
    const [h, w, c] = this.dataset.inputShape;
    const x = tf.tensor4d(batch.x.subarray(0, batch.size * h * w * c), [batch.size, h, w, c]);
    const labels = tf.tensor1d(batch.y.subarray(0, batch.size), 'int32');
    return { x, labels };
  }

  /** One training step: forward, one backward pass, Adam, and (while pruning) a π update. */
  async trainStep(): Promise<StepResult> {
    const phase = this.phase;
    if (phase === 'done') throw new Error('The run has finished.');
    if (
      !this.removed &&
      this.pruning &&
      (phase === 'finetune' || (phase === 'pruning' && this.settled))
    ) {
      await this.removeChannels();
      return this.trainStep();
    }
    const began = performance.now();
    const batch = this.sampler.next();
    const { x, labels } = this.batchTensors(batch);
    const net = this.network;
    const trainables = net.trainableVariables();
    const maskVars = this.removed || !this.pruning ? [] : net.maskVariables();
    let stats: ReturnType<MaskedNetwork['forward']>['batchStats'] = [];
    let logits: tf.Tensor2D | undefined;
    // Every tensor the step makes, freed however it ends (a backend can fail mid-step).
    const made: tf.Tensor[] = [x, labels];
    let lossData: ArrayLike<number>;
    let correctData: ArrayLike<number>;
    let maskData: (ArrayLike<number> | undefined)[];
    try {
      const { value, grads } = tf.variableGrads(() => {
        const out = net.forward(x, true);
        stats = out.batchStats;
        logits = tf.keep(out.logits);
        const oneHot = tf.oneHot(labels, this.dataset.numClasses);
        return tf.losses.softmaxCrossEntropy(oneHot, out.logits) as tf.Scalar;
      }, [...trainables, ...maskVars]);
      made.push(value, ...Object.values(grads));
      this.optimizer.apply(trainables, grads);
      net.updateMovingAverages(stats);
      const correct = tf.tidy(() =>
        tf.sum(tf.cast(tf.equal(tf.argMax(logits!, 1), labels), 'float32')),
      );
      made.push(correct);
      const maskGradTensors = maskVars.map((m) => grads[m.name]);
      [lossData, correctData, ...maskData] = await Promise.all([
        value.data(),
        correct.data(),
        ...maskGradTensors.map((g) => (g ? g.data() : Promise.resolve(undefined))),
      ]);
    } finally {
      // (Batch statistics are freed by updateMovingAverages; disposing twice does nothing.)
      tf.dispose([
        ...made,
        ...(logits ? [logits] : []),
        ...stats.flatMap((s) => [s.mean, s.variance]),
      ]);
    }

    if (!this.removed && this.pruning) {
      // Mask gradients per group (zeros where a group's mask never reached the loss).
      let k = 0;
      const maskGrads = net.masks.map((m, g) => {
        if (!m) return new Float32Array(this.original.groups[g].size);
        const data = maskData[k++];
        return (data as Float32Array | undefined) ?? new Float32Array(m.size);
      });
      this.controller.observe(maskGrads);
      if (phase === 'pruning') {
        this.controller.setLearningRate(this.piLearningRateAt(this.step));
        const evaluation = this.estimator.evaluate(this.controller.continuousWidths());
        this.controller.updateSizes(maskGrads, evaluation, this.budgets);
        net.setMasks(this.controller.masks());
        this.settledSteps = this.countsTowardsSettling(this.step) ? this.settledSteps + 1 : 0;
      }
    }
    this.step += 1;
    this.activeMs += performance.now() - began;
    return { loss: lossData[0], accuracy: correctData[0] / batch.size };
  }

  /**
   * Whether this pruning step counts towards an early removal: a budget is set, the channels
   * the masks keep now meet every budget, and the run is still in the first half of its pruning phase. A
   * budget met that early is a mild one, where more π motion only costs fine-tuning steps; a
   * budget met late (a severe one) keeps the whole phase to choose its few channels.
   */
  private countsTowardsSettling(step: number): boolean {
    if (this.settleSteps === 0 || this.earlyRemovalOff) return false;
    const { warmupEnd, pruneEnd } = scheduleBoundaries(this.settings.totalSteps, this.settings);
    if (step >= warmupEnd + SETTLE_WINDOW * (pruneEnd - warmupEnd)) return false;
    // Without a budget there is nothing to settle on (one may still come mid-run).
    if (RESOURCE_NAMES.every((r) => this.budgets[r] === undefined)) return false;
    return fitsBudgets(this.estimator.report(this.controller.keptCounts()).values, this.budgets);
  }

  /**
   * π's Adam rate at a pruning step (method-notes §5): the full rate for the first 60% of the
   * pruning phase, then a linear decay to a tenth at its end, so that π settles at the budget.
   */
  piLearningRateAt(step: number): number {
    const { warmupEnd, pruneEnd } = scheduleBoundaries(this.settings.totalSteps, this.settings);
    const progress = (step - warmupEnd) / Math.max(1, pruneEnd - warmupEnd);
    const decay = progress < 0.6 ? 1 : 1 - 0.9 * Math.min(1, (progress - 0.6) / 0.4);
    return this.piLearningRate * decay;
  }

  /**
   * Before fine-tuning (METHOD §6): make the solution feasible for certain by greedy removal,
   * then use the room left under the budgets by greedy re-admission (method-notes §4), then
   * remove the pruned channels physically and continue with the smaller network.
   */
  async removeChannels(): Promise<void> {
    const search = {
      groups: this.original.groups.map((g) => ({ size: g.size, prunable: g.prunable })),
      importances: this.controller.importances,
      ranks: this.controller.ranks,
      budgets: this.budgets,
      evaluate: (kept: readonly number[]) => this.estimator.report(kept).values,
    };
    const repair = repairToBudget(search, this.controller.keptCounts());
    if (repair.removed > 0 || !repair.feasible) {
      this.repair = { removed: repair.removed, feasible: repair.feasible };
    }
    // Only from a feasible point, and never past a budget: the result still meets every budget.
    const fill = repair.feasible
      ? fillToBudget(search, repair.kept)
      : { kept: repair.kept, added: 0 };
    let chosen = fill.kept;
    const moves = this.settings.exchangeMoves ?? 0;
    if (repair.feasible && moves > 0) {
      const exchanged = exchangeAtMargin(search, fill.kept, moves);
      const refill = fillToBudget(search, exchanged.kept);
      this.exchangedChannels = exchanged.moved;
      this.filledChannels = fill.added + refill.added;
      chosen = refill.kept;
    } else {
      this.filledChannels = fill.added;
    }
    this.controller.setKept(chosen);
    const masks = this.controller.masks();
    this.network.setMasks(masks);
    const kept = masks.map((m, g) =>
      this.original.groups[g].prunable
        ? keptIndices(m)
        : Array.from({ length: m.length }, (_, c) => c),
    );
    const weights = await this.network.readWeights();
    const smaller = analyseGraph(prunedGraph(this.original, kept));
    const state = await this.optimizer.readState(this.network);
    const next = new MaskedNetwork(smaller, prunedWeights(this.original, weights, kept), {
      masks: false,
    });
    this.optimizer.restoreState(next, {
      step: state.step,
      m: prunedWeights(this.original, state.m, kept),
      v: prunedWeights(this.original, state.v, kept),
    });
    this.network.dispose();
    this.network = next;
    this.current = smaller;
    this.keptAtRemoval = kept;
    this.removed = true;
    this.removedAtStep = this.step;
  }

  /** Top-1 accuracy on (the first `limit` samples of) a split, in inference mode. */
  async accuracy(
    split: DatasetSplit = this.dataset.validation,
    limit = split.count,
  ): Promise<number> {
    const count = Math.min(limit, split.count);
    if (count === 0) return 0;
    const sampler = new BatchSampler(
      { x: split.x.subarray(0, count * this.sampleLength()), y: split.y.subarray(0, count), count },
      {
        batchSize: Math.min(256, count),
        inputShape: this.dataset.inputShape,
        normalisation: this.dataset.normalisation,
        seed: 0,
        shuffle: false,
      },
    );
    let correct = 0;
    for (let b = 0; b < sampler.batchesPerEpoch; b++) {
      const batch = sampler.next();
      const { x, labels } = this.batchTensors(batch);
      const hits = tf.tidy(() =>
        tf.sum(
          tf.cast(tf.equal(tf.argMax(this.network.forward(x, false).logits, 1), labels), 'int32'),
        ),
      );
      correct += (await hits.data())[0];
      tf.dispose([x, labels, hits]);
    }
    return correct / count;
  }

  private sampleLength(): number {
    const [h, w, c] = this.dataset.inputShape;
    return h * w * c;
  }

  /** Node ids in the RAM-minimising order at the kept widths: the exported operator order. */
  exportOrder(): string[] {
    return this.estimator.report(this.keptCounts()).executionOrder;
  }

  /** Weights of the network being trained (pruned after removal), as plain arrays. */
  async weights(): Promise<Map<string, LayerWeights>> {
    return this.network.readWeights();
  }

  groupSnapshots(): GroupSnapshot[] {
    const kept = this.keptCounts();
    const masks = this.keptAtRemoval
      ? this.keptAtRemoval.map((k, g) => {
          const m = new Array<number>(this.original.groups[g].size).fill(0);
          for (const c of k) m[c] = 1;
          return m;
        })
      : this.controller.masks().map((m) => Array.from(m));
    return this.original.groups.map((g, i) => ({
      name: g.name,
      size: g.size,
      prunable: g.prunable,
      sizeProportion: this.controller.sizeProportions[i],
      kept: kept[i],
      importance: Array.from(this.controller.importances[i]),
      mask: masks[i],
    }));
  }

  private unprunedCache?: ResourceFigures;

  /** The unpruned network's figures: constant for a run, so computed once. */
  get unpruned(): ResourceFigures {
    this.unprunedCache ??= this.estimator.report(this.original.groups.map((g) => g.size)).values;
    return this.unprunedCache;
  }

  /** Everything the UI charts after a step. */
  metrics(result: StepResult, stepMs: number): StepMetrics {
    const now = this.estimator.report(this.keptCounts());
    const unpruned = this.unpruned;
    const perStep = this.step > 0 ? this.activeMs / this.step : 0;
    const lambdas: StepMetrics['lambdas'] = {};
    for (const r of RESOURCE_NAMES) {
      const l = this.controller.lambdas[r];
      if (l !== undefined) lambdas[r] = l;
    }
    return {
      step: this.step,
      totalSteps: this.settings.totalSteps,
      phase: this.phase,
      loss: result.loss,
      accuracy: result.accuracy,
      validationAccuracy: this.lastValidationAccuracy,
      resources: now.values,
      unpruned,
      budgets: { ...this.budgets },
      lambdas,
      groups: this.groupSnapshots(),
      layers: now.layers,
      ramPeakNode: now.ramPeakNode,
      stepMs,
      samplesPerSecond: stepMs > 0 ? (this.settings.batchSize * 1000) / stepMs : 0,
      elapsedMs: performance.now() - this.startedAt,
      etaMs: perStep * (this.settings.totalSteps - this.step),
    };
  }

  dispose(): void {
    this.optimizer.dispose();
    this.network.dispose();
  }
}
