import { readFileSync } from 'node:fs';
import v8 from 'node:v8';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureTrainKernelsBuilt,
  expectSameOnWasmAndCpu,
  randomTensor,
  relativeError,
  TOLERANCE,
  type HostTensor,
} from './kernelTestSupport';
import type { TrainKernelExports } from './kernelHeap';
import {
  TRAIN_KERNELS_SHARED_WASM,
  TRAIN_KERNELS_WASM,
  installWasmTrainingKernelsFromDisk,
} from './loadTrainingKernelsNode';
import {
  FUSED_KERNELS,
  MISSING_KERNELS,
  REPLACED_KERNELS,
  relaxedSimdSupported,
  type WasmTrainingKernels,
} from './registerTrainingKernels';

type Pad = 'same' | 'valid' | number;

interface ConvCase {
  x: number[];
  filter: [number, number];
  outChannels: number;
  strides: number | [number, number];
  pad: Pad;
}

const CONV_CASES: ConvCase[] = [
  { x: [2, 7, 7, 3], filter: [3, 3], outChannels: 5, strides: 1, pad: 'same' },
  { x: [2, 7, 7, 3], filter: [3, 3], outChannels: 5, strides: 2, pad: 'same' },
  { x: [1, 8, 8, 8], filter: [3, 3], outChannels: 16, strides: 2, pad: 'same' },
  { x: [2, 9, 6, 4], filter: [3, 3], outChannels: 8, strides: 1, pad: 'valid' },
  { x: [3, 10, 9, 16], filter: [3, 3], outChannels: 12, strides: 2, pad: 'valid' },
  { x: [1, 5, 5, 1], filter: [1, 1], outChannels: 3, strides: 1, pad: 'valid' },
  { x: [2, 11, 13, 9], filter: [5, 3], outChannels: 10, strides: [2, 1], pad: 'same' },
  { x: [1, 6, 6, 2], filter: [3, 3], outChannels: 3, strides: 1, pad: 1 },
  { x: [2, 14, 14, 32], filter: [3, 3], outChannels: 32, strides: 2, pad: 'same' },
  { x: [4, 12, 12, 16], filter: [3, 3], outChannels: 24, strides: 1, pad: 'same' },
  { x: [1, 19, 19, 3], filter: [3, 3], outChannels: 16, strides: 1, pad: 'same' },
];

interface DepthwiseCase {
  x: number[];
  filter: [number, number];
  multiplier: number;
  strides: number;
  pad: Pad;
}

const DEPTHWISE_CASES: DepthwiseCase[] = [
  { x: [2, 7, 7, 3], filter: [3, 3], multiplier: 1, strides: 1, pad: 'same' },
  { x: [2, 8, 8, 8], filter: [3, 3], multiplier: 1, strides: 2, pad: 'same' },
  { x: [1, 9, 9, 13], filter: [3, 3], multiplier: 1, strides: 2, pad: 'valid' },
  { x: [2, 6, 5, 20], filter: [5, 5], multiplier: 1, strides: 1, pad: 'same' },
  { x: [1, 6, 6, 3], filter: [3, 3], multiplier: 2, strides: 1, pad: 'same' },
];

interface PoolCase {
  x: number[];
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: Pad;
  /** Round inputs to a few values so that windows hold ties (as after a ReLU). */
  ties?: boolean;
}

const POOL_CASES: PoolCase[] = [
  { x: [2, 7, 7, 3], filterSize: 2, strides: 2, pad: 'valid' },
  { x: [2, 7, 7, 5], filterSize: 3, strides: 2, pad: 'same' },
  { x: [1, 8, 8, 4], filterSize: 2, strides: 1, pad: 'same' },
  { x: [2, 9, 8, 8], filterSize: [3, 2], strides: [1, 2], pad: 'same', ties: true },
  { x: [1, 6, 6, 6], filterSize: 2, strides: 2, pad: 'valid', ties: true },
];

function withTies(t: HostTensor): HostTensor {
  return { shape: t.shape, values: t.values.map((v) => Math.max(0, Math.round(v * 2))) };
}

/** Output shape of a convolution / pooling, via tfjs's own shape logic. */
function convOutShape(x: number[], filterShape: number[], strides: ConvCase['strides'], pad: Pad) {
  return tf.backend_util.computeConv2DInfo(
    x as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides,
    1,
    pad,
  ).outShape;
}

let kernels: WasmTrainingKernels | undefined;

beforeAll(async () => {
  ensureTrainKernelsBuilt();
  await tf.setBackend('wasm');
});

