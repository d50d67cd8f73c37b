/**
 * Infeasible-budget check (METHOD.md §6): if even one channel per prunable group does not
 * fit a budget, say so before training starts rather than failing later.
 */
import type { AnalysedGraph } from './graphAnalysis';
import { ResourceModel, type ResourceOptions } from './resourceModel';
import { RESOURCE_NAMES, type Budgets, type ResourceFigures, type ResourceName } from './resources';

export interface FeasibilityCheck {
  /** True when the smallest network (one channel per prunable group) fits every budget. */
  readonly feasible: boolean;
  /** The smallest achievable figures. */
  readonly minimal: ResourceFigures;
  /** Budgets that even the smallest network exceeds. */
  readonly violated: ResourceName[];
  /** One message per violated budget, saying what to do. */
  readonly messages: string[];
}

/** One channel per prunable group, full size elsewhere. */
export function minimalWidths(analysed: AnalysedGraph): Float64Array {
  return Float64Array.from(analysed.groups, (g) => (g.prunable ? 1 : g.size));
}

/** Figures of the smallest network the pruning can reach. */
export function minimalFootprint(
  analysed: AnalysedGraph,
  options: ResourceOptions = {},
): ResourceFigures {
  return new ResourceModel(analysed, options).evaluate(minimalWidths(analysed));
}

const UNITS: Record<ResourceName, (v: number) => string> = {
  flash: (v) => `${(v / 1024).toFixed(1)} KB flash`,
  ram: (v) => `${(v / 1024).toFixed(1)} KB RAM`,
  latency: (v) => `${v.toFixed(2)} ms latency`,
  macs: (v) => `${Math.round(v).toLocaleString('en-US')} MACs`,
};

export function checkFeasibility(
  analysed: AnalysedGraph,
  budgets: Budgets,
  options: ResourceOptions = {},
): FeasibilityCheck {
  const minimal = minimalFootprint(analysed, options);
  const violated = RESOURCE_NAMES.filter((r) => {
    const budget = budgets[r];
    return budget !== undefined && minimal[r] > budget;
  });
  const messages = violated.map(
    (r) =>
      `Even with one channel per layer group the model needs ${UNITS[r](minimal[r])}, ` +
      `over the budget of ${UNITS[r](budgets[r]!)}: raise the budget, pick a larger board ` +
      `or use a smaller architecture (smaller input, fewer layers).`,
  );
  return { feasible: violated.length === 0, minimal, violated, messages };
}
