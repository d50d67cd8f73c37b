/**
 * The uniform-width baseline: the same architecture shrunk by one width multiplier r for every
 * prunable channel group (round(r·C) channels of C, at least one), the largest r whose network
 * the resource model says fits the budgets. The app trains it as the "same budget, spent
 * uniformly" comparison for a run; the quality benchmark trains it as method (b).
 */
import type { AnalysedGraph } from './graphAnalysis';
import { RESOURCE_NAMES, type Budgets, type ResourceFigures } from './resources';

/** Figures of the network at integer channel counts per group (all groups, in group order). */
export type FiguresAt = (kept: readonly number[]) => ResourceFigures;

/** Channels per group at width multiplier r: clamp(round(r·C), 1, C); fixed groups keep all. */
export function uniformKept(analysed: Pick<AnalysedGraph, 'groups'>, ratio: number): number[] {
  return analysed.groups.map((g) =>
    g.prunable ? Math.min(g.size, Math.max(1, Math.round(ratio * g.size))) : g.size,
  );
}

/** Whether every set budget is met (an absent budget does not limit). */
export function fitsBudgets(values: ResourceFigures, budgets: Budgets): boolean {
  return RESOURCE_NAMES.every((r) => budgets[r] === undefined || values[r] <= budgets[r]);
}

/** Budgets the figures exceed, in the page's resource order. */
export function exceededBudgets(values: ResourceFigures, budgets: Budgets) {
  return RESOURCE_NAMES.filter((r) => budgets[r] !== undefined && values[r] > budgets[r]);
}

export class NoUniformWidthError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoUniformWidthError';
  }
}

/** Bisection steps: r to within 2^-40, far finer than one channel of any group. */
const BISECTION_STEPS = 40;

/**
 * The largest uniform width multiplier r in [0, 1] whose network fits the budgets, by
 * bisection (the figures grow with the width). Throws NoUniformWidthError when even one
 * channel per prunable group does not fit.
 */
export function largestUniformRatio(
  analysed: Pick<AnalysedGraph, 'groups'>,
  figuresAt: FiguresAt,
  budgets: Budgets,
): { ratio: number; kept: number[] } {
  const fits = (r: number) => fitsBudgets(figuresAt(uniformKept(analysed, r)), budgets);
  if (!fits(0)) {
    const over = exceededBudgets(figuresAt(uniformKept(analysed, 0)), budgets);
    throw new NoUniformWidthError(
      `Even one channel per group exceeds the ${over.join(', ')} budget${over.length === 1 ? '' : 's'}: no uniform width fits.`,
    );
  }
  if (fits(1)) return { ratio: 1, kept: uniformKept(analysed, 1) };
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < BISECTION_STEPS; i++) {
    const mid = (lo + hi) / 2;
    if (fits(mid)) lo = mid;
    else hi = mid;
  }
  return { ratio: lo, kept: uniformKept(analysed, lo) };
}
