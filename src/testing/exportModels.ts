/**
 * Small random models for the export tests (imported by *.test.ts only). Seeded, so every
 * run sees the same weights; odd sizes exercise TF's asymmetric 'same' padding.
 */
import type { NetworkGraph } from '../core/graph';
import { mulberry32 as seededRandom } from '../core/random';
import { analyseExportable, type ExportableModel, type LayerWeights } from '../export/model';
import { graphFromSpec } from './graphSpec';

export { seededRandom };

export function randomArray(n: number, rand: () => number, lo = -1, hi = 1): Float32Array {
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * rand());
}

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
const TEST_GRAPHS: Record<string, string> = {
  'plain cnn':
    'input 8x8x2 | c1 conv 4 nobias | bn1 bn | r1 relu | c2 conv 6 s2 | r2 relu | gap gap | fc dense 3',
  depthwise:
    'input 9x9x3 | pw1 conv 4 k1 nobias | bn1 bn | r1 relu6 | dw1 dw s2 nobias | bn2 bn | r2 relu | pw2 conv 5 k1 | r3 relu | gap gap | fc dense 4 | sm softmax',
  residual:
    'input 8x8x3 | c1 conv 4 | r1 relu | c2 conv 4 | bn2 bn | add add(r1, bn2) | r2 relu | gap gap | fc dense 3',
  concat:
    'input 8x8x2 | a conv 3 k1 | ra relu | b conv(input) 2 | rb relu | cat concat(ra, rb) | c conv 4 valid | rc relu | gap gap | fc dense 3',
  'flatten dense':
    'input 7x7x1 | c1 conv 3 s2 valid | r1 relu | flat flatten | fc1 dense 5 | r2 relu | fc2 dense 3',
  pools:
    'input 8x8x2 | c1 conv 4 | r1 relu | mp maxpool 2 | c2 conv 4 | r2 relu | ap avgpool 3 s2 same | flat flatten | fc dense 3',
};

/** Graphs written in the notation of graphSpec.ts, biased convolutions by default. */
export function specGraphs(specs: Record<string, string>): NetworkGraph[] {
  return Object.entries(specs).map(([name, spec]) => graphFromSpec(name, spec, true));
}

export function testGraphs(): NetworkGraph[] {
  return specGraphs(TEST_GRAPHS);
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
