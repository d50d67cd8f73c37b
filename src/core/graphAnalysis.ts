/**
 * Validation and shape inference for a NetworkGraph, plus the channel-group structure
 * (METHOD.md §1). Pure TypeScript: no tfjs, no DOM.
 */
import { OP_TYPES, type GraphNode, type NetworkGraph, type Padding } from './graph';
import { inferChannelGroups, type ChannelGroup, type ChannelSegment } from './channelGroups';
import { GraphError } from './graphError';

export { GraphError };

export interface AnalysedGraph {
  readonly graph: NetworkGraph;
  readonly nodes: Map<string, GraphNode>;
  /** Node ids in a valid execution order (stable: ties keep the graph's node order). */
  readonly topoOrder: string[];
  /** Output shape of every node, without the batch axis: [H, W, C] or [C]. */
  readonly shapes: Map<string, number[]>;
  /** Ids of the nodes that read each node's output, in topological order. */
  readonly consumers: Map<string, string[]>;
  readonly groups: ChannelGroup[];
  /** Composition of every node's output channel axis, in channel order. */
  readonly channelSegments: Map<string, ChannelSegment[]>;
  /**
   * Positions that share one channel axis: H·W for [H, W, C] outputs, 1 for [C] ones, and
   * for a flatten output the H·W of its input (so a dense layer after it has
   * in = positions · Σ channels; the flat index is (h·W + w)·C + c, NHWC order).
   */
  readonly positionsPerChannel: Map<string, number>;
  /** Id of the network input node(s), in topological order. */
  readonly inputIds: string[];
}

const KNOWN_OPS = new Set<string>(OP_TYPES);

/** Output size along one spatial axis: 'same' ceil(H/s), 'valid' ceil((H−K+1)/s). */
export function convOutputSize(size: number, kernel: number, stride: number, pad: Padding): number {
  return pad === 'same' ? Math.ceil(size / stride) : Math.ceil((size - kernel + 1) / stride);
}

/** Validates the graph, infers shapes and channel groups. Throws GraphError if malformed. */
export function analyseGraph(graph: NetworkGraph): AnalysedGraph {
  const nodes = indexNodes(graph);
  checkInputs(nodes);
  if (!nodes.has(graph.output)) {
    throw new GraphError(null, `output "${graph.output}" is not a node of the graph`);
  }
  const topoOrder = topologicalOrder(graph, nodes);
  const consumers = consumersOf(topoOrder, nodes);
  checkEveryNodeFeedsOutput(graph, nodes);
  const shapes = new Map<string, number[]>();
  for (const id of topoOrder) {
    const node = nodes.get(id)!;
    shapes.set(
      id,
      inferShape(
        node,
        node.inputs.map((i) => shapes.get(i)!),
      ),
    );
  }
  const inputIds = topoOrder.filter((id) => nodes.get(id)!.op === 'input');
  if (inputIds.length === 0) throw new GraphError(null, 'the graph has no input node');
  const structure = inferChannelGroups({ graph, nodes, topoOrder, shapes });
  return {
    graph,
    nodes,
    topoOrder,
    shapes,
    consumers,
    groups: structure.groups,
    channelSegments: structure.channelSegments,
    positionsPerChannel: structure.positionsPerChannel,
    inputIds,
  };
}

function indexNodes(graph: NetworkGraph): Map<string, GraphNode> {
  if (!Array.isArray(graph.nodes) || graph.nodes.length === 0) {
    throw new GraphError(null, 'the graph has no nodes');
  }
  const nodes = new Map<string, GraphNode>();
  for (const node of graph.nodes) {
    if (typeof node.id !== 'string' || node.id === '') {
      throw new GraphError(null, 'a node has no id');
    }
    if (nodes.has(node.id)) throw new GraphError(node.id, 'duplicate node id');
    if (!KNOWN_OPS.has(node.op)) {
      throw new GraphError(
        node.id,
        `unknown op "${String(node.op)}" (supported: ${[...KNOWN_OPS].join(', ')})`,
      );
    }
    if (!Array.isArray(node.inputs)) throw new GraphError(node.id, 'inputs must be a list of ids');
    nodes.set(node.id, node);
  }
  return nodes;
}

function expectedInputCount(op: GraphNode['op']): { min: number; max: number } {
  if (op === 'input') return { min: 0, max: 0 };
  if (op === 'add' || op === 'concat') return { min: 2, max: Infinity };
  return { min: 1, max: 1 };
}

function checkInputs(nodes: Map<string, GraphNode>): void {
  for (const node of nodes.values()) {
    const { min, max } = expectedInputCount(node.op);
    const n = node.inputs.length;
    if (n < min || n > max) {
      const want = max === Infinity ? `at least ${min}` : `${min}`;
      throw new GraphError(node.id, `${node.op} takes ${want} input(s), got ${n}`);
    }
    for (const input of node.inputs) {
      if (!nodes.has(input)) throw new GraphError(node.id, `input "${input}" does not exist`);
      if (input === node.id) throw new GraphError(node.id, 'a node cannot read its own output');
    }
  }
}

/** Kahn's algorithm; among ready nodes the one listed first in the graph runs first. */
function topologicalOrder(graph: NetworkGraph, nodes: Map<string, GraphNode>): string[] {
  const position = new Map(graph.nodes.map((n, i) => [n.id, i]));
  const pending = new Map<string, number>();
  const readers = new Map<string, string[]>();
  for (const node of nodes.values()) {
    pending.set(node.id, new Set(node.inputs).size);
    for (const input of new Set(node.inputs)) {
      readers.set(input, [...(readers.get(input) ?? []), node.id]);
    }
  }
  const ready = [...nodes.keys()].filter((id) => pending.get(id) === 0);
  const order: string[] = [];
  while (ready.length > 0) {
    ready.sort((a, b) => position.get(a)! - position.get(b)!);
    const id = ready.shift()!;
    order.push(id);
    for (const reader of readers.get(id) ?? []) {
      const left = pending.get(reader)! - 1;
      pending.set(reader, left);
      if (left === 0) ready.push(reader);
    }
  }
  if (order.length < nodes.size) {
    const stuck = graph.nodes.find((n) => pending.get(n.id)! > 0)!;
    throw new GraphError(stuck.id, 'is part of a cycle');
  }
  return order;
}

