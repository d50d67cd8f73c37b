/**
 * The model zoo: small CNNs from the MCU literature, described as core graphs so that the
 * resource model, the trainer and the exporter all see the same architecture.
 */
import type { GraphNode, NetworkGraph, Padding } from './graph';

export interface ZooOptions {
  inputShape: [number, number, number];
  numClasses: number;
  /** Multiplies every layer's channel count (rounded, at least 1). */
  widthMultiplier?: number;
}

export interface ZooModel {
  id: string;
  name: string;
  description: string;
  /** The input this model was designed for; any input of at least `minInputSize` pixels works. */
  defaultInput: [number, number, number];
  defaultClasses: number;
  minInputSize: number;
  build(options: ZooOptions): NetworkGraph;
}

/** Builds a graph node by node; each helper returns the new node's id. */
class GraphBuilder {
  private readonly nodes: GraphNode[] = [];
  private readonly counts = new Map<string, number>();

  constructor(readonly width: number) {}

  private id(prefix: string): string {
    const n = (this.counts.get(prefix) ?? 0) + 1;
    this.counts.set(prefix, n);
    return `${prefix}${n}`;
  }

  channels(c: number): number {
    return Math.max(1, Math.round(c * this.width));
  }

  input(shape: [number, number, number]): string {
    const id = 'input';
    this.nodes.push({ id, op: 'input', inputs: [], shape });
    return id;
  }

  conv(
    from: string,
    filters: number,
    kernel: number | [number, number],
    stride = 1,
    padding: Padding = 'same',
  ) {
    const id = this.id('conv');
    this.nodes.push({
      id,
      op: 'conv2d',
      inputs: [from],
      filters: this.channels(filters),
      kernelSize: typeof kernel === 'number' ? [kernel, kernel] : kernel,
      strides: [stride, stride],
      padding,
      useBias: false,
    });
    return id;
  }

  depthwise(from: string, kernel: number, stride = 1, padding: Padding = 'same') {
    const id = this.id('dw');
    this.nodes.push({
      id,
      op: 'depthwiseConv2d',
      inputs: [from],
      kernelSize: [kernel, kernel],
      strides: [stride, stride],
      padding,
      useBias: false,
    });
    return id;
  }

  batchNorm(from: string): string {
    const id = this.id('bn');
    this.nodes.push({ id, op: 'batchNorm', inputs: [from] });
    return id;
  }

  relu(from: string, op: 'relu' | 'relu6' = 'relu'): string {
    const id = this.id(op);
    this.nodes.push({ id, op, inputs: [from] });
    return id;
  }

  /** conv → BN → ReLU, the unit of most MCU CNNs. */
  convBnRelu(
    from: string,
    filters: number,
    kernel: number,
    stride = 1,
    act: 'relu' | 'relu6' = 'relu',
  ) {
    return this.relu(this.batchNorm(this.conv(from, filters, kernel, stride)), act);
  }

  pool(from: string, op: 'maxPool' | 'avgPool', size: number, stride = size): string {
    const id = this.id(op === 'maxPool' ? 'maxpool' : 'avgpool');
    this.nodes.push({
      id,
      op,
      inputs: [from],
      poolSize: [size, size],
      strides: [stride, stride],
      padding: 'valid',
    });
    return id;
  }

  globalAvgPool(from: string): string {
    const id = this.id('gap');
    this.nodes.push({ id, op: 'globalAvgPool', inputs: [from] });
    return id;
  }

  flatten(from: string): string {
    const id = this.id('flatten');
    this.nodes.push({ id, op: 'flatten', inputs: [from] });
    return id;
  }

  add(a: string, b: string): string {
    const id = this.id('add');
    this.nodes.push({ id, op: 'add', inputs: [a, b] });
    return id;
  }

  /** The classifier: its output channels are the logits (never pruned). */
  dense(from: string, units: number, id = this.id('dense')): string {
    this.nodes.push({ id, op: 'dense', inputs: [from], units, useBias: true });
    return id;
  }

  finish(name: string, output: string): NetworkGraph {
    return { name, nodes: [...this.nodes], output };
  }
}

/** A plain CNN for 28×28 digits, wide enough that an 80× flash reduction is meaningful. */
function mnistCnn(o: ZooOptions): NetworkGraph {
  const b = new GraphBuilder(o.widthMultiplier ?? 1);
  let x = b.input(o.inputShape);
  x = b.convBnRelu(x, 32, 3);
  x = b.convBnRelu(x, 32, 3);
  x = b.pool(x, 'maxPool', 2);
  x = b.convBnRelu(x, 64, 3);
  x = b.convBnRelu(x, 64, 3);
  x = b.pool(x, 'maxPool', 2);
  x = b.flatten(x);
  x = b.relu(b.batchNorm(b.dense(x, 128)));
  return b.finish('MNIST CNN', b.dense(x, o.numClasses, 'logits'));
}

/** A small CNN for tests and quick demos: two conv blocks and a classifier. */
function tinyCnn(o: ZooOptions): NetworkGraph {
  const b = new GraphBuilder(o.widthMultiplier ?? 1);
  let x = b.input(o.inputShape);
  x = b.convBnRelu(x, 8, 3, 2);
  x = b.convBnRelu(x, 16, 3, 2);
  x = b.globalAvgPool(x);
  return b.finish('Tiny CNN', b.dense(x, o.numClasses, 'logits'));
}

