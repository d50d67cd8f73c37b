/**
 * The π maths of METHOD.md §2, §3, §5, §6: importances, ranks, hard and relaxed masks, the
 * task feedback dL/dπ, dual ascent on the budgets and Adam on π. Pure TypeScript, so the same
 * code drives training in the worker and is tested in Node without tfjs.
 */

import { RESOURCE_NAMES, type Budgets, type ResourceFigures, type ResourceName } from './resources';
import { fitsBudgets } from './uniformWidth';

/** Channels kept for a size proportion: k = clamp(round(π·C), 1, C). */
export function keptChannelCount(sizeProportion: number, size: number): number {
  return Math.min(size, Math.max(1, Math.round(sizeProportion * size)));
}

/** π lives in [1/C, 1]. */
export function clampSizeProportion(sizeProportion: number, size: number): number {
  return Math.min(1, Math.max(1 / size, sizeProportion));
}

/**
 * Rank of every channel by importance, descending: rank 0 is the most important. Ties are
 * broken by channel index so that ranks are deterministic.
 */
export function rankChannels(importance: ArrayLike<number>): Int32Array {
  const order = Array.from({ length: importance.length }, (_, c) => c);
  order.sort((a, b) => importance[b] - importance[a] || a - b);
  const ranks = new Int32Array(importance.length);
  order.forEach((channel, rank) => (ranks[channel] = rank));
  return ranks;
}

/** Hard mask: 1 for the `kept` most important channels, 0 otherwise. */
export function hardMask(ranks: ArrayLike<number>, kept: number): Float32Array {
  const mask = new Float32Array(ranks.length);
  for (let c = 0; c < ranks.length; c++) mask[c] = ranks[c] < kept ? 1 : 0;
  return mask;
}

/**
 * The decay that makes step t's update of an EMA started at zero and divided by 1 − β^t (as
 * Adam corrects its moments) a running update of the corrected average itself: the new
 * observation's weight is (1 − β)/(1 − β^t), 1 at the first step (taken as is), then falling
 * to 1 − β. Without it (the first observation taken as is, then β), the first step's gradient
 * keeps a weight of β^(t−1): at β = 0.99, 62 % of the importance after a 48-step warm-up.
 */
export function correctedDecay(beta: number, step: number): number {
  if (step <= 1 || beta <= 0) return 0;
  return 1 - (1 - beta) / (1 - Math.pow(beta, step));
}

