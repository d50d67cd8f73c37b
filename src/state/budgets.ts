/**
 * Default budgets for a board and a model, and the feasibility flag shown before a run.
 * Units: bytes (flash, ram), milliseconds (latency), MACs.
 */
import type { Budgets, ResourceFigures, ResourceName } from '../worker/protocol';
import { freeFlashBytes, freeRamBytes, type BoardPreset } from './boards';

/** How far a default budget asks to shrink the unpruned model, per resource (divisors ≥ 1). */
export interface Shrink {
  flash: number;
  ram: number;
  latency: number;
}

/**
 * The shrink of a large CNN (the MNIST CNN, 465 KB of int8 weights): an 8× smaller flash
 * image is a clear pruning target it meets with little accuracy loss (bench/results/quality.md,
 * board preset and flash 1/16); RAM and latency follow more gently. MACs are left unlimited
 * (latency already tracks them). Also the shrink of a model this table does not know.
 */
export const DEFAULT_SHRINK: Shrink = { flash: 8, ram: 2, latency: 4 };

/**
 * Per built-in model (src/core/zoo.ts), measured at the page's default settings by
 * `npm run bench:defaults` (bench/results/defaults.md: every built-in model on every built-in
 * dataset keeps ≥ 95% of its unpruned accuracy). The large CNNs keep DEFAULT_SHRINK. The
 * compact ones (DS-CNN 42 KB, MobileNetV2 66 KB, ResNet-8 89 KB of weights) have little to
 * spare: 1/8 of DS-CNN removed most of it (on a keyword upload its accuracy fell from 88.9% to
 * 65.6%), so DS-CNN is asked to halve its flash, MobileNetV2 and ResNet-8 for 1/1.6 (at 1/2
 * they kept 95.9% and, on a second seed, 92.2% on MNIST), with RAM at 1/1.25 (at 1/1.5 RAM cut
 * DS-CNN's first layers to 24 of 64 channels).
 * The tiny CNN (4 KB, half of it the fixed part) only trims: at 1/1.25 it kept 93–95%.
 */
export const MODEL_SHRINK: Readonly<Record<string, Shrink>> = {
  'mnist-cnn': DEFAULT_SHRINK,
  'vgg-cifar': DEFAULT_SHRINK,
  resnet8: { flash: 1.6, ram: 1.25, latency: 1.6 },
  mobilenetv2: { flash: 1.6, ram: 1.25, latency: 1.6 },
  'ds-cnn': { flash: 2, ram: 1.25, latency: 2 },
  'tiny-cnn': { flash: 1.1, ram: 1.1, latency: 1.1 },
};

/** The shrink of a model (DEFAULT_SHRINK for an id the table does not list). */
export function modelShrink(modelId: string): Shrink {
  return Object.hasOwn(MODEL_SHRINK, modelId) ? MODEL_SHRINK[modelId] : DEFAULT_SHRINK;
}

const KB = 1024;
/**
 * Below 8 KB a whole KB is too coarse a step (a tiny model's budget would round past it), as
 * 0.1 ms is below 1 ms.
 */
const BYTES_STEP = 64;

/** Decimals of a step such as 0.1 (1) or 1024 (0), to drop binary noise (0.30000000000000004). */
const decimalsOf = (step: number) => Math.max(0, -Math.floor(Math.log10(step)));
const clean = (value: number, step: number) => Number(value.toFixed(decimalsOf(step)));

/** Rounds down to a figure that reads well on a slider and in a link (never to 0). */
function roundDown(value: number, step: number): number {
  return clean(Math.max(step, Math.floor(value / step) * step), step);
}

/** Rounds up to a figure that reads well. */
function roundUp(value: number, step: number): number {
  return clean(Math.ceil(value / step) * step, step);
}

/** A budget at the precision it means: whole bytes and MACs, latency to the microsecond. */
export function roundBudget(resource: ResourceName, value: number): number {
  return resource === 'latency' ? Number(value.toFixed(3)) : Math.round(value);
}

/**
 * A default budget never asks for less than this multiple of the smallest network pruning can
 * reach (one channel per group), so a preset is always feasible, with room to keep accuracy.
 */
export const MIN_HEADROOM = 1.25;

/**
 * Budgets a preset fills in for a model on a board: each resource gets the tighter of the
 * unpruned figure divided by the model's shrink (modelShrink) and what the board has free
 * after the runtime's share, but never less than the smallest achievable figure with some
 * headroom (then rounded up, so it stays feasible). Figures are rounded down to whole KB (to
 * 64 bytes below 8 KB) and latencies to 0.1 ms (0.01 ms below 1 ms).
 */
export function defaultBudgets(
  board: BoardPreset,
  unpruned: ResourceFigures,
  smallest?: ResourceFigures,
  shrink: Shrink = DEFAULT_SHRINK,
): Budgets {
  const pick = (target: number, resource: 'flash' | 'ram' | 'latency') => {
    const floor = smallest ? smallest[resource] * MIN_HEADROOM : 0;
    const value = Math.max(target, floor);
    const step =
      resource === 'latency' ? (value >= 1 ? 0.1 : 0.01) : value >= 8 * KB ? KB : BYTES_STEP;
    const rounded = roundDown(value, step);
    return rounded >= floor ? rounded : roundUp(floor, step);
  };
  const limit = (resource: 'flash' | 'ram' | 'latency', free = Infinity) =>
    Math.min(unpruned[resource] / Math.max(1, shrink[resource]), free);
  return {
    flash: pick(limit('flash', freeFlashBytes(board)), 'flash'),
    ram: pick(limit('ram', freeRamBytes(board)), 'ram'),
    latency: pick(limit('latency'), 'latency'),
  };
}

/** The hard ceiling of a resource on a board (undefined: the board does not limit it). */
export function boardLimit(board: BoardPreset, resource: ResourceName): number | undefined {
  if (resource === 'flash') return freeFlashBytes(board);
  if (resource === 'ram') return freeRamBytes(board);
  return undefined;
}

export interface BudgetProblem {
  resource: ResourceName;
  budget: number;
  /** The smallest figure any pruning can reach (undefined for a board-limit problem). */
  smallest?: number;
  /** The board's limit, when the budget exceeds it. */
  limit?: number;
}

/**
 * Budgets no pruning can meet (below the narrowest network) or that exceed what the board
 * has. An empty list means "go". Core's checkFeasibility replaces the estimate of `smallest`.
 */
export function budgetProblems(
  budgets: Budgets,
  smallest: ResourceFigures | undefined,
  board: BoardPreset,
): BudgetProblem[] {
  const problems: BudgetProblem[] = [];
  for (const resource of ['flash', 'ram', 'latency', 'macs'] as const) {
    const budget = budgets[resource];
    if (budget === undefined) continue;
    if (smallest && budget < smallest[resource]) {
      problems.push({ resource, budget, smallest: smallest[resource] });
    }
    const limit = boardLimit(board, resource);
    if (limit !== undefined && budget > limit) problems.push({ resource, budget, limit });
  }
  return problems;
}
