import { describe, expect, it } from 'vitest';
import { layers as L } from './exampleGraphs';
import { graphFromSpec } from './graphSpec';

describe('graphFromSpec', () => {
  it('builds the nodes a spec names, each reading the step before unless told', () => {
    const spec =
      'input 9x7x2 | c1 conv 4 k1 s2 valid | b1 bn | r1 relu6 | d dw k5 s2 bias | ' +
      'p maxpool 2 | q avgpool 3 s1 same | c2 conv(r1) 4 | cat concat(q, c2) | ' +
      'f flatten | fc dense 5 | sm softmax';
    expect(graphFromSpec('g', spec, false)).toEqual({
      name: 'g',
      output: 'sm',
      nodes: [
        L.input('input', [9, 7, 2]),
        L.conv('c1', 'input', 4, 1, 2, 'valid'),
        L.bn('b1', 'c1'),
        L.relu6('r1', 'b1'),
        L.depthwise('d', 'r1', 5, 2, true),
        L.maxPool('p', 'd'),
        {
          id: 'q',
          op: 'avgPool',
          inputs: ['p'],
          poolSize: [3, 3],
          strides: [1, 1],
          padding: 'same',
        },
        L.conv('c2', 'r1', 4),
        L.concat('cat', ['q', 'c2']),
        L.flatten('f', 'cat'),
        L.dense('fc', 'f', 5),
        L.softmax('sm', 'fc'),
      ],
    });
  });

  it('gives convolutions the default bias unless a step says otherwise', () => {
    const g = graphFromSpec('g', 'input 4x4x1 | a conv 2 | b conv 2 nobias | c dw', true);
    expect(g.nodes.slice(1).map((n) => 'useBias' in n && n.useBias)).toEqual([true, false, true]);
  });

  it.each([
    ['input 4x4', 'input "input 4x4" needs HxWxC'],
    ['input 4x4x1 | c conv', 'step "c conv" needs a positive whole filter count, got "undefined"'],
    ['input 4x4x1 | c conv 2 k3x', 'unknown option "k3x" in step "c conv 2 k3x"'],
    ['input 4x4x1 | r relu 2', 'step "r relu 2" takes no arguments'],
    ['input 4x4x1 | p maxpool 2 k3', 'a pool takes no "k3" (step "p maxpool 2 k3")'],
    ['input 4x4x1 | r sigmoid', 'unknown op "sigmoid" in step "r sigmoid"'],
    ['c conv 2', 'step "c conv 2" has no input'],
    ['input 4x4x1 | ', 'cannot read step ""'],
  ])('rejects %j', (spec, message) => {
    expect(() => graphFromSpec('g', spec, true)).toThrow(`graph spec: ${message}`);
  });
});