/** Exponential moving average of |dL/dm| (METHOD §2), updated in place. */
export function updateImportance(
  importance: Float64Array,
  maskGradient: ArrayLike<number>,
  beta: number,
): void {
  for (let c = 0; c < importance.length; c++) {
    importance[c] = beta * importance[c] + (1 - beta) * Math.abs(maskGradient[c]);
  }
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** Relaxed mask m̃_c(π) = σ((π·C − r_c − ½)/τ) (METHOD §3). */
export function relaxedMask(
  ranks: ArrayLike<number>,
  sizeProportion: number,
  temperature: number,
): Float64Array {
  const size = ranks.length;
  const m = new Float64Array(size);
  for (let c = 0; c < size; c++) {
    m[c] = sigmoid((sizeProportion * size - ranks[c] - 0.5) / temperature);
  }
  return m;
}

/**
 * dL/dπ_g = Σ_c g_c · dm̃_c/dπ_g = Σ_c g_c · C·σ'(·)/τ: the task feedback on one group's size,
 * concentrated on the channels near the cut.
 */
export function sizeProportionGradient(
  maskGradient: ArrayLike<number>,
  ranks: ArrayLike<number>,
  sizeProportion: number,
  temperature: number,
): number {
  const size = ranks.length;
  let sum = 0;
  for (let c = 0; c < size; c++) {
    const s = sigmoid((sizeProportion * size - ranks[c] - 0.5) / temperature);
    sum += maskGradient[c] * ((size * s * (1 - s)) / temperature);
  }
  return sum;
}

/** Dual ascent on one budget's multiplier: λ ← max(0, λ + η·v), v = R/B − 1. */
export function dualAscent(lambda: number, violation: number, rate: number): number {
  return Math.max(0, lambda + rate * violation);
}

export interface AdamState {
  m: number[];
  v: number[];
  t: number;
}

/** Adam on a small vector (π): it normalises the very different scales of the two feedbacks. */
export class VectorAdam {
  m: Float64Array;
  v: Float64Array;
  t = 0;

  constructor(
    size: number,
    public learningRate: number,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly epsilon = 1e-8,
  ) {
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
  }

  /** One descent step on `params`, in place. */
  step(params: Float64Array, gradient: ArrayLike<number>): void {
    this.t += 1;
    const c1 = 1 - this.beta1 ** this.t;
    const c2 = 1 - this.beta2 ** this.t;
    for (let i = 0; i < params.length; i++) {
      this.m[i] = this.beta1 * this.m[i] + (1 - this.beta1) * gradient[i];
      this.v[i] = this.beta2 * this.v[i] + (1 - this.beta2) * gradient[i] * gradient[i];
      params[i] -=
        (this.learningRate * (this.m[i] / c1)) / (Math.sqrt(this.v[i] / c2) + this.epsilon);
    }
  }

  state(): AdamState {
    return { m: Array.from(this.m), v: Array.from(this.v), t: this.t };
  }

  restore(state: AdamState): void {
    this.m = Float64Array.from(state.m);
    this.v = Float64Array.from(state.v);
    this.t = state.t;
  }
}

/** Resource figures and their gradients w.r.t. each group's (continuous) channel count. */
export interface ResourceEvaluation {
  values: ResourceFigures;
  /** d value / d c_g for every group (zero for groups that are not prunable). */
  gradients: Record<ResourceName, Float64Array>;
}

/** v_r = R_r/B_r − 1 for every resource that has a budget. */
export function violations(
  values: ResourceFigures,
  budgets: Budgets,
): Partial<Record<ResourceName, number>> {
  const v: Partial<Record<ResourceName, number>> = {};
  for (const r of RESOURCE_NAMES) {
    const b = budgets[r];
    if (b !== undefined && b > 0) v[r] = values[r] / b - 1;
  }
  return v;
}

export interface GroupState {
  size: number;
  prunable: boolean;
}

export interface PruningControllerOptions {
  /**
   * Decay per step of the importances' running average, bias-corrected (`correctedDecay`).
   * 0.9 by default; 0.99 measured a little better on the quality bench and worse on the default
   * runs (method-notes §8).
   */
  importanceDecay: number;
  temperature: number;
  piLearningRate: number;
  lambdaRate: number;
  /**
   * Adam's second-moment decay for π (docs/method-notes.md §1). Short (0.9) so that once a
   * budget is met the normalisation forgets the large resource feedback of the approach.
   */
  piBeta2?: number;
  /**
   * Pull from below (method-notes §2): while every budget is met with more than this relative
   * room δ, the tightest budget's multiplier λ_s pulls π up along that budget's resource
   * gradient, so π settles in [1 − δ, 1]·B instead of under it. 0 turns it off.
   */
  budgetSlack?: number;
  /**
   * Rank hysteresis (method-notes §3): a kept channel's importance counts (1 + h) times when
   * ranking, so that EMA noise does not swap near-equal channels in and out every step.
   */
  rankHysteresis?: number;
  /**
   * Adam steps on log π instead of π (method-notes §1): every step then changes a group's width
   * by about the same *fraction*, so small groups near 1/C do not overshoot to the minimum.
   */
  logSizes?: boolean;
  /**
   * Shared scale plus bounded offsets (method-notes §6): log π_g = s + o_g. The scale s takes
   * the sum of the log-π feedback (its own Adam), so the budgets move every group together, as
   * uniform width does; the offsets take each group's deviation from the mean feedback, all
   * normalised by one shared running RMS (so a group whose width matters more, for the task or
   * the resource, moves further) and kept within ±offsetRange of the scale. With offsetRange 0
   * this is uniform width; undefined keeps one independent Adam per group.
   */
  offsetRange?: number;
}

export const DEFAULT_PRUNING_OPTIONS: PruningControllerOptions = {
  importanceDecay: 0.9,
  temperature: 1,
  piLearningRate: 0.02,
  lambdaRate: 0.05,
  piBeta2: 0.9,
  budgetSlack: 0.02,
  rankHysteresis: 0.25,
  logSizes: true,
};

/** The shared scale and the offsets (method-notes §6). */
export interface ScaleOffsetState {
  scale: number;
  offsets: number[];
  scaleAdam: AdamState;
  /** Offsets' momentum per group, their one shared second moment and step count. */
  offsetM: number[];
  offsetV: number;
  offsetT: number;
}

export interface PruningControllerState {
  sizeProportions: number[];
  /** Present when the controller runs with offsetRange. */
  scaleOffsets?: ScaleOffsetState;
  importances: number[][];
  lambdas: Partial<Record<ResourceName, number>>;
  /** The pull from below at the last update (absent in older checkpoints: 0). */
  pull?: number;
  /** Ranks as they were (they depend on the previous ranks through the hysteresis). */
  ranks?: number[][];
  adam: AdamState;
  observedSteps: number;
}

/**
 * Holds π, the importances and the multipliers, and turns each step's mask gradients and
 * resource evaluation into new π (METHOD §5, with docs/method-notes.md §2):
 *   ∇J = dL/dπ + Σ_r λ_r·[v_r > 0]·(dR_r/dπ)/B_r − λ_s·[v_s < −δ]·(dR_s/dπ)/B_s,
 * s the tightest budget (largest v_r).
 */
export class PruningController {
  readonly sizeProportions: Float64Array;
  readonly importances: Float64Array[];
  ranks: Int32Array[];
  lambdas: Partial<Record<ResourceName, number>> = {};
  /** Strength of the pull from below at the last update (method-notes §2). */
  pull = 0;
  observedSteps = 0;
  private readonly adam: VectorAdam;
  /** log π = scale + offsets[g] (offsetRange mode). */
  private scale = 0;
  private offsets: Float64Array;
  private readonly scaleAdam: VectorAdam;
  private offsetM: Float64Array;
  private offsetV = 0;
  private offsetT = 0;

  constructor(
    readonly groups: readonly GroupState[],
    readonly options: PruningControllerOptions = DEFAULT_PRUNING_OPTIONS,
  ) {
    this.sizeProportions = new Float64Array(groups.length).fill(1);
    this.importances = groups.map((g) => new Float64Array(g.size));
    this.ranks = groups.map((g) => rankChannels(new Float64Array(g.size)));
    this.adam = new VectorAdam(
      groups.length,
      options.piLearningRate,
      0.9,
      options.piBeta2 ?? 0.999,
    );
    this.offsets = new Float64Array(groups.length);
    this.offsetM = new Float64Array(groups.length);
    this.scaleAdam = new VectorAdam(1, options.piLearningRate, 0.9, options.piBeta2 ?? 0.999);
  }

  /** Ranks with hysteresis: currently kept channels count (1 + h) times (method-notes §3). */
  private rank(): Int32Array[] {
    const h = this.options.rankHysteresis ?? 0;
    if (h <= 0) return this.importances.map((imp) => rankChannels(imp));
    const kept = this.keptCounts();
    return this.importances.map((imp, g) => {
      const previous = this.ranks[g];
      const boosted = Float64Array.from(imp, (s, c) => (previous[c] < kept[g] ? s * (1 + h) : s));
      return rankChannels(boosted);
    });
  }

  /** Channels kept per group at the current π (non-prunable groups keep all). */
  keptCounts(): number[] {
    return this.groups.map((g, i) =>
      g.prunable ? keptChannelCount(this.sizeProportions[i], g.size) : g.size,
    );
  }

  /** Continuous widths c_g = π_g·C_g, the resource model's input for gradients. */
  continuousWidths(): number[] {
    return this.groups.map((g, i) => (g.prunable ? this.sizeProportions[i] * g.size : g.size));
  }

  /** Hard masks for the current π and ranks. */
  masks(): Float32Array[] {
    const kept = this.keptCounts();
    return this.ranks.map((r, i) => hardMask(r, kept[i]));
  }

  /** Accumulates importances from one step's mask gradients and re-ranks (METHOD §2). */
  observe(maskGradients: readonly ArrayLike<number>[]): void {
    this.observedSteps += 1;
    const beta = correctedDecay(this.options.importanceDecay, this.observedSteps);
    maskGradients.forEach((g, i) => updateImportance(this.importances[i], g, beta));
    this.ranks = this.rank();
  }

  /**
   * One π update from the task feedback (mask gradients at the current ranks) and the resource
   * feedback evaluated at the current continuous widths. Returns the gradient used.
   */
  updateSizes(
    maskGradients: readonly ArrayLike<number>[],
    evaluation: ResourceEvaluation,
    budgets: Budgets,
  ): Float64Array {
    const v = violations(evaluation.values, budgets);
    for (const r of RESOURCE_NAMES) {
      const vr = v[r];
      if (vr === undefined) delete this.lambdas[r];
      else this.lambdas[r] = dualAscent(this.lambdas[r] ?? 0, vr, this.options.lambdaRate);
    }
    // Pull from below along the tightest budget (method-notes §2).
    const slack = this.options.budgetSlack ?? 0;
    let tightest: ResourceName | undefined;
    for (const r of RESOURCE_NAMES) {
      const vr = v[r];
      if (vr !== undefined && (tightest === undefined || vr > (v[tightest] as number)))
        tightest = r;
    }
    const room = tightest === undefined ? 0 : (v[tightest] as number);
    // Below the band [1 − δ, 1]·B the tightest budget's multiplier pulls π back up: the budget
    // acts as a target band, with the same (self-tuned) strength as the push from above.
    this.pull = slack > 0 && tightest !== undefined ? (this.lambdas[tightest] ?? 0) : 0;
    const pulling = tightest !== undefined && room < -slack && this.pull > 0;
    const gradient = new Float64Array(this.groups.length);
    this.groups.forEach((group, g) => {
      if (!group.prunable) return;
      let grad = sizeProportionGradient(
        maskGradients[g],
        this.ranks[g],
        this.sizeProportions[g],
        this.options.temperature,
      );
      for (const r of RESOURCE_NAMES) {
        const vr = v[r];
        const lambda = this.lambdas[r] ?? 0;
        const budget = budgets[r];
        if (vr === undefined || vr <= 0 || budget === undefined) continue;
        // d(R/B)/dπ_g = C_g · (dR/dc_g) / B
        grad += (lambda * group.size * evaluation.gradients[r][g]) / budget;
      }
      if (pulling) {
        const r = tightest as ResourceName;
        grad -= (this.pull * group.size * evaluation.gradients[r][g]) / (budgets[r] as number);
      }
      gradient[g] = grad;
    });
    if (this.options.offsetRange !== undefined) {
      this.stepScaleAndOffsets(gradient.map((d, g) => d * this.sizeProportions[g]));
    } else if (this.options.logSizes) {
      // θ = log π, dJ/dθ = π·dJ/dπ.
      const theta = Float64Array.from(this.sizeProportions, (p) => Math.log(p));
      this.adam.step(
        theta,
        gradient.map((d, g) => d * this.sizeProportions[g]),
      );
      theta.forEach((t, g) => (this.sizeProportions[g] = Math.exp(t)));
    } else {
      this.adam.step(this.sizeProportions, gradient);
    }
    this.groups.forEach((group, g) => {
      this.sizeProportions[g] = group.prunable
        ? clampSizeProportion(this.sizeProportions[g], group.size)
        : 1;
    });
    return gradient;
  }

  /**
   * One step of the shared scale and the offsets from dJ/d log π_g (method-notes §6): the
   * scale descends the sum (Adam), each offset its deviation from the mean, with momentum and
   * one second moment shared by all groups; offsets stay centred and within ±offsetRange.
   */
  private stepScaleAndOffsets(logGradient: Float64Array): void {
    const range = this.options.offsetRange ?? 0;
    const idx = this.groups.flatMap((g, i) => (g.prunable ? [i] : []));
    if (idx.length === 0) return;
    const total = idx.reduce((t, g) => t + logGradient[g], 0);
    const scale = Float64Array.of(this.scale);
    this.scaleAdam.step(scale, [total]);
    const maxSize = Math.max(...idx.map((g) => this.groups[g].size));
    this.scale = Math.min(0, Math.max(-Math.log(maxSize), scale[0]));
    const meanGradient = total / idx.length;
    const beta1 = 0.9;
    const beta2 = this.options.piBeta2 ?? 0.999;
    this.offsetT += 1;
    let square = 0;
    for (const g of idx) {
      const d = logGradient[g] - meanGradient;
      this.offsetM[g] = beta1 * this.offsetM[g] + (1 - beta1) * d;
      square += d * d;
    }
    this.offsetV = beta2 * this.offsetV + (1 - beta2) * (square / idx.length);
    const rms = Math.sqrt(this.offsetV / (1 - beta2 ** this.offsetT)) + 1e-8;
    const rate = this.adam.learningRate;
    for (const g of idx)
      this.offsets[g] -= (rate * (this.offsetM[g] / (1 - beta1 ** this.offsetT))) / rms;
    const centre = idx.reduce((t, g) => t + this.offsets[g], 0) / idx.length;
    for (const g of idx)
      this.offsets[g] = Math.min(range, Math.max(-range, this.offsets[g] - centre));
    for (const g of idx) this.sizeProportions[g] = Math.exp(this.scale + this.offsets[g]);
  }

  setLearningRate(rate: number): void {
    this.adam.learningRate = rate;
    this.scaleAdam.learningRate = rate;
  }

  /** Sets π so that exactly `kept[g]` channels are kept (used after feasibility repair). */
  setKept(kept: readonly number[]): void {
    kept.forEach((k, g) => (this.sizeProportions[g] = k / this.groups[g].size));
  }

  state(): PruningControllerState {
    return {
      sizeProportions: Array.from(this.sizeProportions),
      importances: this.importances.map((imp) => Array.from(imp)),
      lambdas: { ...this.lambdas },
      pull: this.pull,
      ranks: this.ranks.map((r) => Array.from(r)),
      adam: this.adam.state(),
      observedSteps: this.observedSteps,
      ...(this.options.offsetRange !== undefined
        ? {
            scaleOffsets: {
              scale: this.scale,
              offsets: Array.from(this.offsets),
              scaleAdam: this.scaleAdam.state(),
              offsetM: Array.from(this.offsetM),
              offsetV: this.offsetV,
              offsetT: this.offsetT,
            },
          }
        : {}),
    };
  }

  restore(state: PruningControllerState): void {
    this.sizeProportions.set(state.sizeProportions);
    state.importances.forEach((imp, g) => this.importances[g].set(imp));
    this.ranks = state.ranks
      ? state.ranks.map((r) => Int32Array.from(r))
      : this.importances.map((imp) => rankChannels(imp));
    this.lambdas = { ...state.lambdas };
    this.pull = state.pull ?? 0;
    this.adam.restore(state.adam);
    this.observedSteps = state.observedSteps;
    const so = state.scaleOffsets;
    if (so) {
      this.scale = so.scale;
      this.offsets = Float64Array.from(so.offsets);
      this.scaleAdam.restore(so.scaleAdam);
      this.offsetM = Float64Array.from(so.offsetM);
      this.offsetV = so.offsetV;
      this.offsetT = so.offsetT;
    }
  }
}

/** What the greedy budget searches (repair and fill) work on. */
export interface BudgetSearch {
  groups: readonly GroupState[];
  importances: readonly Float64Array[];
  ranks: readonly Int32Array[];
  budgets: Budgets;
  /** The resource figures at integer channel counts. */
  evaluate: (kept: readonly number[]) => ResourceFigures;
}

/**
 * Feasibility repair (METHOD §6): while a budget is exceeded, remove the kept channel with the
 * least importance per unit of the violated resource it frees. Returns the new counts and
 * whether all budgets are met.
 */
export function repairToBudget(
  search: BudgetSearch,
  kept: readonly number[],
  maxRemovals = 100_000,
): { kept: number[]; feasible: boolean; removed: number } {
  const { groups, importances, ranks, budgets, evaluate } = search;
  const current = [...kept];
  let values = evaluate(current);
  let removed = 0;
  const violated = () =>
    RESOURCE_NAMES.filter((r) => budgets[r] !== undefined && values[r] > (budgets[r] as number));
  while (removed < maxRemovals) {
    const over = violated();
    if (over.length === 0) return { kept: current, feasible: true, removed };
    let best = -1;
    let bestScore = Infinity;
    let bestValues = values;
    groups.forEach((group, g) => {
      if (!group.prunable || current[g] <= 1) return;
      const trial = [...current];
      trial[g] -= 1;
      const trialValues = evaluate(trial);
      // Relative saving on the violated resources, so bytes and cycles are comparable.
      let saving = 0;
      for (const r of over) saving += (values[r] - trialValues[r]) / (budgets[r] as number);
      if (saving <= 0) return;
      const leastKept = ranks[g].indexOf(current[g] - 1);
      const score = importances[g][leastKept] / saving;
      if (score < bestScore) {
        bestScore = score;
        best = g;
        bestValues = trialValues;
      }
    });
    if (best < 0) return { kept: current, feasible: false, removed };
    current[best] -= 1;
    values = bestValues;
    removed += 1;
  }
  return { kept: current, feasible: violated().length === 0, removed };
}

/**
 * "Use the budget" (method-notes §4), the mirror of repairToBudget: while some pruned channel
 * still fits every budget, re-admit the one with the best importance per unit of resource it
 * costs (relative to each budget, summed over the budgets). Never breaks a budget that `kept`
 * meets. Returns the new counts and how many channels came back.
 */
export function fillToBudget(
  search: BudgetSearch,
  kept: readonly number[],
  maxAdditions = 100_000,
): { kept: number[]; added: number } {
  const { groups, importances, ranks, budgets, evaluate } = search;
  const current = [...kept];
  const limited = RESOURCE_NAMES.filter((r) => budgets[r] !== undefined);
  if (limited.length === 0) return { kept: current, added: 0 };
  let values = evaluate(current);
  if (limited.some((r) => values[r] > (budgets[r] as number))) return { kept: current, added: 0 };
  let added = 0;
  while (added < maxAdditions) {
    let best = -1;
    let bestScore = -Infinity;
    let bestValues = values;
    groups.forEach((group, g) => {
      if (!group.prunable || current[g] >= group.size) return;
      const trial = [...current];
      trial[g] += 1;
      const trialValues = evaluate(trial);
      if (limited.some((r) => trialValues[r] > (budgets[r] as number))) return;
      let cost = 0;
      for (const r of limited) cost += (trialValues[r] - values[r]) / (budgets[r] as number);
      const nextBest = ranks[g].indexOf(current[g]);
      const score = importances[g][nextBest] / Math.max(cost, 1e-12);
      if (score > bestScore) {
        bestScore = score;
        best = g;
        bestValues = trialValues;
      }
    });
    if (best < 0) break;
    current[best] += 1;
    values = bestValues;
    added += 1;
  }
  return { kept: current, added };
}

/**
 * Reallocation at the margin (issue 15, an experiment; off by default): after repair and fill,
 * while moving one channel from one group to another keeps every budget and the channel that
 * comes back is more important than the one that goes, make the best such move. The greedy
 * searches above compare channels by importance per unit of resource; this one equalises the
 * importance of the last kept channel across groups wherever the budgets allow the exchange.
 * Returns the new counts and how many moves were made.
 */
export function exchangeAtMargin(
  search: BudgetSearch,
  kept: readonly number[],
  maxMoves: number,
): { kept: number[]; moved: number } {
  const { groups, importances, ranks, budgets, evaluate } = search;
  const current = [...kept];
  const fits = (counts: readonly number[]) => fitsBudgets(evaluate(counts), budgets);
  if (!fits(current)) return { kept: current, moved: 0 };
  let moved = 0;
  while (moved < maxMoves) {
    let best: [number, number] | undefined;
    let bestGain = 0;
    groups.forEach((into, a) => {
      if (!into.prunable || current[a] >= into.size) return;
      const gained = importances[a][ranks[a].indexOf(current[a])];
      groups.forEach((from, r) => {
        if (r === a || !from.prunable || current[r] <= 1) return;
        const gain = gained - importances[r][ranks[r].indexOf(current[r] - 1)];
        if (gain <= bestGain) return;
        const trial = [...current];
        trial[a] += 1;
        trial[r] -= 1;
        if (!fits(trial)) return;
        best = [a, r];
        bestGain = gain;
      });
    });
    if (!best) break;
    current[best[0]] += 1;
    current[best[1]] -= 1;
    moved += 1;
  }
  return { kept: current, moved };
}

export type SchedulePhase = 'warmup' | 'pruning' | 'finetune';

export interface ScheduleFractions {
  warmupFraction: number;
  pruneFraction: number;
}

/** Step boundaries of the schedule (METHOD §6): [0, warmupEnd) warm-up, then pruning, then fine-tune. */
export function scheduleBoundaries(totalSteps: number, f: ScheduleFractions) {
  const warmupEnd = Math.round(totalSteps * f.warmupFraction);
  const pruneEnd = Math.min(totalSteps, warmupEnd + Math.round(totalSteps * f.pruneFraction));
  return { warmupEnd, pruneEnd };
}

/**
 * The phase at a step. `removed`: the channels were already removed, which ends the pruning
 * phase early (method-notes §7: a run removes them once its budgets are met for a while).
 */
export function phaseAt(
  step: number,
  totalSteps: number,
  f: ScheduleFractions,
  removed = false,
): SchedulePhase {
  const { warmupEnd, pruneEnd } = scheduleBoundaries(totalSteps, f);
  if (step < warmupEnd) return 'warmup';
  if (step < pruneEnd && !removed) return 'pruning';
  return 'finetune';
}
