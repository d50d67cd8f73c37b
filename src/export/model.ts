/**
 * The input contract of every writer in src/export: a physically pruned network with its
 * float weights, and what every writer reads from it: core's analysis of the graph (the one
 * shape inference and validation), the execution order and weight-length checks.
 *
 * Tensors are NHWC without the batch axis, as in core/graph.ts: spatial [H, W, C], flat [C].
 */
import {
  DEFAULT_BN_EPSILON,
  type GraphNode,
  type LayerWeights,
  type NetworkGraph,
  type Padding,
} from '../core/graph';
import {
  analyseGraph,
  convOutputSize,
  GraphError,
  type AnalysedGraph,
} from '../core/graphAnalysis';

export type { LayerWeights };

export interface ExportableModel {
  /** The PRUNED graph: conv filters / dense units already reduced to the kept counts. */
  graph: NetworkGraph;
  /** By node id; tfjs layouts: conv kernel [kh,kw,cin,cout], depthwise [kh,kw,c,1], dense [in,out]. */
  weights: Record<string, LayerWeights>;
  /** Node ids in the RAM-minimising order from core; else a topological order is used. */
  operatorOrder?: string[];
  /** Raw uint8/float input → model input: x = raw · scale + offset. */
  normalisation: { scale: number; offset: number };
}

/** Every error a caller can cause in the exporters; the message says what is wrong and where. */
export class ExportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExportError';
  }
}

/** Activation shape without the batch axis. */
export type Shape = readonly number[];

export { DEFAULT_BN_EPSILON };

/** Fails with a clear message when the caller has no model to export (e.g. before training). */
export function requireModel(model: ExportableModel | undefined | null): ExportableModel {
  if (model === undefined || model === null) {
    throw new ExportError(
      'Nothing to export: no trained model is available yet. Train (or load) a model first.',
    );
  }
  if (!model.graph || !Array.isArray(model.graph.nodes) || model.graph.nodes.length === 0) {
    throw new ExportError('Nothing to export: the model has no graph nodes.');
  }
  return model;
}

/** TF's 'same' padding puts the smaller half before, the larger half after. */
export function padBefore(n: number, k: number, s: number, padding: Padding): number {
  if (padding === 'valid') return 0;
  const out = convOutputSize(n, k, s, 'same');
  const total = Math.max((out - 1) * s + k - n, 0);
  return Math.floor(total / 2);
}

/**
 * What every writer reads: core's analysis of the graph (validation, shapes, channel groups;
 * the same analysis the resource model costs) and the execution order the file will have.
 */
export interface ExportGraph {
  readonly analysed: AnalysedGraph;
  /** Every node in execution order, the input node first. */
  readonly order: GraphNode[];
  readonly shapes: ReadonlyMap<string, Shape>;
}

/**
 * Analyses the model's graph with core/graphAnalysis.ts and checks what only an exporter
 * needs: one input, a valid `operatorOrder`, and (unless `checkWeights` is false) weights
 * of the right lengths for every layer. Throws ExportError naming the node at the first
 * problem.
 */
export function analyseExportable(
  modelOrUndefined: ExportableModel | undefined | null,
  options: { checkWeights?: boolean } = {},
): ExportGraph {
  const model = requireModel(modelOrUndefined);
  let analysed: AnalysedGraph;
  try {
    analysed = analyseGraph(model.graph);
  } catch (err) {
    if (err instanceof GraphError) throw new ExportError(`Cannot export: ${err.message}.`);
    throw err;
  }
  if (analysed.inputIds.length !== 1) {
    throw new ExportError(
      `The exporters need exactly one input node; found ${analysed.inputIds.length}.`,
    );
  }
  const order = executionOrder(model, analysed);
  if (options.checkWeights ?? true) {
    for (const node of order) checkWeights(model, node, analysed.shapes);
  }
  return { analysed, order, shapes: analysed.shapes };
}

/** The given operatorOrder when it is a valid order of every node, else core's topological one. */
function executionOrder(model: ExportableModel, analysed: AnalysedGraph): GraphNode[] {
  const { nodes } = analysed;
  const inputId = analysed.inputIds[0];
  if (!model.operatorOrder) return analysed.topoOrder.map((id) => nodes.get(id)!);
  const seen = new Set<string>([inputId]);
  const order: GraphNode[] = [nodes.get(inputId)!];
  for (const id of model.operatorOrder) {
    const node = nodes.get(id);
    if (!node) throw new ExportError(`operatorOrder names unknown node '${id}'.`);
    if (node.op === 'input') continue;
    if (seen.has(id)) throw new ExportError(`operatorOrder lists node '${id}' twice.`);
    for (const input of node.inputs) {
      if (!seen.has(input)) {
        throw new ExportError(
          `operatorOrder runs '${id}' before its input '${input}': not a valid execution order.`,
        );
      }
    }
    seen.add(id);
    order.push(node);
  }
  const missing = analysed.topoOrder.filter((id) => !seen.has(id));
  if (missing.length > 0) {
    throw new ExportError(`operatorOrder is missing node(s): ${missing.join(', ')}.`);
  }
  return order;
}

/** Lengths of a layer's weight arrays, from its analysed input and output shapes. */
function checkWeights(
  model: ExportableModel,
  node: GraphNode,
  shapes: ReadonlyMap<string, Shape>,
): void {
  const w = model.weights[node.id];
  const describe = `node '${node.id}' (${node.op})`;
  const need = (name: keyof LayerWeights, length: number): void => {
    const arr = w?.[name];
    if (!arr) throw new ExportError(`${describe} has no '${name}' weights.`);
    if (arr.length !== length) {
      throw new ExportError(`${describe}: '${name}' has ${arr.length} values, expected ${length}.`);
    }
  };
  const out = shapes.get(node.id)!;
  const channels = out[out.length - 1];
  const fanIn = node.inputs.length > 0 ? sizeOf(shapes.get(node.inputs[0])!) : 0;
  switch (node.op) {
    case 'conv2d': {
      const cin = shapes.get(node.inputs[0])![2];
      need('kernel', node.kernelSize[0] * node.kernelSize[1] * cin * node.filters);
      if (node.useBias) need('bias', node.filters);
      break;
    }
    case 'depthwiseConv2d':
      need('kernel', node.kernelSize[0] * node.kernelSize[1] * channels);
      if (node.useBias) need('bias', channels);
      break;
    case 'dense':
      need('kernel', fanIn * node.units);
      if (node.useBias) need('bias', node.units);
      break;
    case 'batchNorm':
      for (const name of ['gamma', 'beta'] as const) if (w?.[name]) need(name, channels);
      need('movingMean', channels);
      need('movingVariance', channels);
      break;
    default:
      break;
  }
}

export function sizeOf(shape: Shape): number {
  return shape.reduce((a, b) => a * b, 1);
}
