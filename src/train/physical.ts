/**
 * Physical removal of pruned channels (METHOD.md §6): a smaller graph and its weights, taken
 * from the masked network's weights. Pure array work on plain weights, so the same code serves
 * fine-tuning, export and tests.
 */
import type { AnalysedGraph } from '../core/graphAnalysis';
import type { GraphNode, NetworkGraph } from '../core/graph';
import type { LayerWeights, WeightName } from './network';
import { weightShapes } from './network';

/** Indices of the channels a hard mask keeps, ascending (the original channel order). */
export function keptIndices(mask: ArrayLike<number>): number[] {
  const kept: number[] = [];
  for (let c = 0; c < mask.length; c++) if (mask[c] !== 0) kept.push(c);
  return kept;
}

/**
 * Kept positions along a node's output channel axis: each segment contributes its group's kept
 * channels (all channels for a group that is not pruned), offset by the segments before it.
 */
export function keptChannelAxis(
  analysed: AnalysedGraph,
  nodeId: string,
  keptPerGroup: readonly (readonly number[])[],
): number[] {
  const out: number[] = [];
  let offset = 0;
  for (const segment of analysed.channelSegments.get(nodeId)!) {
    const group = analysed.groups[segment.group];
    const kept = group.prunable
      ? keptPerGroup[segment.group]
      : Array.from({ length: segment.channels }, (_, c) => c);
    for (const c of kept) out.push(offset + c);
    offset += segment.channels;
  }
  return out;
}

/**
 * Kept positions along a node's output features: its kept channels, and for a flat tensor made
 * by a flatten (positions > 1), every spatial position × kept channel.
 */
function keptFeatureAxis(
  analysed: AnalysedGraph,
  nodeId: string,
  keptPerGroup: readonly (readonly number[])[],
): number[] {
  const channels = keptChannelAxis(analysed, nodeId, keptPerGroup);
  const positions = analysed.positionsPerChannel.get(nodeId) ?? 1;
  const shape = analysed.shapes.get(nodeId)!;
  if (shape.length !== 1 || positions === 1) return channels;
  const total = shape[0] / positions;
  const out: number[] = [];
  for (let p = 0; p < positions; p++) for (const c of channels) out.push(p * total + c);
  return out;
}

/** The graph with every conv's filters and dense's units reduced to the channels kept. */
export function prunedGraph(
  analysed: AnalysedGraph,
  keptPerGroup: readonly (readonly number[])[],
): NetworkGraph {
  const nodes = analysed.graph.nodes.map((node): GraphNode => {
    if (node.op !== 'conv2d' && node.op !== 'dense') return node;
    const kept = keptChannelAxis(analysed, node.id, keptPerGroup).length;
    return node.op === 'conv2d' ? { ...node, filters: kept } : { ...node, units: kept };
  });
  return { ...analysed.graph, nodes };
}

/** Gathers a row-major tensor along each axis that has an index list (null: keep the axis). */
export function gatherAxes(
  data: Float32Array,
  shape: readonly number[],
  indices: readonly (readonly number[] | null)[],
): Float32Array {
  const axes = shape.map((n, a) => indices[a] ?? Array.from({ length: n }, (_, i) => i));
  const outShape = axes.map((a) => a.length);
  const out = new Float32Array(outShape.reduce((p, n) => p * n, 1));
  const strides = shape.map((_, a) => shape.slice(a + 1).reduce((p, n) => p * n, 1));
  const rank = shape.length;
  const position = new Array<number>(rank).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let a = 0; a < rank; a++) src += axes[a][position[a]] * strides[a];
    out[o] = data[src];
    for (let a = rank - 1; a >= 0; a--) {
      if (++position[a] < outShape[a]) break;
      position[a] = 0;
    }
  }
  return out;
}

/** The weights of the physically pruned network, sliced from the masked network's weights. */
export function prunedWeights(
  analysed: AnalysedGraph,
  weights: Map<string, LayerWeights>,
  keptPerGroup: readonly (readonly number[])[],
): Map<string, LayerWeights> {
  const out = new Map<string, LayerWeights>();
  for (const [id, layer] of weights) {
    const node = analysed.nodes.get(id)!;
    const shapes = weightShapes(analysed, node);
    const own = keptChannelAxis(analysed, id, keptPerGroup);
    // A batch norm after a flatten has one parameter per feature, not per channel.
    const ownFeatures = node.op === 'batchNorm' ? keptFeatureAxis(analysed, id, keptPerGroup) : own;
    const sliced: LayerWeights = {};
    for (const [name, values] of Object.entries(layer) as [WeightName, Float32Array][]) {
      const shape = shapes[name]!;
      let axes: (number[] | null)[];
      if (name === 'kernel' && node.op === 'conv2d') {
        axes = [null, null, keptFeatureAxis(analysed, node.inputs[0], keptPerGroup), own];
      } else if (name === 'kernel' && node.op === 'depthwiseConv2d') {
        axes = [null, null, own, null];
      } else if (name === 'kernel' && node.op === 'dense') {
        axes = [keptFeatureAxis(analysed, node.inputs[0], keptPerGroup), own];
      } else {
        axes = [ownFeatures];
      }
      sliced[name] = gatherAxes(values, shape, axes);
    }
    out.set(id, sliced);
  }
  return out;
}
