// The fused training kernels (batch norm in training mode with its gradient, one Adam update)
// against the tfjs ops they replace, run on the cpu backend; and the studio's whole training step
// on wasm against cpu.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyseGraph } from '../../core/graphAnalysis';
import { zooModel } from '../../core/zoo';
import { generateShapes } from '../../data/generated';
import { testTrainerSettings } from '../../testing/trainerSettings';
import { createResourceEstimator } from '../estimator';
import {
  adamStep,
  batchNormTraining,
  channelMask,
  fusedTrainingActive,
  movingAverages,
  type FusedActivation,
} from '../fusedTraining';
import { PruningTrainer } from '../trainer';
import { ensureTrainKernelsBuilt, randomTensor, relativeError } from './kernelTestSupport';
import { installWasmTrainingKernelsFromDisk } from './loadTrainingKernelsNode';
import type { WasmTrainingKernels } from './registerTrainingKernels';

let kernels: WasmTrainingKernels | undefined;

beforeAll(async () => {
  ensureTrainKernelsBuilt();
  await tf.setBackend('wasm');
  kernels = await installWasmTrainingKernelsFromDisk();
});

afterAll(() => kernels?.unregister());

interface BatchNormCase {
  shape: number[];
  seed: number;
  activation?: FusedActivation;
}

/** y, mean, variance and the gradients of Σ y·r in x, γ and β, as plain arrays. */
async function batchNormOn(backend: 'cpu' | 'wasm', { shape, seed, activation }: BatchNormCase) {
  await tf.setBackend(backend);
  const c = shape[shape.length - 1];
  const host = randomTensor(shape, seed);
  // A channel offset and scale so that the statistics are not near 0 and 1.
  const x = tf.tidy(() => tf.add(tf.mul(tf.tensor(host.values, shape), 3), tf.linspace(-2, 5, c)));
  const gamma = tf.tensor1d(randomTensor([c], seed + 1).values.map((v) => 1 + v / 2));
  const beta = tf.tensor1d(randomTensor([c], seed + 2).values);
  const r = tf.tensor(randomTensor(shape, seed + 3).values, shape);
  const forward = tf.tidy(() => {
    const { y, mean, variance } = batchNormTraining(x, gamma, beta, 1e-3, activation);
    return [y, mean, variance].map((t) => t.dataSync() as Float32Array);
  });
  const grads = tf.tidy(() =>
    tf
      .grads((a, g, b) =>
        tf.sum(
          tf.mul(batchNormTraining(a, g as tf.Tensor1D, b as tf.Tensor1D, 1e-3, activation).y, r),
        ),
      )([x, gamma, beta])
      .map((t) => t.dataSync() as Float32Array),
  );
  tf.dispose([x, gamma, beta, r]);
  return { forward, grads };
}

const CASES: BatchNormCase[] = [
  { shape: [3, 5, 5, 7], seed: 1 }, // channels not a multiple of 4
  { shape: [4, 6, 6, 16], seed: 2 },
  { shape: [9, 12], seed: 3 }, // a dense layer's batch norm
  { shape: [3, 5, 5, 7], seed: 4, activation: 'relu' }, // ReLU fused
  { shape: [4, 6, 6, 16], seed: 5, activation: 'relu6' }, // ReLU6 fused
];