afterAll(() => {
  kernels?.unregister();
});

// The relaxed-SIMD build (fused multiply-adds) runs last: Node 20 validates it only once V8's
// --experimental-wasm-relaxed-simd flag is set, and the flag stays set for the process.
// Two threads on tfjs's heap: the caller's part of a split call runs in place, the helper's in
// the shared memory; in copy mode every part runs there.
describe.each([
  'tfjs-heap',
  'copy',
  'two threads',
  'copy, two threads',
  'relaxed SIMD, two threads',
] as const)('wasm training kernels (%s)', (mode) => {
  const relaxed = mode.startsWith('relaxed');
  const threaded = mode.endsWith('two threads');
  const copy = mode.startsWith('copy');
  beforeAll(async () => {
    if (relaxed) {
      v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
      expect(relaxedSimdSupported()).toBe(true);
    }
    await tf.setBackend('wasm');
    kernels = await installWasmTrainingKernelsFromDisk({
      memory: copy ? 'copy' : 'auto',
      relaxedSimd: relaxed,
      // split every conv with a batch of 2 or more, however small
      ...(threaded ? { threads: 2, minMacsToSplit: 0 } : {}),
    });
    expect(kernels.heapMode()).toBe(copy ? 'copy' : 'tfjs-heap');
    expect(kernels.threads).toBe(threaded ? 2 : 1);
    expect(kernels.simd).toBe(relaxed ? 'relaxed' : 'plain');
  });

  afterAll(() => {
    if (threaded) expect(kernels!.splitCalls()).toBeGreaterThan(20);
  });

  it('registers the kernels tfjs-backend-wasm lacks and replaces its slow ones', () => {
    for (const name of [...MISSING_KERNELS, ...REPLACED_KERNELS, ...FUSED_KERNELS]) {
      expect(tf.getKernel(name, 'wasm'), name).toBeDefined();
    }
  });

  it.each(CONV_CASES)('Conv2D (forward) matches cpu: $x $filter s$strides $pad', async (c) => {
    const filterShape = [...c.filter, c.x[3], c.outChannels];
    await expectSameOnWasmAndCpu(
      'Conv2D',
      { x: randomTensor(c.x, 11), filter: randomTensor(filterShape, 12) },
      { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', dilations: 1 },
    );
  });

  it('Conv2D with dilation 2 (not ours) still matches cpu through tfjs kernel', async () => {
    await expectSameOnWasmAndCpu(
      'Conv2D',
      { x: randomTensor([1, 9, 9, 3], 13), filter: randomTensor([3, 3, 3, 4], 14) },
      { strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 2 },
    );
  });

  it.each([
    { a: [5, 7], b: [7, 9], transposeA: false, transposeB: false },
    { a: [7, 5], b: [7, 9], transposeA: true, transposeB: false },
    { a: [5, 7], b: [9, 7], transposeA: false, transposeB: true },
    { a: [7, 5], b: [9, 7], transposeA: true, transposeB: true },
    { a: [6, 40], b: [40, 16], transposeA: false, transposeB: false },
    { a: [3, 4, 6], b: [3, 6, 10], transposeA: false, transposeB: false },
    { a: [1, 4, 6], b: [3, 10, 6], transposeA: false, transposeB: true },
    { a: [2, 6, 4], b: [1, 6, 8], transposeA: true, transposeB: false },
  ])(
    'BatchMatMul matches cpu: $a × $b (transposes $transposeA, $transposeB)',
    async ({ a, b, transposeA, transposeB }) => {
      await expectSameOnWasmAndCpu(
        'BatchMatMul',
        { a: randomTensor(a, 15), b: randomTensor(b, 16) },
        { transposeA, transposeB },
      );
    },
  );

  it('AddN matches cpu for two and three tensors', async () => {
    for (const count of [2, 3]) {
      const sums: Float32Array[] = [];
      for (const backend of ['cpu', 'wasm'] as const) {
        await tf.setBackend(backend);
        sums.push(
          tf.tidy(() => {
            const parts = Array.from({ length: count }, (_, i) =>
              tf.tensor(randomTensor([3, 5, 7], 20 + i).values, [3, 5, 7]),
            );
            return tf.addN(parts).dataSync() as Float32Array;
          }),
        );
      }
      expect(relativeError(sums[1], sums[0])).toBeLessThanOrEqual(1e-6);
    }
  });

  it('ReLU and ReLU6 gradients match cpu, at 0 and at the cap too', async () => {
    const values = randomTensor([2, 5, 5, 6], 30).values.map((v) => v * 8);
    values.set([0, 6, -0, 6.0001, 5.9999, 1e-8], 0);
    for (const activation of ['relu', 'relu6'] as const) {
      const grads: Float32Array[] = [];
      for (const backend of ['cpu', 'wasm'] as const) {
        await tf.setBackend(backend);
        grads.push(
          tf.tidy(() => {
            const x = tf.tensor(values, [2, 5, 5, 6]);
            const r = tf.tensor(randomTensor([2, 5, 5, 6], 31).values, [2, 5, 5, 6]);
            const f = (t: tf.Tensor) => tf.sum(tf.mul(tf[activation](t), r));
            return tf.grad(f)(x).dataSync() as Float32Array;
          }),
        );
      }
      // Equal values (cpu's zeros may be −0: dy · 0 for a negative dy).
      expect(relativeError(grads[1], grads[0]), activation).toBe(0);
      expect(grads[1].some((g) => g === 0) && grads[1].some((g) => g !== 0)).toBe(true);
    }
  });

  it.each(CONV_CASES)('Conv2DBackpropFilter matches cpu: $x $filter s$strides $pad', async (c) => {
    const filterShape = [...c.filter, c.x[3], c.outChannels];
    const dy = randomTensor(convOutShape(c.x, filterShape, c.strides, c.pad), 2);
    await expectSameOnWasmAndCpu(
      'Conv2DBackpropFilter',
      { x: randomTensor(c.x, 1), dy },
      { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', filterShape },
    );
  });

  it.each(CONV_CASES)('Conv2DBackpropInput matches cpu: $x $filter s$strides $pad', async (c) => {
    const filterShape = [...c.filter, c.x[3], c.outChannels];
    const dy = randomTensor(convOutShape(c.x, filterShape, c.strides, c.pad), 3);
    await expectSameOnWasmAndCpu(
      'Conv2DBackpropInput',
      { dy, filter: randomTensor(filterShape, 4) },
      { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', inputShape: c.x },
    );
  });

  it.each(DEPTHWISE_CASES)(
    'DepthwiseConv2dNative backprop filter and input match cpu: $x $filter ×$multiplier s$strides $pad',
    async (c) => {
      const filterShape = [...c.filter, c.x[3], c.multiplier];
      const info = tf.backend_util.computeConv2DInfo(
        c.x as [number, number, number, number],
        filterShape as [number, number, number, number],
        c.strides,
        1,
        c.pad,
        undefined,
        true,
      );
      const dy = randomTensor(info.outShape, 5);
      const common = { strides: c.strides, dilations: 1, pad: c.pad };
      await expectSameOnWasmAndCpu(
        'DepthwiseConv2dNativeBackpropFilter',
        { x: randomTensor(c.x, 6), dy },
        { ...common, filterShape },
      );
      await expectSameOnWasmAndCpu(
        'DepthwiseConv2dNativeBackpropInput',
        { dy, filter: randomTensor(filterShape, 7) },
        { ...common, inputShape: c.x },
      );
    },
  );

  it.each(POOL_CASES)(
    'MaxPoolGrad and AvgPoolGrad match cpu: $x pool $filterSize s$strides $pad ties=$ties',
    async (c) => {
      const input = c.ties ? withTies(randomTensor(c.x, 8)) : randomTensor(c.x, 8);
      const info = tf.backend_util.computePool2DInfo(
        c.x as [number, number, number, number],
        c.filterSize,
        c.strides,
        1,
        c.pad,
      );
      const dy = randomTensor(info.outShape, 9);
      const attrs = { filterSize: c.filterSize, strides: c.strides, pad: c.pad };
      await tf.setBackend('cpu');
      const output = tf.tidy(() => {
        const y = tf.maxPool(
          tf.tensor4d(input.values, c.x as never),
          c.filterSize,
          c.strides,
          c.pad,
        );
        return { shape: y.shape, values: y.dataSync() as Float32Array };
      });
      await expectSameOnWasmAndCpu('MaxPoolGrad', { dy, input, output }, attrs);
      await expectSameOnWasmAndCpu('AvgPoolGrad', { dy, input }, attrs);
    },
  );

  it.each([
    { shape: [1, 1, 1, 5], reps: [3, 4, 2, 1] },
    { shape: [2, 3, 4], reps: [2, 1, 3] },
    { shape: [7], reps: [5] },
    { shape: [3, 1, 2, 2], reps: [1, 6, 1, 2] },
  ])('Tile matches cpu for float32, int32 and bool: $shape × $reps', async ({ shape, reps }) => {
    const values = randomTensor(shape, 15).values;
    const results: Record<string, number[][]> = {};
    for (const backend of ['cpu', 'wasm'] as const) {
      await tf.setBackend(backend);
      results[backend] = tf.tidy(() =>
        (['float32', 'int32', 'bool'] as const).map((dtype) => {
          const t = tf.tensor(values, shape);
          // (not cast(): tfjs-wasm 4.22 casts float → bool wrongly, e.g. 0.3 → false, -4 → 252)
          const x =
            dtype === 'bool' ? tf.greater(t, 0) : dtype === 'int32' ? t.mul(9).cast('int32') : t;
          return Array.from(tf.tile(x, reps).dataSync());
        }),
      );
    }
    expect(results.wasm).toEqual(results.cpu);
  });

  it.each([
    { shape: [4, 6, 5, 16], axis: [0, 1, 2], keepDims: false },
    { shape: [4, 6, 5, 19], axis: [1, 2], keepDims: true },
    { shape: [3, 7, 6], axis: [2], keepDims: false },
    { shape: [3, 7, 6], axis: [0], keepDims: true },
    { shape: [5, 300], axis: null, keepDims: false },
    { shape: [2, 3, 4, 5], axis: [0, 2], keepDims: false },
  ])('Sum and Mean match cpu: $shape over $axis', async ({ shape, axis, keepDims }) => {
    const x = randomTensor(shape, 16);
    for (const kernelName of ['Sum', 'Mean']) {
      await expectSameOnWasmAndCpu(kernelName, { x }, { axis, keepDims });
    }
    // int32 goes to tfjs's own kernel
    const ints: Record<string, number[]> = {};
    for (const backend of ['cpu', 'wasm'] as const) {
      await tf.setBackend(backend);
      ints[backend] = tf.tidy(() => {
        const t = tf.tensor(x.values, shape).mul(10).cast('int32');
        return Array.from(tf.sum(t, axis ?? undefined, keepDims).dataSync());
      });
    }
    expect(ints.wasm).toEqual(ints.cpu);
  });

  it.each([
    { x: [2, 5, 4, 6], param: [6], scale: true, offset: true },
    { x: [2, 5, 4, 7], param: [1, 1, 1, 7], scale: true, offset: false },
    { x: [3, 9], param: [9], scale: false, offset: true },
    { x: [2, 3, 3, 5], param: [1], scale: true, offset: true },
  ])('FusedBatchNorm matches cpu: $x with $param parameters', async (c) => {
    const inputs: Record<string, HostTensor> = {
      x: randomTensor(c.x, 17),
      mean: randomTensor(c.param, 18),
      variance: { shape: c.param, values: randomTensor(c.param, 19).values.map((v) => v + 1.5) },
    };
    if (c.scale) inputs.scale = randomTensor(c.param, 20);
    if (c.offset) inputs.offset = randomTensor(c.param, 21);
    await expectSameOnWasmAndCpu('FusedBatchNorm', inputs, { varianceEpsilon: 1e-3 });
  });

  it('Identity shares the data safely: the clone outlives its source', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const a = tf.tensor([1, 2, 3, 4], [2, 2]);
    const b = tf.clone(a);
    a.dispose();
    expect(Array.from(b.dataSync())).toEqual([1, 2, 3, 4]);
    const c = tf.add(b, 1);
    b.dispose();
    expect(Array.from(c.dataSync())).toEqual([2, 3, 4, 5]);
    c.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it.each([
    { a: [2, 3, 4, 5], b: [5] },
    { a: [5], b: [2, 3, 4, 5] },
    { a: [2, 3, 4, 8], b: [1, 1, 1, 8] },
    { a: [1, 1, 8], b: [3, 4, 8] },
    { a: [3, 7], b: [] },
    { a: [], b: [3, 7] },
    { a: [2, 3], b: [2, 3] },
    { a: [2, 1], b: [1, 3] },
    { a: [3, 4, 6], b: [4, 1] },
  ])('Add, Sub, Multiply and RealDiv match cpu: $a ∘ $b', async ({ a, b }) => {
    const inputs = { a: randomTensor(a, 24), b: randomTensor(b, 25) };
    for (const kernelName of ['Add', 'Sub', 'Multiply', 'RealDiv']) {
      await expectSameOnWasmAndCpu(kernelName, inputs, {});
    }
  });

  it('Cast shares same-type data, casts to bool as x ≠ 0 and leaves other casts to tfjs', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor([-4.5, 0, 0.3, 2, -0.2, 7.9]);
    expect(Array.from(tf.cast(x, 'float32').dataSync())).toEqual(Array.from(x.dataSync()));
    expect(Array.from(tf.cast(x, 'bool').dataSync())).toEqual([1, 0, 1, 1, 1, 1]);
    expect(Array.from(tf.cast(x, 'int32').dataSync())).toEqual([-4, 0, 0, 2, 0, 7]);
    expect(
      Array.from(tf.cast(tf.tensor([0, 3, -2], undefined, 'int32'), 'bool').dataSync()),
    ).toEqual([0, 1, 1]);
    x.dispose();
  });

  it.each(['cpu', 'wasm'] as const)(
    'the replaced Mean and Sum gradients broadcast dy (÷ reduced size for Mean) on %s',
    async (backend) => {
      await tf.setBackend(backend);
      const r = randomTensor([2, 1, 4], 22);
      const x = tf.tensor(randomTensor([2, 3, 4], 23).values, [2, 3, 4]);
      const weights = tf.tensor(r.values, r.shape);
      const gradMean = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.mean(t, 1, true), weights)))(x);
      const gradSum = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.sum(t, [1], true), weights)))(x);
      const expectedSum = Array.from(
        { length: 24 },
        (_, i) => r.values[Math.floor(i / 12) * 4 + (i % 4)],
      );
      expect(Array.from(gradSum.dataSync())).toEqual(expectedSum);
      const mean = Array.from(gradMean.dataSync());
      mean.forEach((v, i) => expect(v).toBeCloseTo(expectedSum[i] / 3, 6));
      tf.dispose([x, weights, gradMean, gradSum]);
    },
  );

  it('tf.grads of conv2d, depthwiseConv2d and pools match cpu end to end', async () => {
    const x = randomTensor([2, 9, 9, 6], 10);
    const w = randomTensor([3, 3, 6, 8], 11);
    const dw = randomTensor([3, 3, 8, 1], 12);
    const results: Record<string, Float32Array[]> = {};
    for (const backend of ['cpu', 'wasm'] as const) {
      await tf.setBackend(backend);
      results[backend] = tf.tidy(() => {
        const f = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => {
          let y = tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same');
          y = tf.relu6(y);
          y = tf.depthwiseConv2d(y, c as tf.Tensor4D, 1, 'same');
          const p = tf.add(tf.maxPool(y, 2, 1, 'same'), tf.avgPool(y, 3, 2, 'same').mean());
          return tf.sum(tf.mul(p, p));
        };
        const grads = tf.grads(f)([
          tf.tensor(x.values, x.shape),
          tf.tensor(w.values, w.shape),
          tf.tensor(dw.values, dw.shape),
        ]);
        return grads.map((g) => g.dataSync() as Float32Array);
      });
    }
    results.cpu.forEach((expected, i) => {
      expect(relativeError(results.wasm[i], expected), `gradient ${i}`).toBeLessThanOrEqual(
        TOLERANCE,
      );
    });
  });
});

