/**
 * The input contract of every writer in src/export: a physically pruned network with its
 * float weights, plus shape inference, ordering and validation shared by the writers.
 *
 * Tensors are NHWC without the batch axis, as in core/graph.ts: spatial [H, W, C], flat [C].
 */
import {
  DEFAULT_BN_EPSILON,
  OP_TYPES,
  type GraphNode,
  type LayerWeights,
  type NetworkGraph,
  type OpType,
  type Padding,
} from '../core/graph';

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

const SUPPORTED_OPS: ReadonlySet<string> = new Set<OpType>(OP_TYPES);

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

/** TF's output size: 'same' ceil(n/s), 'valid' ceil((n-k+1)/s). */
export function outputSize(n: number, k: number, s: number, padding: Padding): number {
  return padding === 'same' ? Math.ceil(n / s) : Math.ceil((n - k + 1) / s);
}

/** TF's 'same' padding puts the smaller half before, the larger half after. */
export function padBefore(n: number, k: number, s: number, padding: Padding): number {
  if (padding === 'valid') return 0;
  const out = Math.ceil(n / s);
  const total = Math.max((out - 1) * s + k - n, 0);
  return Math.floor(total / 2);
}

export function nodeMap(graph: NetworkGraph): Map<string, GraphNode> {
  const map = new Map<string, GraphNode>();
  for (const node of graph.nodes) {
    if (map.has(node.id)) throw new ExportError(`Graph has two nodes with id '${node.id}'.`);
    map.set(node.id, node);
  }
  return map;
}

/** Nodes the output depends on (others are dead code and are not exported). */
function liveNodes(graph: NetworkGraph, nodes: Map<string, GraphNode>): Set<string> {
  const live = new Set<string>();
  const stack = [graph.output];
  while (stack.length > 0) {
    const id = stack.pop() as string;
    if (live.has(id)) continue;
    const node = nodes.get(id);
    if (!node) throw new ExportError(`Graph refers to node '${id}', which does not exist.`);
    live.add(id);
    for (const input of node.inputs) stack.push(input);
  }
  return live;
}

/**
 * The execution order of the live nodes (input node included, first): the given operatorOrder
 * when it is a valid topological order of them, else a deterministic topological order.
 */