/** VGG-style CNN for 32×32×3 images (CIFAR-10). */
function vggCifar(o: ZooOptions): NetworkGraph {
  const b = new GraphBuilder(o.widthMultiplier ?? 1);
  let x = b.input(o.inputShape);
  for (const filters of [32, 64, 128]) {
    x = b.convBnRelu(x, filters, 3);
    x = b.convBnRelu(x, filters, 3);
    x = b.pool(x, 'maxPool', 2);
  }
  x = b.globalAvgPool(x);
  return b.finish('VGG-style CNN', b.dense(x, o.numClasses, 'logits'));
}

/**
 * DS-CNN for keyword spotting on 49×10 MFCC (Zhang et al., "Hello Edge", 2017; the MLPerf Tiny
 * KWS reference): a 10×4 stride-2 conv, four depthwise-separable blocks, average pooling.
 */
function dsCnn(o: ZooOptions): NetworkGraph {
  const b = new GraphBuilder(o.widthMultiplier ?? 1);
  let x = b.input(o.inputShape);
  x = b.relu(b.batchNorm(b.conv(x, 64, [10, 4], 2)));
  for (let i = 0; i < 4; i++) {
    x = b.relu(b.batchNorm(b.depthwise(x, 3)));
    x = b.convBnRelu(x, 64, 1);
  }
  x = b.globalAvgPool(x);
  return b.finish('DS-CNN (keyword spotting)', b.dense(x, o.numClasses, 'logits'));
}

/** MobileNetV2-style network: inverted residual blocks (expand 1×1, depthwise 3×3, project 1×1). */
function mobileNetV2(o: ZooOptions): NetworkGraph {
  const b = new GraphBuilder(o.widthMultiplier ?? 1);
  let x = b.input(o.inputShape);
  x = b.convBnRelu(x, 16, 3, 2, 'relu6');
  const block = (from: string, expand: number, out: number, stride: number, residual: boolean) => {
    let y = b.convBnRelu(from, expand, 1, 1, 'relu6');
    y = b.relu(b.batchNorm(b.depthwise(y, 3, stride)), 'relu6');
    y = b.batchNorm(b.conv(y, out, 1));
    return residual ? b.add(from, y) : y;
  };
  x = block(x, 32, 16, 1, true);
  x = block(x, 64, 24, 2, false);
  x = block(x, 72, 24, 1, true);
  x = block(x, 96, 32, 2, false);
  x = block(x, 128, 32, 1, true);
  x = b.convBnRelu(x, 128, 1, 1, 'relu6');
  x = b.globalAvgPool(x);
  return b.finish('MobileNetV2-style', b.dense(x, o.numClasses, 'logits'));
}

/** ResNet-8 from the MLPerf Tiny image classification benchmark (16/32/64 filters). */
function resnet8(o: ZooOptions): NetworkGraph {
  const b = new GraphBuilder(o.widthMultiplier ?? 1);
  let x = b.input(o.inputShape);
  x = b.convBnRelu(x, 16, 3);
  const stack = (from: string, filters: number, stride: number) => {
    let y = b.convBnRelu(from, filters, 3, stride);
    y = b.batchNorm(b.conv(y, filters, 3));
    const shortcut = stride === 1 ? from : b.conv(from, filters, 1, stride);
    return b.relu(b.add(shortcut, y));
  };
  x = stack(x, 16, 1);
  x = stack(x, 32, 2);
  x = stack(x, 64, 2);
  x = b.globalAvgPool(x);
  return b.finish('ResNet-8 (MLPerf Tiny)', b.dense(x, o.numClasses, 'logits'));
}

export const MODEL_ZOO: readonly ZooModel[] = [
  {
    id: 'mnist-cnn',
    name: 'MNIST CNN',
    description: '4 conv layers (32-32-64-64), 2 max-pools, dense 128: 28×28 digits.',
    defaultInput: [28, 28, 1],
    defaultClasses: 10,
    minInputSize: 4,
    build: mnistCnn,
  },
  {
    id: 'tiny-cnn',
    name: 'Tiny CNN',
    description: 'Two strided conv blocks (8-16) and a classifier: instant demos and tests.',
    defaultInput: [16, 16, 1],
    defaultClasses: 4,
    minInputSize: 3,
    build: tinyCnn,
  },
  {
    id: 'vgg-cifar',
    name: 'VGG-style CNN',
    description: '3 stages of two 3×3 convs (32-64-128) for 32×32×3 images.',
    defaultInput: [32, 32, 3],
    defaultClasses: 10,
    minInputSize: 8,
    build: vggCifar,
  },
  {
    id: 'ds-cnn',
    name: 'DS-CNN (keyword spotting)',
    description: 'Depthwise-separable CNN on 49×10 MFCC, as in MLPerf Tiny KWS.',
    defaultInput: [49, 10, 1],
    defaultClasses: 12,
    minInputSize: 10,
    build: dsCnn,
  },
  {
    id: 'mobilenetv2',
    name: 'MobileNetV2-style',
    description: 'Inverted residual blocks with depthwise convs and residual adds.',
    defaultInput: [32, 32, 3],
    defaultClasses: 10,
    minInputSize: 8,
    build: mobileNetV2,
  },
  {
    id: 'resnet8',
    name: 'ResNet-8 (MLPerf Tiny)',
    description: 'Three residual stacks (16-32-64), as in MLPerf Tiny image classification.',
    defaultInput: [32, 32, 3],
    defaultClasses: 10,
    minInputSize: 8,
    build: resnet8,
  },
];

export function zooModel(id: string): ZooModel {
  const model = MODEL_ZOO.find((m) => m.id === id);
  if (!model)
    throw new Error(`Unknown model "${id}". Known: ${MODEL_ZOO.map((m) => m.id).join(', ')}.`);
  return model;
}
