/**
 * Default budgets for a board and a model, and the feasibility flag shown before a run.
 * Units: bytes (flash, ram), milliseconds (latency), MACs.
 */
import type { Budgets, ResourceFigures, ResourceName } from '../worker/protocol';
import { freeFlashBytes, freeRamBytes, type BoardPreset } from './boards';

/**
 * How far the default budget asks to shrink the unpruned model: an 8× smaller flash image is
 * a clear pruning target that MNIST-size CNNs still meet with little accuracy loss; RAM and
 * latency follow more gently. MACs are left unlimited (latency already tracks them).
 */
export const DEFAULT_SHRINK = { flash: 8, ram: 2, latency: 4 } as const;

const KB = 1024;

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
 * Budgets a preset fills in: each resource gets the unpruned figure divided by its shrink
 * factor, or what the board has free, whichever is smaller, but never less than the smallest
 * achievable figure with some headroom (then rounded up, so it stays feasible).
 */
export function defaultBudgets(
  board: BoardPreset,
  unpruned: ResourceFigures,
  smallest?: ResourceFigures,
): Budgets {
  const pick = (target: number, resource: 'flash' | 'ram' | 'latency', step: number) => {
    const floor = smallest ? smallest[resource] * MIN_HEADROOM : 0;
    return target >= floor ? roundDown(target, step) : roundUp(floor, step);
  };
  return {
    flash: pick(
      Math.min(unpruned.flash / DEFAULT_SHRINK.flash, freeFlashBytes(board)),
      'flash',
      KB,
    ),
    ram: pick(Math.min(unpruned.ram / DEFAULT_SHRINK.ram, freeRamBytes(board)), 'ram', KB),
    latency: pick(unpruned.latency / DEFAULT_SHRINK.latency, 'latency', 0.1),
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