export function executionOrder(model: ExportableModel): GraphNode[] {
  const { graph } = model;
  const nodes = nodeMap(graph);
  const live = liveNodes(graph, nodes);
  const inputs = graph.nodes.filter((n) => n.op === 'input' && live.has(n.id));
  if (inputs.length !== 1) {
    throw new ExportError(
      `The exporters need exactly one input node feeding the output; found ${inputs.length}.`,
    );
  }
  if (model.operatorOrder) {
    const seen = new Set<string>([inputs[0].id]);
    const order: GraphNode[] = [inputs[0]];
    for (const id of model.operatorOrder) {
      const node = nodes.get(id);
      if (!node) throw new ExportError(`operatorOrder names unknown node '${id}'.`);
      if (node.op === 'input' || !live.has(id)) continue;
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
    const missing = [...live].filter((id) => !seen.has(id));
    if (missing.length > 0) {
      throw new ExportError(`operatorOrder is missing node(s): ${missing.join(', ')}.`);
    }
    return order;
  }
  // Depth-first post-order from the output, inputs visited in order: deterministic and valid.
  const order: GraphNode[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string): void => {
    const s = state.get(id);
    if (s === 'done') return;
    if (s === 'visiting') throw new ExportError(`Graph has a cycle through node '${id}'.`);
    state.set(id, 'visiting');
    const node = nodes.get(id) as GraphNode;
    for (const input of node.inputs) visit(input);
    state.set(id, 'done');
    order.push(node);
  };
  visit(graph.output);
  return order;
}

function describe(node: GraphNode): string {
  return `node '${node.id}' (${node.op})`;
}

/**
 * Infers every live node's output shape and checks the model is exportable: supported ops,
 * input counts, shapes that fit together, weights present with the right lengths.
 * Throws ExportError naming the node and op at the first problem.
 */
export function inferShapes(
  model: ExportableModel,
  options: { checkWeights?: boolean } = {},
): Map<string, Shape> {
  const checkWeights = options.checkWeights ?? true;
  const shapes = new Map<string, Shape>();
  for (const node of executionOrder(model)) {
    if (!SUPPORTED_OPS.has(node.op)) {
      throw new ExportError(
        `Unsupported operation '${String(node.op)}' at node '${node.id}': the exporters support ` +
          `${[...SUPPORTED_OPS].join(', ')}.`,
      );
    }
    const ins = node.inputs.map((id) => shapes.get(id) as Shape);
    const expectInputs = (n: number): void => {
      if (ins.length !== n) {
        throw new ExportError(`${describe(node)} needs ${n} input(s), got ${ins.length}.`);
      }
    };
    const spatialInput = (): readonly [number, number, number] => {
      if (ins[0].length !== 3) {
        throw new ExportError(
          `${describe(node)} needs a spatial [H, W, C] input, got [${ins[0].join(', ')}].`,
        );
      }
      return ins[0] as unknown as readonly [number, number, number];
    };
    const w = model.weights[node.id];
    const needWeight = (name: keyof LayerWeights, length: number): void => {
      if (!checkWeights) return;
      const arr = w?.[name];
      if (!arr) throw new ExportError(`${describe(node)} has no '${name}' weights.`);
      if (arr.length !== length) {
        throw new ExportError(
          `${describe(node)}: '${name}' has ${arr.length} values, expected ${length}.`,
        );
      }
    };
    let out: Shape;
    switch (node.op) {
      case 'input':
        expectInputs(0);
        out = [...node.shape];
        break;
      case 'conv2d': {
        expectInputs(1);
        const [h, wd, c] = spatialInput();
        const [kh, kw] = node.kernelSize;
        const [sh, sw] = node.strides;
        out = [
          outputSize(h, kh, sh, node.padding),
          outputSize(wd, kw, sw, node.padding),
          node.filters,
        ];
        needWeight('kernel', kh * kw * c * node.filters);
        if (node.useBias) needWeight('bias', node.filters);
        break;
      }
      case 'depthwiseConv2d': {
        expectInputs(1);
        const [h, wd, c] = spatialInput();
        const [kh, kw] = node.kernelSize;
        const [sh, sw] = node.strides;
        out = [outputSize(h, kh, sh, node.padding), outputSize(wd, kw, sw, node.padding), c];
        needWeight('kernel', kh * kw * c);
        if (node.useBias) needWeight('bias', c);
        break;
      }
      case 'dense': {
        expectInputs(1);
        if (ins[0].length !== 1) {
          throw new ExportError(
            `${describe(node)} needs a flat input (add a flatten or globalAvgPool before it), ` +
              `got [${ins[0].join(', ')}].`,
          );
        }
        out = [node.units];
        needWeight('kernel', ins[0][0] * node.units);
        if (node.useBias) needWeight('bias', node.units);
        break;
      }
      case 'batchNorm': {
        expectInputs(1);
        out = ins[0];
        const c = out[out.length - 1];
        for (const name of ['gamma', 'beta', 'movingMean', 'movingVariance'] as const) {
          if (w?.[name]) needWeight(name, c);
        }
        if (checkWeights && (!w?.movingMean || !w?.movingVariance)) {
          throw new ExportError(`${describe(node)} needs 'movingMean' and 'movingVariance'.`);
        }
        break;
      }
      case 'relu':
      case 'relu6':
      case 'softmax':
        expectInputs(1);
        out = ins[0];
        break;
      case 'maxPool':
      case 'avgPool': {
        expectInputs(1);
        const [h, wd, c] = spatialInput();
        const [ph, pw] = node.poolSize;
        const [sh, sw] = node.strides;
        out = [outputSize(h, ph, sh, node.padding), outputSize(wd, pw, sw, node.padding), c];
        break;
      }
      case 'globalAvgPool': {
        expectInputs(1);
        out = [spatialInput()[2]];
        break;
      }
      case 'flatten':
        expectInputs(1);
        out = [ins[0].reduce((a, b) => a * b, 1)];
        break;
      case 'add': {
        if (ins.length < 2) throw new ExportError(`${describe(node)} needs at least 2 inputs.`);
        for (const s of ins) {
          if (s.join(',') !== ins[0].join(',')) {
            throw new ExportError(
              `${describe(node)} adds tensors of different shapes: ` +
                ins.map((x) => `[${x.join(', ')}]`).join(' + '),
            );
          }
        }
        out = ins[0];
        break;
      }
      case 'concat': {
        if (ins.length < 2) throw new ExportError(`${describe(node)} needs at least 2 inputs.`);
        for (const s of ins) {
          if (
            s.length !== ins[0].length ||
            s.slice(0, -1).join(',') !== ins[0].slice(0, -1).join(',')
          )
            throw new ExportError(
              `${describe(node)} concatenates tensors whose non-channel dims differ: ` +
                ins.map((x) => `[${x.join(', ')}]`).join(', '),
            );
        }
        const channels = ins.reduce((a, s) => a + s[s.length - 1], 0);
        out = [...ins[0].slice(0, -1), channels];
        break;
      }
    }
    if (out.some((d) => !Number.isInteger(d) || d <= 0)) {
      throw new ExportError(`${describe(node)} has an empty output shape [${out.join(', ')}].`);
    }
    shapes.set(node.id, out);
  }
  return shapes;
}

export function sizeOf(shape: Shape): number {
  return shape.reduce((a, b) => a * b, 1);
}