describe('train-kernels-shared.wasm (for tfjs threaded builds)', () => {
  it('computes the same Conv2DBackpropFilter as the plain binary on a shared memory', () => {
    const run = (file: URL, memory: WebAssembly.Memory): Float32Array => {
      const module = new WebAssembly.Module(readFileSync(file));
      const k = new WebAssembly.Instance(module, { env: { memory } })
        .exports as unknown as TrainKernelExports;
      const heap = new Float32Array(memory.buffer);
      const x = randomTensor([2, 6, 6, 4], 13).values;
      const dy = randomTensor([2, 3, 3, 8], 14).values;
      heap.set(x, 16);
      heap.set(dy, 1024);
      k.conv2dBackpropFilter(64, 4096, 8192, 12288, 2, 6, 6, 4, 3, 3, 8, 3, 3, 2, 2, 0, 0);
      return heap.slice(2048, 2048 + 3 * 3 * 4 * 8);
    };
    const plain = run(TRAIN_KERNELS_WASM, new WebAssembly.Memory({ initial: 16 }));
    const shared = run(
      TRAIN_KERNELS_SHARED_WASM,
      new WebAssembly.Memory({ initial: 16, maximum: 65536, shared: true }),
    );
    expect(plain.some((v) => v !== 0)).toBe(true);
    expect(Array.from(shared)).toEqual(Array.from(plain));
  });
});
