/**
 * Small reference architectures: used by the tests and usable as built-in models.
 * Builders keep graph literals short and readable.
 */
import type { GraphNode, NetworkGraph, Padding } from '../core/graph';

export const layers = {
  input: (id: string, shape: [number, number, number]): GraphNode => ({
    id,
    op: 'input',
    inputs: [],
    shape,
  }),
  conv: (
    id: string,
    input: string,
    filters: number,
    kernel = 3,
    stride = 1,
    padding: Padding = 'same',
    useBias = false,
  ): GraphNode => ({
    id,
    op: 'conv2d',
    inputs: [input],
    filters,
    kernelSize: [kernel, kernel],
    strides: [stride, stride],
    padding,
    useBias,
  }),
  depthwise: (id: string, input: string, kernel = 3, stride = 1, useBias = false): GraphNode => ({
    id,
    op: 'depthwiseConv2d',
    inputs: [input],
    kernelSize: [kernel, kernel],
    strides: [stride, stride],
    padding: 'same',
    useBias,
  }),
  dense: (id: string, input: string, units: number): GraphNode => ({
    id,
    op: 'dense',
    inputs: [input],
    units,
    useBias: true,
  }),
  bn: (id: string, input: string): GraphNode => ({ id, op: 'batchNorm', inputs: [input] }),
  relu: (id: string, input: string): GraphNode => ({ id, op: 'relu', inputs: [input] }),
  relu6: (id: string, input: string): GraphNode => ({ id, op: 'relu6', inputs: [input] }),
  softmax: (id: string, input: string): GraphNode => ({ id, op: 'softmax', inputs: [input] }),
  maxPool: (id: string, input: string, size = 2): GraphNode => ({
    id,
    op: 'maxPool',
    inputs: [input],
    poolSize: [size, size],
    strides: [size, size],
    padding: 'valid',
  }),
  gap: (id: string, input: string): GraphNode => ({ id, op: 'globalAvgPool', inputs: [input] }),
  flatten: (id: string, input: string): GraphNode => ({ id, op: 'flatten', inputs: [input] }),
  add: (id: string, inputs: string[]): GraphNode => ({ id, op: 'add', inputs }),
  concat: (id: string, inputs: string[]): GraphNode => ({ id, op: 'concat', inputs }),
};

const L = layers;

/** conv → BN → ReLU, named `${id}`, `${id}_bn`, `${id}_relu`; returns the nodes. */
function convBnRelu(id: string, input: string, filters: number, stride = 1): GraphNode[] {
  return [
    L.conv(id, input, filters, 3, stride),
    L.bn(`${id}_bn`, id),
    L.relu(`${id}_relu`, `${id}_bn`),
  ];
}

/** The uNAS resource-model test vector: 32×32×3 → conv 5 (3×3 valid, bias) → flatten → dense 10. */
export function unasReferenceGraph(): NetworkGraph {
  return {
    name: 'uNAS reference',
    nodes: [
      L.input('input', [32, 32, 3]),
      L.conv('conv', 'input', 5, 3, 1, 'valid', true),
      L.flatten('flatten', 'conv'),
      L.dense('dense', 'flatten', 10),
    ],
    output: 'dense',
  };
}

/** Net A of FACTS.md: 28×28×1, conv16 → conv32 s2 → conv32 s2 (BN, ReLU), GAP, dense 10. */
export function plainCnn(): NetworkGraph {
  return {
    name: 'Plain CNN (net A)',
    nodes: [
      L.input('input', [28, 28, 1]),
      ...convBnRelu('conv1', 'input', 16),
      ...convBnRelu('conv2', 'conv1_relu', 32, 2),
      ...convBnRelu('conv3', 'conv2_relu', 32, 2),
      L.gap('gap', 'conv3_relu'),
      L.dense('logits', 'gap', 10),
      L.softmax('probs', 'logits'),
    ],
    output: 'probs',
  };
}

/** ResNet-8-like: stem, an identity block and a downsampling block with a 1×1 shortcut. */
export function residualNet(): NetworkGraph {
  return {
    name: 'Residual CNN',
    nodes: [
      L.input('input', [32, 32, 3]),
      ...convBnRelu('stem', 'input', 16),
      ...convBnRelu('b1c1', 'stem_relu', 16),
      L.conv('b1c2', 'b1c1_relu', 16),
      L.bn('b1c2_bn', 'b1c2'),
      L.add('b1_add', ['stem_relu', 'b1c2_bn']),
      L.relu('b1_relu', 'b1_add'),
      ...convBnRelu('b2c1', 'b1_relu', 32, 2),
      L.conv('b2c2', 'b2c1_relu', 32),
      L.bn('b2c2_bn', 'b2c2'),
      L.conv('b2_short', 'b1_relu', 32, 1, 2),
      L.bn('b2_short_bn', 'b2_short'),
      L.add('b2_add', ['b2_short_bn', 'b2c2_bn']),
      L.relu('b2_relu', 'b2_add'),
      L.gap('gap', 'b2_relu'),
      L.dense('logits', 'gap', 10),
    ],
    output: 'logits',
  };
}

/** MobileNetV2-style: stem, one inverted-residual block with skip, one strided block. */
export function mobileNetV2Block(): NetworkGraph {
  const invertedResidual = (
    id: string,
    input: string,
    expand: number,
    out: number,
    stride: number,
  ) => [
    L.conv(`${id}_expand`, input, expand, 1),
    L.bn(`${id}_expand_bn`, `${id}_expand`),
    L.relu6(`${id}_expand_relu`, `${id}_expand_bn`),
    L.depthwise(`${id}_dw`, `${id}_expand_relu`, 3, stride),
    L.bn(`${id}_dw_bn`, `${id}_dw`),
    L.relu6(`${id}_dw_relu`, `${id}_dw_bn`),
    L.conv(`${id}_project`, `${id}_dw_relu`, out, 1),
    L.bn(`${id}_project_bn`, `${id}_project`),
  ];
  return {
    name: 'MobileNetV2 block',
    nodes: [
      L.input('input', [32, 32, 3]),
      L.conv('stem', 'input', 16, 3, 2),
      L.bn('stem_bn', 'stem'),
      L.relu6('stem_relu', 'stem_bn'),
      ...invertedResidual('ir1', 'stem_relu', 48, 16, 1),
      L.add('ir1_add', ['stem_relu', 'ir1_project_bn']),
      ...invertedResidual('ir2', 'ir1_add', 96, 24, 2),
      L.gap('gap', 'ir2_project_bn'),
      L.dense('logits', 'gap', 10),
    ],
    output: 'logits',
  };
}

/** Two parallel branches concatenated, pooled, flattened into a dense classifier. */
export function concatNet(): NetworkGraph {
  return {
    name: 'Concat CNN',
    nodes: [
      L.input('input', [16, 16, 3]),
      ...convBnRelu('stem', 'input', 8),
      L.conv('a', 'stem_relu', 8, 1),
      L.relu('a_relu', 'a'),
      L.conv('b', 'stem_relu', 12, 3),
      L.relu('b_relu', 'b'),
      L.depthwise('b_dw', 'b_relu'),
      L.concat('cat', ['a_relu', 'b_dw']),
      L.conv('mix', 'cat', 16, 1),
      L.relu('mix_relu', 'mix'),
      L.maxPool('pool', 'mix_relu'),
      L.flatten('flat', 'pool'),
      L.dense('logits', 'flat', 10),
      L.softmax('probs', 'logits'),
    ],
    output: 'probs',
  };
}
