/**
 * Adapts the core MCU resource model to what the trainer and the worker need: figures keyed by
 * resource, gradients per group, a per-layer breakdown and the pre-start feasibility check.
 */
import type { AnalysedGraph } from '../core/graphAnalysis';
import { boardById, type BoardProfile } from '../core/hardware';
import { ResourceModel } from '../core/resourceModel';
import { checkFeasibility } from '../core/feasibility';
import type { ResourceEvaluation } from '../core/pruning';
import { figuresOf, type Budgets } from '../core/resources';
import type { ResourceEstimator } from './trainer';

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
      return { values: figures, gradients };
    },
    report(kept) {
      const report = model.report(kept);
      return {
        values: figuresOf(report),
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
  const check = checkFeasibility(analysed, budgets, { board: resolve(board) });
  return check.feasible ? undefined : `Budget cannot be met. ${check.messages.join(' ')}`;
}
