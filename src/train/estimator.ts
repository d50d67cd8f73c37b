/**
 * Adapts the core MCU resource model to what the trainer and the worker need: figures keyed by
 * resource, gradients per group, a per-layer breakdown and the pre-start feasibility check.
 */
import type { AnalysedGraph } from '../core/graphAnalysis';
import { boardById, type BoardProfile } from '../core/hardware';
import { ResourceModel, type ResourceFigures as CoreFigures } from '../core/resourceModel';
import { checkFeasibility } from '../core/feasibility';
import type { Budgets, ResourceEvaluation, ResourceKey } from '../core/pruning';
import type { ResourceEstimator, ResourceFigures } from './trainer';

const CORE_NAME: Record<ResourceKey, keyof CoreFigures> = {
  flash: 'flashBytes',
  ram: 'ramBytes',
  latency: 'latencyMs',
  macs: 'macs',
};

export function toResourceFigures(figures: CoreFigures): ResourceFigures {
  return {
    flash: figures.flashBytes,
    ram: figures.ramBytes,
    latency: figures.latencyMs,
    macs: figures.macs,
  };
}

/** A preset by id, or a board given in full (a custom board). */
const resolve = (board: string | BoardProfile) =>
  typeof board === 'string' ? boardById(board) : board;

export function createResourceEstimator(
  analysed: AnalysedGraph,
  board: string | BoardProfile,
): ResourceEstimator & { model: ResourceModel } {
  const model = new ResourceModel(analysed, { board: resolve(board) });
  return {
    model,
    evaluate(widths): ResourceEvaluation {
      const { figures, gradients } = model.evaluateWithGradients(widths);
      return {
        values: toResourceFigures(figures),
        gradients: {
          flash: gradients.flashBytes,
          ram: gradients.ramBytes,
          latency: gradients.latencyMs,
          macs: gradients.macs,
        },
      };
    },
    report(kept) {
      const report = model.report(kept);
      return {
        values: toResourceFigures(report),
        layers: report.operators.map((op) => ({
          node: op.label,
          op: op.kind,
          flashBytes: op.flashBytes,
          macs: op.macs,
          latencyMs: op.latencyMs,
          liveBytes: op.liveBytes,
        })),
        ramPeakNode: report.peakOperator,
        executionOrder: report.operators.flatMap((op) => op.nodes),
      };
    },
  };
}

/** A message saying why the budgets cannot be met even at one channel per group, or undefined. */
export function feasibilityProblem(
  analysed: AnalysedGraph,
  board: string | BoardProfile,
  budgets: Budgets,
): string | undefined {
  const coreBudgets: Partial<Record<keyof CoreFigures, number>> = {};
  for (const [key, value] of Object.entries(budgets) as [ResourceKey, number | undefined][]) {
    if (value !== undefined) coreBudgets[CORE_NAME[key]] = value;
  }
  const check = checkFeasibility(analysed, coreBudgets, { board: resolve(board) });
  return check.feasible ? undefined : `Budget cannot be met. ${check.messages.join(' ')}`;
}
