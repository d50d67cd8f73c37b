import { describe, expect, it } from 'vitest';
import type { GraphNode, NetworkGraph } from './graph';
import { analyseGraph, type AnalysedGraph } from './graphAnalysis';
import { maskPoints } from './channelGroups';
import {
  concatNet,
  layers as L,
  mobileNetV2Block,
  plainCnn,
  residualNet,
} from '../testing/exampleGraphs';

function groupNamed(a: AnalysedGraph, name: string) {
  const g = a.groups.find((x) => x.name === name);
  if (g === undefined) throw new Error(`no group ${name}: ${a.groups.map((x) => x.name)}`);
  return g;
}

function groupsOf(a: AnalysedGraph, node: string): number[] {
  return a.channelSegments.get(node)!.map((s) => s.group);
}

describe('channel groups (METHOD §1)', () => {
  it('plain CNN: one group per conv/dense, input and logits not prunable', () => {
    const a = analyseGraph(plainCnn());
    expect(a.groups.map((g) => [g.name, g.size, g.prunable])).toEqual([
      ['input', 1, false],
      ['conv1', 16, true],
      ['conv2', 32, true],
      ['conv3', 32, true],
      ['logits', 10, false],
    ]);
    // BN, ReLU and GAP pass the group through; softmax keeps the logits group.
    expect(groupsOf(a, 'conv2_relu')).toEqual([2]);
    expect(groupsOf(a, 'gap')).toEqual([3]);
    expect(groupsOf(a, 'probs')).toEqual([4]);
    expect(groupNamed(a, 'conv3').members).toEqual(['conv3', 'conv3_bn', 'conv3_relu', 'gap']);
  });

  it('residual network: an add merges its inputs and output into one group', () => {
    const a = analyseGraph(residualNet());
    const block1 = groupNamed(a, 'stem+b1c2');
    expect(block1.size).toBe(16);
    expect(block1.prunable).toBe(true);
    expect(block1.producers).toEqual(['stem', 'b1c2']);
    for (const id of ['stem_relu', 'b1c2_bn', 'b1_add', 'b1_relu']) {
      expect(groupsOf(a, id)).toEqual([block1.index]);
    }
    const block2 = groupNamed(a, 'b2c2+b2_short');
    expect(groupsOf(a, 'b2_add')).toEqual([block2.index]);
    expect(groupNamed(a, 'b1c1').prunable).toBe(true);
    expect(a.groups).toHaveLength(6);
  });

  it('MobileNetV2 block: depthwise inherits the expansion group, the skip merges stem and projection', () => {
    const a = analyseGraph(mobileNetV2Block());
    const expand = groupNamed(a, 'ir1_expand');
    expect(groupsOf(a, 'ir1_dw')).toEqual([expand.index]);
    expect(groupsOf(a, 'ir1_dw_relu')).toEqual([expand.index]);
    expect(expand.members).toContain('ir1_dw');
    const skip = groupNamed(a, 'stem+ir1_project');
    expect(groupsOf(a, 'ir1_add')).toEqual([skip.index]);
    expect(groupsOf(a, 'ir2_expand')).not.toEqual([skip.index]);
    expect(groupNamed(a, 'ir2_project').prunable).toBe(true);
  });

  it('concat: the output is its inputs’ segments in order, and flatten keeps them', () => {
    const a = analyseGraph(concatNet());
    const ga = groupNamed(a, 'a').index;
    const gb = groupNamed(a, 'b').index;
    expect(a.channelSegments.get('cat')).toEqual([
      { group: ga, channels: 8 },
      { group: gb, channels: 12 },
    ]);
    expect(groupsOf(a, 'b_dw')).toEqual([gb]);
    expect(groupsOf(a, 'flat')).toEqual([groupNamed(a, 'mix').index]);
    expect(a.positionsPerChannel.get('flat')).toBe(64);
  });

  it('an add that touches the input group makes the merged group non-prunable', () => {
    const g: NetworkGraph = {
      name: 'skip from input',
      nodes: [
        L.input('in', [8, 8, 4]),
        L.conv('c', 'in', 4),
        L.add('sum', ['in', 'c']),
        L.conv('c2', 'sum', 6),
        L.gap('gap', 'c2'),
        L.dense('out', 'gap', 3),
      ],
      output: 'out',
    };
    const a = analyseGraph(g);
    const merged = groupNamed(a, 'in+c');
    expect(merged.prunable).toBe(false);
    expect(groupNamed(a, 'c2').prunable).toBe(true);
  });

  it('an add with a logits group is non-prunable (all-conv classifier)', () => {
    const nodes: GraphNode[] = [
      L.input('in', [8, 8, 3]),
      L.conv('c1', 'in', 10),
      L.conv('c2', 'c1', 10),
      L.add('sum', ['c1', 'c2']),
      L.gap('logits', 'sum'),
    ];
    const a = analyseGraph({ name: 'all-conv', nodes, output: 'logits' });
    expect(groupNamed(a, 'c1+c2').prunable).toBe(false);
  });

  it('an add whose inputs are split differently freezes the groups involved', () => {
    const nodes: GraphNode[] = [
      L.input('in', [8, 8, 3]),
      L.conv('a', 'in', 4),
      L.conv('b', 'in', 4),
      L.concat('cat', ['a', 'b']),
      L.conv('c', 'in', 8),
      L.add('sum', ['cat', 'c']),
      L.conv('d', 'sum', 5),
      L.gap('gap', 'd'),
      L.dense('out', 'gap', 2),
    ];
    const a = analyseGraph({ name: 'misaligned', nodes, output: 'out' });
    for (const name of ['a', 'b', 'c']) expect(groupNamed(a, name).prunable).toBe(false);
    expect(groupNamed(a, 'd').prunable).toBe(true);
  });
});

