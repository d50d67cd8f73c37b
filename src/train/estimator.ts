/**
 * Adapts the core MCU resource model to what the trainer and the worker need: figures keyed by
 * resource, gradients per group, a per-layer breakdown and the pre-start feasibility check.
 */
import type { AnalysedGraph } from '../core/graphAnalysis';
import { boardById } from '../core/hardware';
import { ResourceModel } from '../core/resourceModel';
import { checkFeasibility } from '../core/feasibility';
import type { ResourceEvaluation } from '../core/pruning';
import { byResource, type Budgets } from '../core/resources';
import type { ResourceEstimator } from './trainer';

export function createResourceEstimator(
  analysed: AnalysedGraph,
  boardId: string,
): ResourceEstimator & { model: ResourceModel } {
  const model = new ResourceModel(analysed, { board: boardById(boardId) });
  return {
    model,
    evaluate(widths): ResourceEvaluation {
      const { figures, gradients } = model.evaluateWithGradients(widths);
      return { values: byResource(figures), gradients: byResource(gradients) };
    },
    report(kept) {
      const report = model.report(kept);
      return {
        values: byResource(report),
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
  boardId: string,
  budgets: Budgets,
): string | undefined {
  const check = checkFeasibility(analysed, budgets, { board: boardById(boardId) });
  return check.feasible ? undefined : `Budget cannot be met. ${check.messages.join(' ')}`;
}
