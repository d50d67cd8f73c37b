import { describe, expect, it } from 'vitest';
import type { GraphNode, NetworkGraph } from './graph';
import { analyseGraph, convOutputSize, GraphError } from './graphAnalysis';
import { concatNet, layers as L, plainCnn, unasReferenceGraph } from '../testing/exampleGraphs';

function graphOf(nodes: GraphNode[], output: string): NetworkGraph {
  return { name: 'test', nodes, output };
}

function expectGraphError(graph: NetworkGraph, nodeId: string | null, pattern: RegExp): void {
  let caught: unknown;
  try {
    analyseGraph(graph);
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(GraphError);
  const error = caught as GraphError;
  expect(error.nodeId).toBe(nodeId);
  if (nodeId !== null) expect(error.message).toContain(`"${nodeId}"`);
  expect(error.message).toMatch(pattern);
}

describe('convOutputSize', () => {
  it("uses ceil(H/s) for 'same' and ceil((H-K+1)/s) for 'valid'", () => {
    expect(convOutputSize(28, 3, 2, 'same')).toBe(14);
    expect(convOutputSize(7, 3, 2, 'same')).toBe(4);
    expect(convOutputSize(32, 3, 1, 'valid')).toBe(30);
    expect(convOutputSize(7, 3, 2, 'valid')).toBe(3);
    expect(convOutputSize(8, 3, 2, 'valid')).toBe(3);
  });
});

describe('analyseGraph shapes and order', () => {
  it('infers the shapes of the uNAS reference graph', () => {
    const a = analyseGraph(unasReferenceGraph());
    expect(a.shapes.get('conv')).toEqual([30, 30, 5]);
    expect(a.shapes.get('flatten')).toEqual([4500]);
    expect(a.shapes.get('dense')).toEqual([10]);
    expect(a.positionsPerChannel.get('flatten')).toBe(900);
    expect(a.channelSegments.get('flatten')).toEqual(a.channelSegments.get('conv'));
  });

  it('infers strided, pooled and concatenated shapes', () => {
    const a = analyseGraph(concatNet());
    expect(a.shapes.get('cat')).toEqual([16, 16, 20]);
    expect(a.shapes.get('pool')).toEqual([8, 8, 16]);
    expect(a.shapes.get('flat')).toEqual([1024]);
    expect(a.positionsPerChannel.get('flat')).toBe(64);
    const p = analyseGraph(plainCnn());
    expect(p.shapes.get('conv3')).toEqual([7, 7, 32]);
    expect(p.shapes.get('gap')).toEqual([32]);
  });

  it('orders nodes topologically even when listed out of order, and lists consumers', () => {
    const g = unasReferenceGraph();
    const a = analyseGraph({ ...g, nodes: [...g.nodes].reverse() });
    expect(a.topoOrder).toEqual(['input', 'conv', 'flatten', 'dense']);
    expect(a.consumers.get('conv')).toEqual(['flatten']);
    expect(a.consumers.get('dense')).toEqual([]);
    expect(a.inputIds).toEqual(['input']);
  });
});

describe('analyseGraph rejects malformed graphs with a GraphError naming the node', () => {
  const input = L.input('in', [8, 8, 3]);
  it('duplicate id', () => {
    expectGraphError(
      graphOf([input, L.conv('c', 'in', 4), L.relu('c', 'c')], 'c'),
      'c',
      /duplicate/,
    );
  });
  it('unknown op', () => {
    const bogus = { id: 'x', op: 'lstm', inputs: ['in'] } as unknown as GraphNode;
    expectGraphError(graphOf([input, bogus], 'x'), 'x', /unknown op "lstm"/);
  });
  it('dangling input', () => {
    expectGraphError(
      graphOf([input, L.relu('r', 'nowhere')], 'r'),
      'r',
      /"nowhere" does not exist/,
    );
  });
  it('cycle', () => {
    const g = graphOf([input, L.add('a', ['in', 'b']), L.relu('b', 'a')], 'b');
    expectGraphError(g, 'a', /cycle/);
  });
  it('wrong input count', () => {
    expectGraphError(graphOf([input, L.add('a', ['in'])], 'a'), 'a', /at least 2 input/);
    const twoIn = { ...L.relu('r', 'in'), inputs: ['in', 'in'] } as GraphNode;
    expectGraphError(graphOf([input, twoIn], 'r'), 'r', /takes 1 input/);
  });
  it('shape mismatch at an add', () => {
    const g = graphOf([input, L.conv('c', 'in', 4), L.add('a', ['in', 'c'])], 'a');
    expectGraphError(g, 'a', /differ in shape/);
  });
  it('shape mismatch at a concat', () => {
    const g = graphOf([input, L.conv('c', 'in', 4, 3, 2), L.concat('k', ['in', 'c'])], 'k');
    expectGraphError(g, 'k', /all but the channel axis/);
  });
  it('dense on a spatial tensor', () => {
    expectGraphError(graphOf([input, L.dense('d', 'in', 3)], 'd'), 'd', /\[C\] input/);
  });
  it('non-positive sizes', () => {
    expectGraphError(graphOf([input, L.conv('c', 'in', 0)], 'c'), 'c', /filters/);
    expectGraphError(graphOf([input, L.conv('c', 'in', 4, 3, -1)], 'c'), 'c', /strides/);
    expectGraphError(graphOf([L.input('in', [0, 8, 3])], 'in'), 'in', /input shape/);
    expectGraphError(
      graphOf([input, L.conv('c', 'in', 4, 9, 1, 'valid')], 'c'),
      'c',
      /does not fit/,
    );
  });
  it('missing output', () => {
    expectGraphError(graphOf([input], 'logits'), null, /output "logits"/);
  });
  it('a node that does not feed the output', () => {
    const g = graphOf([input, L.conv('c', 'in', 4), L.relu('dead', 'in')], 'c');
    expectGraphError(g, 'dead', /does not contribute/);
  });
});
