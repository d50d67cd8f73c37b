import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTrainKernelsBuilt, randomValues, relativeError } from './kernelTestSupport';
import { installWasmTrainingKernelsFromDisk } from './loadTrainingKernelsNode';
import type { WasmTrainingKernels } from './registerTrainingKernels';

/** conv → BN → ReLU → depthwise s2 → BN → ReLU6 → max pool → conv → avg pool → GAP → dense. */
function buildNet(): tf.LayersModel {
  const m = tf.sequential();
  m.add(
    tf.layers.conv2d({
      inputShape: [12, 12, 3],
      filters: 8,
      kernelSize: 3,
      padding: 'same',
      useBias: false,
    }),
  );
  m.add(tf.layers.batchNormalization());
  m.add(tf.layers.reLU());
  m.add(tf.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'same', useBias: false }));
  m.add(tf.layers.batchNormalization());
  m.add(tf.layers.reLU({ maxValue: 6 }));
  m.add(tf.layers.maxPooling2d({ poolSize: 2, strides: 1, padding: 'same' }));
  m.add(
    tf.layers.conv2d({
      filters: 12,
      kernelSize: 3,
      strides: 2,
      padding: 'valid',
      activation: 'relu',
    }),
  );
  m.add(tf.layers.averagePooling2d({ poolSize: 2, strides: 1, padding: 'valid' }));
  m.add(tf.layers.globalAveragePooling2d({}));
  m.add(tf.layers.dense({ units: 5 }));
  return m;
}

const STEPS = 5;
const BATCH = 6;

async function lossTrajectory(backend: 'cpu' | 'wasm', initial: Float32Array[]): Promise<number[]> {
  await tf.setBackend(backend);
  const model = buildNet();
  model.setWeights(initial.map((v, i) => tf.tensor(v, model.getWeights()[i].shape)));
  const xs = tf.tensor4d(randomValues(BATCH * 12 * 12 * 3, 21), [BATCH, 12, 12, 3]);
  const ys = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 0], 'int32'), 5);
  const optimizer = tf.train.adam(0.01);
  const losses: number[] = [];
  for (let step = 0; step < STEPS; step++) {
    const loss = optimizer.minimize(
      () => tf.losses.softmaxCrossEntropy(ys, model.apply(xs, { training: true }) as tf.Tensor),
      true,
    )!;
    losses.push(loss.dataSync()[0]);
    loss.dispose();
  }
  optimizer.dispose();
  model.dispose();
  tf.dispose([xs, ys]);
  return losses;
}

let kernels: WasmTrainingKernels | undefined;

beforeAll(async () => {
  ensureTrainKernelsBuilt();
  await tf.setBackend('wasm');
  kernels = await installWasmTrainingKernelsFromDisk();
});

afterAll(() => kernels?.unregister());

async function initialWeights(): Promise<Float32Array[]> {
  await tf.setBackend('cpu');
  const reference = buildNet();
  const initial = reference.getWeights().map((w) => w.dataSync() as Float32Array);
  reference.dispose();
  return initial;
}

function expectSameTrajectory(wasm: number[], cpu: number[]): void {
  expect(cpu[STEPS - 1]).toBeLessThan(cpu[0]); // it does learn
  wasm.forEach((loss, i) => {
    expect(Math.abs(loss - cpu[i]) / Math.abs(cpu[i]), `step ${i}`).toBeLessThanOrEqual(1e-3);
  });
}

describe('a CNN training step on wasm with the training kernels', () => {
  it('follows the same Adam loss trajectory as the cpu backend for 5 steps', async () => {
    const initial = await initialWeights();
    const cpu = await lossTrajectory('cpu', initial);
    expectSameTrajectory(await lossTrajectory('wasm', initial), cpu);
  });

  it('follows it too with the backward convolutions split over two threads', async () => {
    const initial = await initialWeights();
    const cpu = await lossTrajectory('cpu', initial);
    await tf.setBackend('wasm');
    kernels = await installWasmTrainingKernelsFromDisk({ threads: 2, minMacsToSplit: 0 });
    expectSameTrajectory(await lossTrajectory('wasm', initial), cpu);
    expect(kernels.splitCalls()).toBeGreaterThan(0);
  });

  it('splits by default only the convolutions where the split pays (and gets them right)', async () => {
    await tf.setBackend('wasm');
    kernels = await installWasmTrainingKernelsFromDisk({ threads: 2 });
    const conv = (x: number[], channels: number, seed: number) =>
      tf.tidy(() => {
        const input = tf.tensor4d(randomValues(x[0] * x[1] * x[2] * x[3], seed), x as never);
        const filter = tf.tensor4d(randomValues(9 * x[3] * channels, seed + 1), [
          3,
          3,
          x[3],
          channels,
        ]);
        return tf.conv2d(input, filter, 1, 'same').dataSync() as Float32Array;
      });
    const before = kernels.splitCalls();
    conv([8, 4, 4, 4], 4, 40); // 0.04·10⁶ multiply-adds: stays on one thread
    expect(kernels.splitCalls()).toBe(before);
    const big = [8, 16, 16, 64];
    const split = conv(big, 64, 42); // 75·10⁶: split
    expect(kernels.splitCalls()).toBe(before + 1);
    await tf.setBackend('cpu');
    expect(relativeError(split, conv(big, 64, 42))).toBeLessThanOrEqual(1e-4);
  });

  it('follows a split policy set between calls: none, every call, a dearer fixed cost', async () => {
    await tf.setBackend('wasm');
    // Registered with a fixed cost above the half of the big call that a split saves.
    kernels = await installWasmTrainingKernelsFromDisk({ threads: 2, splitFixedUs: 5000 });
    const conv = (x: number[], channels: number) => {
      const before = kernels!.splitCalls();
      tf.tidy(() =>
        tf
          .conv2d(tf.ones(x as never) as tf.Tensor4D, tf.ones([3, 3, x[3], channels]), 1, 'same')
          .dataSync(),
      );
      return kernels!.splitCalls() - before;
    };
    const small = [8, 4, 4, 4];
    const big = [8, 16, 16, 64]; // 75·10⁶ multiply-adds, about 4.4 ms on one thread
    expect(conv(big, 64)).toBe(0);
    kernels.setSplitPolicy({ fixedUs: 20 });
    expect(conv(big, 64)).toBe(1);
    expect(conv(small, 4)).toBe(0);
    kernels.setSplitPolicy({ split: false });
    expect(conv(big, 64)).toBe(0);
    kernels.setSplitPolicy({ minMacsToSplit: 0 });
    expect(conv(small, 4)).toBe(1);
    // Unset fields go back to the registration's: 5000 µs, the big call stays whole.
    kernels.setSplitPolicy({});
    expect(conv(big, 64)).toBe(0);
  });
});