const ALL_GRAPHS = [plainCnn(), residualNet(), mobileNetV2Block(), concatNet()];
const MEMBER_OPS = new Set(['conv2d', 'depthwiseConv2d', 'dense', 'batchNorm', 'relu', 'relu6']);

/** Follows sole batchNorm/relu readers to the end of a layer's chain. */
function chainEnd(a: AnalysedGraph, id: string): string {
  let current = id;
  for (;;) {
    const readers = a.consumers.get(current)!;
    if (readers.length !== 1) return current;
    const op = a.nodes.get(readers[0])!.op;
    if (op !== 'batchNorm' && op !== 'relu' && op !== 'relu6') return current;
    current = readers[0];
  }
}

describe('maskPoints (METHOD §2)', () => {
  it('MobileNetV2 block: after the BN/ReLU6 of every member layer, before the residual add', () => {
    const a = analyseGraph(mobileNetV2Block());
    expect(maskPoints(a).map((m) => m.node)).toEqual([
      'stem_relu',
      'ir1_expand_relu',
      'ir1_dw_relu',
      'ir1_project_bn',
      'ir2_expand_relu',
      'ir2_dw_relu',
      'ir2_project_bn',
    ]);
    const skip = groupNamed(a, 'stem+ir1_project').index;
    const add = a.nodes.get('ir1_add')!;
    // Both add inputs carry the merged group and are masked.
    for (const input of add.inputs) {
      const point = maskPoints(a).find((m) => m.node === input)!;
      expect(point.segments.map((s) => s.group)).toEqual([skip]);
    }
  });

  it('never masks a non-prunable group alone (logits, input)', () => {
    const a = analyseGraph(plainCnn());
    const nodes = maskPoints(a).map((m) => m.node);
    expect(nodes).toEqual(['conv1_relu', 'conv2_relu', 'conv3_relu']);
  });

  it('a zeroed channel contributes nothing downstream: every member chain ends in a mask point', () => {
    for (const graph of ALL_GRAPHS) {
      const a = analyseGraph(graph);
      const masked = new Map(maskPoints(a).map((m) => [m.node, m]));
      for (const id of a.topoOrder) {
        const node = a.nodes.get(id)!;
        const segments = a.channelSegments.get(id)!;
        if (!MEMBER_OPS.has(node.op)) continue;
        if (!segments.some((s) => a.groups[s.group].prunable)) continue;
        // The mask sits after the last per-channel affine / non-linear op of the chain, so
        // nothing can re-add an offset (BN shift, bias) to a zeroed channel before it reaches
        // a channel-mixing op (conv, dense, add, concat, pooling).
        const end = chainEnd(a, id);
        expect(masked.has(end), `${graph.name}: ${id} → ${end}`).toBe(true);
        expect(masked.get(end)!.segments).toEqual(a.channelSegments.get(end));
        for (const reader of a.consumers.get(end)!) {
          const op = a.nodes.get(reader)!.op;
          if (op === 'batchNorm' || op === 'relu' || op === 'relu6') {
            expect(masked.has(chainEnd(a, reader))).toBe(true);
          }
        }
      }
    }
  });

  it('a chain with two readers is masked where it branches and again after the side BN', () => {
    const nodes: GraphNode[] = [
      L.input('in', [8, 8, 3]),
      L.conv('c', 'in', 4),
      L.relu('r', 'c'),
      L.bn('bn', 'r'),
      L.add('sum', ['r', 'bn']),
      L.gap('gap', 'sum'),
      L.dense('out', 'gap', 2),
    ];
    const a = analyseGraph({ name: 'branching chain', nodes, output: 'out' });
    expect(maskPoints(a).map((m) => m.node)).toEqual(['r', 'bn']);
  });
});
