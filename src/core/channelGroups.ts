/**
 * Channel groups (METHOD.md §1): sets of channel axes that must be kept or removed together.
 *
 * - every conv2d / dense output starts a group (so does every network input);
 * - an add merges the groups of all its inputs and its output (union-find, position by
 *   position when an input is itself a concatenation);
 * - depthwise conv, batchNorm, activations, pooling, global average pooling, flatten and
 *   softmax pass their input's segments through;
 * - a concat's output is its inputs' segments, in order;
 * - not prunable: the network input's group and the groups of the network output (logits),
 *   and anything an add merges with them.
 */
import type { GraphNode, NetworkGraph } from './graph';
import type { AnalysedGraph } from './graphAnalysis';
import { GraphError } from './graphError';

/** One run of consecutive channels of a tensor's channel axis that belong to one group. */
export interface ChannelSegment {
  /** Index into AnalysedGraph.groups. */
  readonly group: number;
  /** Channels of the run in the unpruned network (= the group's size C_g). */
  readonly channels: number;
}

export interface ChannelGroup {
  readonly index: number;
  /** C_g: channels in the unpruned network. */
  readonly size: number;
  readonly prunable: boolean;
  /** Every node whose output channel axis carries this group, in topological order. */
  readonly members: string[];
  /** The nodes whose weights create the channels (conv2d, dense, input), in topological order. */
  readonly producers: string[];
  /** Display name: the producers joined by '+'. */
  readonly name: string;
}

interface GroupInputs {
  readonly graph: NetworkGraph;
  readonly nodes: Map<string, GraphNode>;
  readonly topoOrder: string[];
  readonly shapes: Map<string, number[]>;
}

interface GroupStructure {
  groups: ChannelGroup[];
  channelSegments: Map<string, ChannelSegment[]>;
  positionsPerChannel: Map<string, number>;
}

/** Union-find over provisional group ids. */
class GroupUnion {
  private readonly parent: number[] = [];
  readonly size: number[] = [];
  readonly producer: string[] = [];
  readonly fixed: boolean[] = [];

  create(size: number, producer: string, fixed: boolean): number {
    const id = this.parent.length;
    this.parent.push(id);
    this.size.push(size);
    this.producer.push(producer);
    this.fixed.push(fixed);
    return id;
  }

  root(id: number): number {
    let r = id;
    while (this.parent[r] !== r) r = this.parent[r];
    while (this.parent[id] !== r) {
      const next = this.parent[id];
      this.parent[id] = r;
      id = next;
    }
    return r;
  }

  merge(a: number, b: number): void {
    const ra = this.root(a);
    const rb = this.root(b);
    if (ra === rb) return;
    const [keep, drop] = ra < rb ? [ra, rb] : [rb, ra];
    this.parent[drop] = keep;
    this.fixed[keep] = this.fixed[keep] || this.fixed[drop];
  }

  fix(id: number): void {
    this.fixed[this.root(id)] = true;
  }

  get count(): number {
    return this.parent.length;
  }
}

function channelsOf(shape: number[]): number {
  return shape[shape.length - 1];
}

export function inferChannelGroups(input: GroupInputs): GroupStructure {
  const { graph, nodes, topoOrder, shapes } = input;
  const union = new GroupUnion();
  const provisional = new Map<string, ChannelSegment[]>();
  const positions = new Map<string, number>();

  for (const id of topoOrder) {
    const node = nodes.get(id)!;
    const inSegs = node.inputs.map((i) => provisional.get(i)!);
    const segments = segmentsOf(node, inSegs, shapes.get(id)!, union);
    provisional.set(id, segments);
    positions.set(id, positionsOf(node, shapes, positions));
  }
  for (const seg of provisional.get(graph.output)!) union.fix(seg.group);

  return finalise(union, provisional, positions, topoOrder);
}

function segmentsOf(
  node: GraphNode,
  inSegs: ChannelSegment[][],
  shape: number[],
  union: GroupUnion,
): ChannelSegment[] {
  switch (node.op) {
    case 'input':
    case 'conv2d':
    case 'dense': {
      const channels = channelsOf(shape);
      return [{ group: union.create(channels, node.id, node.op === 'input'), channels }];
    }
    case 'concat':
      return inSegs.flat();
    case 'add':
      return mergeAddInputs(inSegs, union);
    default:
      return inSegs[0];
  }
}

