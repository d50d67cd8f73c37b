/**
 * Small random models for the export tests (imported by *.test.ts only). Seeded, so every
 * run sees the same weights; odd sizes exercise TF's asymmetric 'same' padding.
 */
import type { GraphNode, NetworkGraph, Padding } from '../core/graph';
import { mulberry32 as seededRandom } from '../core/random';
import { analyseExportable, type ExportableModel, type LayerWeights } from '../export/model';
import { layers } from './exampleGraphs';

export { seededRandom };

type ConvArgs = Parameters<typeof layers.conv>;
type DepthwiseArgs = Parameters<typeof layers.depthwise>;

export function randomArray(n: number, rand: () => number, lo = -1, hi = 1): Float32Array {
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * rand());
}

/** The exporter tests' builders: biased layers by default, the input always named 'input'. */
const conv = (...[id, input, filters, k, s, padding, useBias = true]: ConvArgs): GraphNode =>
  layers.conv(id, input, filters, k, s, padding, useBias);
const dw = (...[id, input, k, s, useBias = true]: DepthwiseArgs): GraphNode =>
  layers.depthwise(id, input, k, s, useBias);
const unary = (
  id: string,
  op: 'relu' | 'relu6' | 'softmax' | 'batchNorm' | 'globalAvgPool' | 'flatten',
  input: string,
): GraphNode => ({ id, op, inputs: [input] }) as GraphNode;
const pool = (
  id: string,
  op: 'maxPool' | 'avgPool',
  input: string,
  p: number,
  s: number,
  padding: Padding,
): GraphNode => ({ id, op, inputs: [input], poolSize: [p, p], strides: [s, s], padding });
const input = (h: number, w: number, c: number): GraphNode => layers.input('input', [h, w, c]);
const { dense } = layers;

/** Node builders for small test graphs (also used by scripts/tflm/suite.ts). */
export const testLayers = { conv, dw, dense, unary, pool, input };

/** Fills every node's weights with seeded random values (He-like scale, BN near identity). */
export function withRandomWeights(
  graph: NetworkGraph,
  seed: number,
  normalisation = { scale: 1 / 255, offset: 0 },
): ExportableModel {
  const rand = seededRandom(seed);
  const model: ExportableModel = { graph, weights: {}, normalisation };
  const { shapes } = analyseExportable(model, { checkWeights: false });
  for (const node of graph.nodes) {
    const inShape = node.inputs.length ? (shapes.get(node.inputs[0]) as readonly number[]) : [];
    const w: LayerWeights = {};
    if (node.op === 'conv2d' || node.op === 'depthwiseConv2d' || node.op === 'dense') {
      const cin = inShape[inShape.length - 1];
      const [kh, kw] = node.op === 'dense' ? [1, 1] : node.kernelSize;
      const cout = node.op === 'conv2d' ? node.filters : node.op === 'dense' ? node.units : 1;
      const fanIn = node.op === 'depthwiseConv2d' ? kh * kw : kh * kw * cin;
      const limit = Math.sqrt(6 / fanIn);
      w.kernel = randomArray(kh * kw * cin * cout, rand, -limit, limit);
      const outC = node.op === 'depthwiseConv2d' ? cin : cout;
      if (node.useBias) w.bias = randomArray(outC, rand, -0.2, 0.2);
    } else if (node.op === 'batchNorm') {
      const c = inShape[inShape.length - 1];
      w.gamma = randomArray(c, rand, 0.5, 1.5);
      w.beta = randomArray(c, rand, -0.2, 0.2);
      w.movingMean = randomArray(c, rand, -0.2, 0.2);
      w.movingVariance = randomArray(c, rand, 0.5, 1.5);
    }
    model.weights[node.id] = w;
  }
  return model;
}