describe('fused batch norm in training mode', () => {
  it('is the kernel the wasm backend runs, and tfjs ops elsewhere', async () => {
    await tf.setBackend('wasm');
    expect(fusedTrainingActive()).toBe(true);
    await tf.setBackend('cpu');
    expect(fusedTrainingActive()).toBe(false);
  });

  for (const c of CASES) {
    it(`matches moments + batchNorm${c.activation ? ` + ${c.activation}` : ''} and their gradients on cpu for ${c.shape.join('×')}`, async () => {
      const cpu = await batchNormOn('cpu', c);
      const wasm = await batchNormOn('wasm', c);
      ['y', 'mean', 'variance'].forEach((name, i) => {
        expect(relativeError(wasm.forward[i], cpu.forward[i]), name).toBeLessThan(1e-5);
      });
      ['dx', 'dgamma', 'dbeta'].forEach((name, i) => {
        expect(relativeError(wasm.grads[i], cpu.grads[i]), name).toBeLessThan(1e-4);
      });
      // The gradient in x is not trivially zero (Σ over a channel of dx is 0, not each value).
      expect(Math.max(...wasm.grads[0].map(Math.abs))).toBeGreaterThan(1e-2);
    });
  }

  it('matches in copy mode too (kernels on a memory of their own)', async () => {
    const cpu = await batchNormOn('cpu', CASES[0]);
    await tf.setBackend('wasm');
    kernels = await installWasmTrainingKernelsFromDisk({ memory: 'copy' });
    try {
      expect(kernels.heapMode()).toBe('copy');
      const wasm = await batchNormOn('wasm', CASES[0]);
      expect(relativeError(wasm.forward[0], cpu.forward[0])).toBeLessThan(1e-5);
      expect(relativeError(wasm.grads[0], cpu.grads[0])).toBeLessThan(1e-4);
    } finally {
      await tf.setBackend('wasm');
      kernels = await installWasmTrainingKernelsFromDisk();
    }
  });

  it('leaves no tensor behind over many gradient steps', async () => {
    await tf.setBackend('wasm');
    const x = tf.variable(tf.randomNormal([4, 5, 5, 8], 0, 1, 'float32', 7));
    const gamma = tf.variable(tf.ones([8]));
    const beta = tf.variable(tf.zeros([8]));
    const step = () =>
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => {
          const { y, mean, variance } = batchNormTraining(
            x,
            gamma as tf.Tensor1D,
            beta as tf.Tensor1D,
            1e-3,
          );
          return tf.add(tf.sum(tf.square(y)), tf.sum(tf.add(mean, variance)));
        });
        beta.assign(tf.sub(beta, tf.mul(grads[beta.name], 0.01)));
        return value.dataSync()[0];
      });
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, gamma, beta]);
  });
});

describe('fused channel mask', () => {
  async function maskOn(backend: 'cpu' | 'wasm', shape: number[]) {
    await tf.setBackend(backend);
    const c = shape[shape.length - 1];
    return tf.tidy(() => {
      const x = tf.tensor(randomTensor(shape, 40).values, shape);
      const mask = tf.tensor1d(randomTensor([c], 41).values.map((v) => (v > 0 ? 1 : v + 0.5)));
      const r = tf.tensor(randomTensor(shape, 42).values, shape);
      const y = channelMask(x, mask);
      const [dx, dmask] = tf.grads((a, m) => tf.sum(tf.mul(channelMask(a, m as tf.Tensor1D), r)))([
        x,
        mask,
      ]);
      return [y, dx, dmask].map((t) => t.dataSync() as Float32Array);
    });
  }

  for (const shape of [
    [3, 4, 4, 6],
    [5, 16],
  ]) {
    it(`matches tf.mul and its gradients on cpu for ${shape.join('×')}`, async () => {
      const cpu = await maskOn('cpu', shape);
      const wasm = await maskOn('wasm', shape);
      ['y', 'dx', 'dmask'].forEach((name, i) => {
        expect(relativeError(wasm[i], cpu[i]), name).toBeLessThan(1e-5);
      });
    });
  }
});

describe('fused Adam step', () => {
  async function adamOn(backend: 'cpu' | 'wasm', count: number): Promise<Float32Array[]> {
    await tf.setBackend(backend);
    let w: tf.Tensor = tf.tensor1d(randomTensor([count], 11).values);
    let m = tf.zeros([count]);
    let v = tf.zeros([count]);
    for (let step = 1; step <= 4; step++) {
      const g = tf.tensor1d(randomTensor([count], 20 + step).values);
      const rate = (0.01 * Math.sqrt(1 - 0.999 ** step)) / (1 - 0.9 ** step);
      const next = adamStep(w, m, v, g, { beta1: 0.9, beta2: 0.999, rate, epsilon: 1e-7 });
      tf.dispose([w, m, v, g]);
      [w, m, v] = next;
    }
    const out = [w, m, v].map((t) => t.dataSync() as Float32Array);
    tf.dispose([w, m, v]);
    return out;
  }

  for (const count of [3, 64, 1027]) {
    it(`gives tfjs ops' values for ${count} weights`, async () => {
      const cpu = await adamOn('cpu', count);
      const wasm = await adamOn('wasm', count);
      ['w', 'm', 'v'].forEach((name, i) => {
        expect(relativeError(wasm[i], cpu[i]), name).toBeLessThan(1e-6);
      });
      // The weights moved: 4 steps of about 0.01 each.
      const initial = randomTensor([count], 11).values;
      expect(relativeError(wasm[0], initial)).toBeGreaterThan(1e-3);
    });
  }
});