/**
 * An add merges its inputs position by position. When the inputs are split into segments
 * differently (e.g. concat[16,16] + conv 32) no union of whole groups can express the
 * constraint, so every group involved is frozen (not prunable) instead.
 */
function mergeAddInputs(inSegs: ChannelSegment[][], union: GroupUnion): ChannelSegment[] {
  const first = inSegs[0];
  const aligned = inSegs.every(
    (segs) =>
      segs.length === first.length && segs.every((s, i) => s.channels === first[i].channels),
  );
  if (!aligned) {
    for (const segs of inSegs) for (const s of segs) union.fix(s.group);
    return first;
  }
  for (const segs of inSegs) segs.forEach((s, i) => union.merge(first[i].group, s.group));
  return first;
}

function positionsOf(
  node: GraphNode,
  shapes: Map<string, number[]>,
  positions: Map<string, number>,
): number {
  const shape = shapes.get(node.id)!;
  if (shape.length === 3) return shape[0] * shape[1];
  if (node.op === 'dense' || node.op === 'globalAvgPool') return 1;
  if (node.op === 'flatten') {
    const inShape = shapes.get(node.inputs[0])!;
    return inShape.length === 3 ? inShape[0] * inShape[1] : positions.get(node.inputs[0])!;
  }
  const inPositions = node.inputs.map((i) => positions.get(i)!);
  if (inPositions.some((p) => p !== inPositions[0])) {
    throw new GraphError(
      node.id,
      'inputs are flattened from different spatial sizes; concatenate before flattening',
    );
  }
  return inPositions[0];
}

function finalise(
  union: GroupUnion,
  provisional: Map<string, ChannelSegment[]>,
  positions: Map<string, number>,
  topoOrder: string[],
): GroupStructure {
  const finalIndex = new Map<number, number>();
  const roots: number[] = [];
  for (let id = 0; id < union.count; id++) {
    const r = union.root(id);
    if (!finalIndex.has(r)) {
      finalIndex.set(r, roots.length);
      roots.push(r);
    }
  }
  const producers: string[][] = roots.map(() => []);
  for (let id = 0; id < union.count; id++) {
    producers[finalIndex.get(union.root(id))!].push(union.producer[id]);
  }
  const channelSegments = new Map<string, ChannelSegment[]>();
  const members: string[][] = roots.map(() => []);
  for (const nodeId of topoOrder) {
    const segs = provisional
      .get(nodeId)!
      .map((s) => ({ group: finalIndex.get(union.root(s.group))!, channels: s.channels }));
    channelSegments.set(nodeId, segs);
    for (const g of new Set(segs.map((s) => s.group))) members[g].push(nodeId);
  }
  const groups: ChannelGroup[] = roots.map((r, index) => ({
    index,
    size: union.size[r],
    prunable: !union.fixed[r],
    members: members[index],
    producers: producers[index],
    name: producers[index].join('+'),
  }));
  return { groups, channelSegments, positionsPerChannel: positions };
}

/** Where the engine multiplies activations by the channel mask (METHOD.md §2). */
export interface MaskPoint {
  readonly node: string;
  readonly segments: ChannelSegment[];
}

const CHAIN_OPS = new Set<GraphNode['op']>(['batchNorm', 'relu', 'relu6']);
const MASKABLE_OPS = new Set<GraphNode['op']>(['conv2d', 'depthwiseConv2d', 'dense', ...CHAIN_OPS]);

/**
 * A node gets a mask point if it is a conv/depthwise/dense/batchNorm/relu/relu6, its output
 * carries at least one prunable group, and it is not read solely by exactly one
 * batchNorm/relu/relu6 (then the mask moves down to the end of that chain). So the mask is
 * applied after the normalisation and non-linearity of each member layer and before any
 * add, concat, pooling or next layer: a zeroed channel then contributes exactly nothing.
 */
export function maskPoints(analysed: AnalysedGraph): MaskPoint[] {
  const points: MaskPoint[] = [];
  for (const id of analysed.topoOrder) {
    const node = analysed.nodes.get(id)!;
    if (!MASKABLE_OPS.has(node.op)) continue;
    const segments = analysed.channelSegments.get(id)!;
    if (!segments.some((s) => analysed.groups[s.group].prunable)) continue;
    const readers = analysed.consumers.get(id)!;
    const chainContinues =
      readers.length === 1 &&
      CHAIN_OPS.has(analysed.nodes.get(readers[0])!.op) &&
      id !== analysed.graph.output;
    if (!chainContinues) points.push({ node: id, segments });
  }
  return points;
}