function consumersOf(topoOrder: string[], nodes: Map<string, GraphNode>): Map<string, string[]> {
  const consumers = new Map<string, string[]>(topoOrder.map((id) => [id, []]));
  for (const id of topoOrder) {
    for (const input of new Set(nodes.get(id)!.inputs)) consumers.get(input)!.push(id);
  }
  return consumers;
}

function checkEveryNodeFeedsOutput(graph: NetworkGraph, nodes: Map<string, GraphNode>): void {
  const reached = new Set<string>([graph.output]);
  const stack = [graph.output];
  while (stack.length > 0) {
    for (const input of nodes.get(stack.pop()!)!.inputs) {
      if (!reached.has(input)) {
        reached.add(input);
        stack.push(input);
      }
    }
  }
  for (const node of graph.nodes) {
    if (!reached.has(node.id)) {
      throw new GraphError(node.id, `does not contribute to the output "${graph.output}"`);
    }
  }
}

function requirePositiveInts(node: GraphNode, what: string, values: readonly number[]): void {
  if (!Array.isArray(values) || values.length === 0) {
    throw new GraphError(node.id, `${what} is missing`);
  }
  for (const v of values) {
    if (!Number.isInteger(v) || v <= 0) {
      throw new GraphError(
        node.id,
        `${what} must be positive integers, got [${values.join(', ')}]`,
      );
    }
  }
}

function requireRank(node: GraphNode, shape: number[], rank: number): void {
  if (shape.length !== rank) {
    const want = rank === 3 ? '[H, W, C]' : '[C]';
    throw new GraphError(node.id, `expects a ${want} input, got [${shape.join(', ')}]`);
  }
}

function requirePadding(node: GraphNode, padding: Padding): void {
  if (padding !== 'same' && padding !== 'valid') {
    throw new GraphError(node.id, `padding must be 'same' or 'valid', got "${String(padding)}"`);
  }
}

function windowedShape(
  node: GraphNode,
  input: number[],
  kernel: readonly [number, number],
  strides: readonly [number, number],
  padding: Padding,
  channels: number,
): number[] {
  requireRank(node, input, 3);
  requirePositiveInts(node, 'kernel/pool size', kernel);
  requirePositiveInts(node, 'strides', strides);
  requirePadding(node, padding);
  const h = convOutputSize(input[0], kernel[0], strides[0], padding);
  const w = convOutputSize(input[1], kernel[1], strides[1], padding);
  if (h <= 0 || w <= 0) {
    throw new GraphError(
      node.id,
      `window ${kernel[0]}×${kernel[1]} does not fit the ${input[0]}×${input[1]} input`,
    );
  }
  return [h, w, channels];
}

function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function inferShape(node: GraphNode, inputs: number[][]): number[] {
  switch (node.op) {
    case 'input':
      if (!Array.isArray(node.shape) || node.shape.length !== 3) {
        throw new GraphError(node.id, 'input shape must be [H, W, C]');
      }
      requirePositiveInts(node, 'input shape', node.shape);
      return [...node.shape];
    case 'conv2d':
    case 'depthwiseConv2d': {
      if (node.op === 'conv2d') requirePositiveInts(node, 'filters', [node.filters]);
      const channels = node.op === 'conv2d' ? node.filters : inputs[0][2];
      return windowedShape(node, inputs[0], node.kernelSize, node.strides, node.padding, channels);
    }
    case 'maxPool':
    case 'avgPool':
      return windowedShape(
        node,
        inputs[0],
        node.poolSize,
        node.strides,
        node.padding,
        inputs[0][2],
      );
    case 'dense':
      requirePositiveInts(node, 'units', [node.units]);
      if (inputs[0].length !== 1) {
        throw new GraphError(
          node.id,
          `dense needs a flat [C] input (add a flatten or globalAvgPool before it), got [${inputs[0].join(', ')}]`,
        );
      }
      return [node.units];
    case 'batchNorm':
    case 'relu':
    case 'relu6':
    case 'softmax':
      return [...inputs[0]];
    case 'globalAvgPool':
      requireRank(node, inputs[0], 3);
      return [inputs[0][2]];
    case 'flatten':
      return [inputs[0].reduce((a, b) => a * b, 1)];
    case 'add':
      for (const shape of inputs) {
        if (!sameShape(shape, inputs[0])) {
          throw new GraphError(
            node.id,
            `add inputs differ in shape: [${inputs[0].join(', ')}] vs [${shape.join(', ')}]`,
          );
        }
      }
      return [...inputs[0]];
    case 'concat':
      return concatShape(node, inputs);
  }
}

function concatShape(node: GraphNode, inputs: number[][]): number[] {
  const first = inputs[0];
  for (const shape of inputs) {
    const sameLeading =
      shape.length === first.length && shape.slice(0, -1).every((v, i) => v === first[i]);
    if (!sameLeading) {
      throw new GraphError(
        node.id,
        `concat inputs must agree on all but the channel axis: [${first.join(', ')}] vs [${shape.join(', ')}]`,
      );
    }
  }
  const channels = inputs.reduce((sum, s) => sum + s[s.length - 1], 0);
  return [...first.slice(0, -1), channels];
}