/** The test zoo: one model per structural feature the exporters must handle. */
export function testGraphs(): NetworkGraph[] {
  return [
    {
      name: 'plain cnn',
      output: 'fc',
      nodes: [
        input(8, 8, 2),
        conv('c1', 'input', 4, 3, 1, 'same', false),
        unary('bn1', 'batchNorm', 'c1'),
        unary('r1', 'relu', 'bn1'),
        conv('c2', 'r1', 6, 3, 2),
        unary('r2', 'relu', 'c2'),
        unary('gap', 'globalAvgPool', 'r2'),
        dense('fc', 'gap', 3),
      ],
    },
    {
      name: 'depthwise',
      output: 'sm',
      nodes: [
        input(9, 9, 3),
        conv('pw1', 'input', 4, 1, 1, 'same', false),
        unary('bn1', 'batchNorm', 'pw1'),
        unary('r1', 'relu6', 'bn1'),
        dw('dw1', 'r1', 3, 2, false),
        unary('bn2', 'batchNorm', 'dw1'),
        unary('r2', 'relu', 'bn2'),
        conv('pw2', 'r2', 5, 1),
        unary('r3', 'relu', 'pw2'),
        unary('gap', 'globalAvgPool', 'r3'),
        dense('fc', 'gap', 4),
        unary('sm', 'softmax', 'fc'),
      ],
    },
    {
      name: 'residual',
      output: 'fc',
      nodes: [
        input(8, 8, 3),
        conv('c1', 'input', 4),
        unary('r1', 'relu', 'c1'),
        conv('c2', 'r1', 4),
        unary('bn2', 'batchNorm', 'c2'),
        { id: 'add', op: 'add', inputs: ['r1', 'bn2'] },
        unary('r2', 'relu', 'add'),
        unary('gap', 'globalAvgPool', 'r2'),
        dense('fc', 'gap', 3),
      ],
    },
    {
      name: 'concat',
      output: 'fc',
      nodes: [
        input(8, 8, 2),
        conv('a', 'input', 3, 1),
        unary('ra', 'relu', 'a'),
        conv('b', 'input', 2, 3),
        unary('rb', 'relu', 'b'),
        { id: 'cat', op: 'concat', inputs: ['ra', 'rb'] },
        conv('c', 'cat', 4, 3, 1, 'valid'),
        unary('rc', 'relu', 'c'),
        unary('gap', 'globalAvgPool', 'rc'),
        dense('fc', 'gap', 3),
      ],
    },
    {
      name: 'flatten dense',
      output: 'fc2',
      nodes: [
        input(7, 7, 1),
        conv('c1', 'input', 3, 3, 2, 'valid'),
        unary('r1', 'relu', 'c1'),
        unary('flat', 'flatten', 'r1'),
        dense('fc1', 'flat', 5),
        unary('r2', 'relu', 'fc1'),
        dense('fc2', 'r2', 3),
      ],
    },
    {
      name: 'pools',
      output: 'fc',
      nodes: [
        input(8, 8, 2),
        conv('c1', 'input', 4),
        unary('r1', 'relu', 'c1'),
        pool('mp', 'maxPool', 'r1', 2, 2, 'valid'),
        conv('c2', 'mp', 4),
        unary('r2', 'relu', 'c2'),
        pool('ap', 'avgPool', 'r2', 3, 2, 'same'),
        unary('flat', 'flatten', 'ap'),
        dense('fc', 'flat', 3),
      ],
    },
  ];
}

export function testModels(seed = 1): ExportableModel[] {
  return testGraphs().map((g, i) => withRandomWeights(g, seed + i));
}

/** Random model inputs in the range of normalised uint8 pixels ([0, 1] here). */
export function randomInputs(model: ExportableModel, batch: number, seed: number): Float32Array {
  const inputNode = model.graph.nodes.find((n) => n.op === 'input');
  if (!inputNode || inputNode.op !== 'input') throw new Error('no input');
  const size = inputNode.shape[0] * inputNode.shape[1] * inputNode.shape[2];
  const rand = seededRandom(seed);
  return Float32Array.from({ length: batch * size }, () => Math.round(rand() * 255) / 255);
}