describe('fused moving averages of a batch norm', () => {
  async function averagesOn(backend: 'cpu' | 'wasm', count: number): Promise<Float32Array[]> {
    await tf.setBackend(backend);
    let mean: tf.Tensor = tf.zeros([count]);
    let variance: tf.Tensor = tf.ones([count]);
    for (let step = 0; step < 5; step++) {
      const batchMean = tf.tensor1d(randomTensor([count], 40 + step).values);
      const batchVariance = tf.abs(tf.tensor1d(randomTensor([count], 50 + step).values));
      const next = movingAverages(mean, variance, batchMean, batchVariance, 0.9);
      tf.dispose([mean, variance, batchMean, batchVariance]);
      [mean, variance] = next;
    }
    const out = [mean, variance].map((t) => t.dataSync() as Float32Array);
    tf.dispose([mean, variance]);
    return out;
  }

  it('is one kernel call on wasm, with no tensor left behind', async () => {
    await tf.setBackend('wasm');
    const mean = tf.zeros([6]);
    const variance = tf.ones([6]);
    const batch = tf.fill([6], 2);
    const before = tf.memory().numTensors;
    const profile = await tf.profile(() => {
      const next = movingAverages(mean, variance, batch, batch, 0.75);
      expect(Array.from(next[0].dataSync())).toEqual(Array(6).fill(0.5)); // 0·0.75 + 2·0.25
      expect(Array.from(next[1].dataSync())).toEqual(Array(6).fill(1.25)); // 1·0.75 + 2·0.25
      tf.dispose(next);
    });
    expect(profile.kernels.map((k) => k.name)).toEqual(['PsMovingAverages']);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([mean, variance, batch]);
  });

  for (const count of [3, 16, 130]) {
    it(`gives tfjs ops' values for ${count} channels over 5 steps`, async () => {
      const cpu = await averagesOn('cpu', count);
      const wasm = await averagesOn('wasm', count);
      expect(relativeError(wasm[0], cpu[0]), 'mean').toBeLessThan(1e-6);
      expect(relativeError(wasm[1], cpu[1]), 'variance').toBeLessThan(1e-6);
      expect(relativeError(wasm[1], new Float32Array(count).fill(1))).toBeGreaterThan(0.05);
    });
  }
});

describe('the studio trainer on wasm (fused and replaced kernels) against cpu', () => {
  async function trajectory(backend: 'cpu' | 'wasm', model: string): Promise<number[]> {
    await tf.setBackend(backend);
    const before = tf.memory().numTensors;
    const analysed = analyseGraph(
      zooModel(model).build({ inputShape: [12, 12, 1], numClasses: 4, widthMultiplier: 1 }),
    );
    const estimator = createResourceEstimator(analysed, 'stm32f746g-disco');
    const unpruned = estimator.report(analysed.groups.map((g) => g.size)).values;
    const trainer = new PruningTrainer(
      analysed,
      generateShapes({ size: 12, classes: 4, samples: 64, seed: 3 }),
      testTrainerSettings({
        totalSteps: 40,
        batchSize: 8,
        seed: 2,
        budgets: { flash: unpruned.flash * 0.5 },
        validationSamples: 8,
      }),
      estimator,
    );
    const losses: number[] = [];
    try {
      for (let i = 0; i < 6; i++) losses.push((await trainer.trainStep()).loss);
    } finally {
      trainer.dispose();
    }
    expect(tf.memory().numTensors, `${backend} leaks`).toBe(before);
    return losses;
  }

  for (const model of ['tiny-cnn', 'mobilenetv2']) {
    it(`follows cpu's loss trajectory for 6 pruning steps of ${model}`, async () => {
      await tf.setBackend('wasm');
      expect(fusedTrainingActive()).toBe(true);
      const cpu = await trajectory('cpu', model);
      const wasm = await trajectory('wasm', model);
      wasm.forEach((loss, i) => {
        expect(Math.abs(loss - cpu[i]) / Math.abs(cpu[i]), `step ${i}`).toBeLessThan(2e-3);
      });
    });
  }
});
