/**
 * The operator order the exporter should write: the resource model's RAM-optimal execution
 * order (METHOD.md §4), as graph node ids for `ExportableModel.operatorOrder`.
 */
import type { AnalysedGraph } from '../core/graphAnalysis';
import type { ResourceReport } from '../core/resourceModel';

/**
 * Node ids in the order of `report.operators` (each operator's fused chain, leader first),
 * after the input node(s). Core and exporter lower with the same fusion rules
 * (core/deployment.ts), so the exporter places each fused operator at its last node and
 * writes the operators exactly in `report.executionOrder`.
 */
export function exportOperatorOrder(
  analysed: AnalysedGraph,
  report: Pick<ResourceReport, 'operators'>,
): string[] {
  const order = [...analysed.inputIds, ...report.operators.flatMap((op) => op.nodes)];
  const listed = new Set(order);
  const missing = analysed.topoOrder.filter((id) => !listed.has(id));
  if (missing.length > 0) {
    throw new Error(`exportOperatorOrder: the report has no operator for ${missing.join(', ')}.`);
  }
  return order;
}
