/**
 * Figures of the configured model before any run, from core's resource model: the unpruned
 * network and the smallest one pruning can reach (one channel per prunable group, as in
 * core's checkFeasibility). The page uses them to propose budgets and to flag an impossible
 * one before starting; during a run the worker's own figures take over.
 */
import type { BoardProfile } from '../core/hardware';
import { analyseGraph } from '../core/graphAnalysis';
import { minimalFootprint } from '../core/feasibility';
import { ResourceModel, fullWidths } from '../core/resourceModel';
import type { ResourceFigures } from '../core/resources';
import { zooModel } from '../core/zoo';

export interface ModelEstimate {
  unpruned: ResourceFigures;
  /** One channel in every prunable group: no budget below this can be met. */
  smallest: ResourceFigures;
}

/** undefined when the model cannot be built for this input (the page then shows no estimate). */
export function estimateModel(
  modelId: string,
  widthMultiplier: number,
  inputShape: [number, number, number],
  numClasses: number,
  board: BoardProfile,
): ModelEstimate | undefined {
  try {
    const graph = zooModel(modelId).build({ inputShape, numClasses, widthMultiplier });
    const analysed = analyseGraph(graph);
    const model = new ResourceModel(analysed, { board });
    return {
      unpruned: model.evaluate(fullWidths(analysed)),
      smallest: minimalFootprint(analysed, { board }),
    };
  } catch {
    return undefined;
  }
}
