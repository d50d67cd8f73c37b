import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyseGraph } from '../core/graphAnalysis';
import { MODEL_ZOO } from '../core/zoo';
import { MaskedNetwork, initialWeights, type LayerWeights } from './network';
import { keptIndices, prunedGraph, prunedWeights } from './physical';
import { mulberry32 } from '../core/random';
import { graphFromSpec } from '../testing/graphSpec';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Small inputs per model so the tests stay fast on the cpu backend. */
const SMALL_INPUT: Record<string, [number, number, number]> = {
  'mnist-cnn': [12, 12, 1],
  'tiny-cnn': [8, 8, 1],
  'vgg-cifar': [16, 16, 3],
  'ds-cnn': [20, 8, 1],
  mobilenetv2: [16, 16, 3],
  resnet8: [16, 16, 3],
};

/** Non-trivial BN statistics and biases so that a wrongly sliced weight shows up. */
function perturbed(weights: Map<string, LayerWeights>, seed: number) {
  const random = mulberry32(seed);
  for (const layer of weights.values()) {
    layer.movingMean?.forEach((_, i, a) => (a[i] = random() - 0.5));
    layer.movingVariance?.forEach((_, i, a) => (a[i] = 0.5 + random()));
    layer.gamma?.forEach((_, i, a) => (a[i] = 0.5 + random()));
    layer.beta?.forEach((_, i, a) => (a[i] = random() - 0.5));
    layer.bias?.forEach((_, i, a) => (a[i] = random() - 0.5));
  }
  return weights;
}

function randomMasks(sizes: number[], seed: number): Float32Array[] {
  const random = mulberry32(seed);
  return sizes.map((n) => {
    const m = Float32Array.from({ length: n }, () => (random() < 0.5 ? 1 : 0));
    if (!m.includes(1)) m[Math.floor(random() * n)] = 1;
    return m;
  });
}

describe('physical removal equals the masked network', () => {
  for (const model of MODEL_ZOO) {
    it(`${model.id}: pruned outputs match masked outputs within 1e-4`, async () => {
      const graph = model.build({
        inputShape: SMALL_INPUT[model.id],
        numClasses: 5,
        widthMultiplier: 0.25,
      });
      const analysed = analyseGraph(graph);
      const weights = perturbed(initialWeights(analysed, 1), 2);
      const masked = new MaskedNetwork(analysed, weights);
      const masks = randomMasks(
        analysed.groups.map((g) => g.size),
        3,
      );
      masked.setMasks(masks);
      const kept = masks.map((m) => keptIndices(m));
      const small = analyseGraph(prunedGraph(analysed, kept));
      const pruned = new MaskedNetwork(small, prunedWeights(analysed, weights, kept), {
        masks: false,
      });
      const x = tf.randomNormal([3, ...SMALL_INPUT[model.id]], 0, 1, 'float32', 4) as tf.Tensor4D;
      const a = tf.tidy(() => masked.forward(x, false).logits);
      const b = tf.tidy(() => pruned.forward(x, false).logits);
      const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
      expect(diff).toBeLessThanOrEqual(1e-4);
      // The pruned network really is smaller.
      const count = (net: MaskedNetwork) =>
        net.trainableVariables().reduce((s, v) => s + v.size, 0);
      expect(count(pruned)).toBeLessThan(count(masked));
      tf.dispose([x, a, b]);
      masked.dispose();
      pruned.dispose();
    });
  }
});

describe('physical removal of a batch norm after a flatten', () => {
  it('slices its per-feature parameters (positions × kept channels) and matches the masked network', () => {
    const graph = graphFromSpec(
      'bn after flatten',
      'input 6x6x2 | c1 conv 4 s2 | r1 relu | flat flatten | bn bn | fc dense 3',
      true,
    );
    const analysed = analyseGraph(graph);
    const weights = perturbed(initialWeights(analysed, 8), 9);
    expect(weights.get('bn')!.gamma).toHaveLength(3 * 3 * 4);
    const masked = new MaskedNetwork(analysed, weights);
    const masks = analysed.groups.map((g) =>
      Float32Array.from({ length: g.size }, (_, c) => (c === 1 ? 0 : 1)),
    );
    masked.setMasks(masks);
    const kept = masks.map((m) => keptIndices(m));
    const sliced = prunedWeights(analysed, weights, kept);
    expect(sliced.get('bn')!.gamma).toHaveLength(3 * 3 * 3);
    const small = analyseGraph(prunedGraph(analysed, kept));
    const pruned = new MaskedNetwork(small, sliced, { masks: false });
    const x = tf.randomNormal([2, 6, 6, 2], 0, 1, 'float32', 10) as tf.Tensor4D;
    const a = tf.tidy(() => masked.forward(x, false).logits);
    const b = tf.tidy(() => pruned.forward(x, false).logits);
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
    expect(diff).toBeLessThanOrEqual(1e-4);
    tf.dispose([x, a, b]);
    masked.dispose();
    pruned.dispose();
  });
});

describe('mask gradients', () => {
  it('dL/dm from the backward pass matches central finite differences', () => {
    const graph = MODEL_ZOO.find((m) => m.id === 'tiny-cnn')!.build({
      inputShape: [8, 8, 1],
      numClasses: 3,
      widthMultiplier: 0.5,
    });
    const analysed = analyseGraph(graph);
    const net = new MaskedNetwork(analysed, perturbed(initialWeights(analysed, 5), 6));
    const x = tf.randomNormal([4, 8, 8, 1], 0, 1, 'float32', 7) as tf.Tensor4D;
    const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 1], 'int32'), 3);
    const loss = () =>
      tf.losses.softmaxCrossEntropy(labels, net.forward(x, false).logits) as tf.Scalar;
    const maskVars = net.maskVariables();
    const { grads } = tf.variableGrads(loss, maskVars);
    const h = 1e-2;
    let checked = 0;
    for (const m of maskVars) {
      const analytic = grads[m.name].dataSync();
      const base = m.dataSync().slice();
      for (let c = 0; c < base.length; c++) {
        const at = (delta: number) => {
          const v = base.slice();
          v[c] += delta;
          m.assign(tf.tensor1d(v));
          return tf.tidy(() => loss().dataSync()[0]);
        };
        const numeric = (at(h) - at(-h)) / (2 * h);
        m.assign(tf.tensor1d(base));
        expect(Math.abs(analytic[c] - numeric)).toBeLessThan(1e-3 + 2e-2 * Math.abs(numeric));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(8);
    tf.dispose([x, labels, ...Object.values(grads)]);
    net.dispose();
  });
});

describe('straight-through masks', () => {
  /** Gradients of a masked tiny CNN (first group's channel 0 masked out) with and without STE. */
  function gradientsWithMask(straightThrough: boolean) {
    const graph = MODEL_ZOO.find((m) => m.id === 'tiny-cnn')!.build({
      inputShape: [8, 8, 1],
      numClasses: 3,
      widthMultiplier: 0.5,
    });
    const analysed = analyseGraph(graph);
    const net = new MaskedNetwork(analysed, perturbed(initialWeights(analysed, 5), 6), {
      masks: true,
      straightThrough,
    });
    const group = analysed.groups.findIndex((g) => g.prunable);
    const masks = analysed.groups.map((g) => new Float32Array(g.size).fill(1));
    masks[group][0] = 0;
    net.setMasks(masks);
    // The conv whose output channels form that group, and its kernel's channel-0 column.
    const conv = analysed.topoOrder.find(
      (id) =>
        analysed.nodes.get(id)!.op === 'conv2d' &&
        analysed.channelSegments.get(id)?.[0].group === group,
    )!;
    const kernel = net.layers.get(conv)!.kernel!;
    const x = tf.randomNormal([4, 8, 8, 1], 0, 1, 'float32', 7) as tf.Tensor4D;
    const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 1], 'int32'), 3);
    const loss = () =>
      tf.losses.softmaxCrossEntropy(labels, net.forward(x, false).logits) as tf.Scalar;
    const logits = tf.tidy(() => net.forward(x, false).logits.dataSync().slice());
    const { grads } = tf.variableGrads(loss, [kernel, ...net.maskVariables()]);
    const filters = kernel.shape[3]!;
    const k = grads[kernel.name].dataSync();
    let masked = 0;
    let kept = 0;
    for (let i = 0; i < k.length; i++) {
      if (i % filters === 0) masked += Math.abs(k[i]);
      else kept += Math.abs(k[i]);
    }
    const maskGrad = grads[net.masks[group]!.name].dataSync().slice();
    tf.dispose([x, labels, ...Object.values(grads)]);
    net.dispose();
    return { masked, kept, maskGrad, logits };
  }

  it('give a masked channel its weights’ gradient, with the same forward pass and dL/dm', () => {
    const plain = gradientsWithMask(false);
    const ste = gradientsWithMask(true);
    expect(plain.masked).toBe(0);
    expect(ste.masked).toBeGreaterThan(1e-6);
    expect(ste.kept).toBeGreaterThan(0);
    Array.from(ste.logits).forEach((v, i) => expect(v).toBeCloseTo(plain.logits[i], 5));
    Array.from(ste.maskGrad).forEach((v, i) => expect(v).toBeCloseTo(plain.maskGrad[i], 4));
  });
});
