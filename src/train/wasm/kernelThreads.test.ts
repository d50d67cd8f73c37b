import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTrainKernelsBuilt, randomValues } from './kernelTestSupport';
import { splitCopyBytes } from './kernelHeap';
import { KernelThreadPool } from './kernelThreads';
import { splitPays } from './kernels/convolution';
import { readTrainKernelBinaries, spawnNodeHelper } from './loadTrainingKernelsNode';

let pool: KernelThreadPool;

beforeAll(async () => {
  ensureTrainKernelsBuilt();
  const { shared } = await readTrainKernelBinaries();
  pool = await KernelThreadPool.start(await WebAssembly.compile(shared), 3, spawnNodeHelper);
});

afterAll(() => pool?.dispose());

/** Depthwise input gradient of a [n, 6, 6, 4] input, 3×3 same, as one call's arguments. */
function depthwiseCall(dy: number, w: number, dx: number, n: number): number[] {
  return [dy, w, dx, n, 6, 6, 4, 6, 6, 1, 3, 3, 1, 1, 1, 1];
}

describe('KernelThreadPool', () => {
  it('runs parts on helper threads with the same results as one thread', () => {
    const f32 = () => new Float32Array(pool.memory.buffer);
    const base = pool.dataStart;
    const image = 6 * 6 * 4 * 4; // bytes per image
    const [dy, w, one, three] = [base, base + 3 * image, base + 4 * image, base + 8 * image];
    f32().set(randomValues(3 * 6 * 6 * 4, 31), dy / 4);
    f32().set(randomValues(3 * 3 * 4, 32), w / 4);
    pool.kernels.depthwiseBackpropInput(...depthwiseCall(dy, w, one, 3));
    pool.run(
      [0, 1, 2].map((i) => ({
        job: 'depthwiseBackpropInput' as const,
        args: depthwiseCall(dy + i * image, w, three + i * image, 1),
      })),
    );
    const expected = Array.from(f32().subarray(one / 4, one / 4 + (3 * image) / 4));
    expect(expected.some((v) => v !== 0)).toBe(true);
    expect(Array.from(f32().subarray(three / 4, three / 4 + (3 * image) / 4))).toEqual(expected);
  });

  it('reports a part that traps instead of hanging, and keeps working', () => {
    const base = pool.dataStart;
    const outOfBounds = pool.memory.buffer.byteLength + 65536;
    expect(() =>
      pool.run([
        { job: 'depthwiseBackpropInput', args: depthwiseCall(base, base, base + 4096, 1) },
        { job: 'depthwiseBackpropInput', args: depthwiseCall(outOfBounds, base, base + 8192, 1) },
      ]),
    ).toThrow(/kernel thread failed/);
    expect(() =>
      pool.run([
        { job: 'depthwiseBackpropInput', args: depthwiseCall(base, base, base + 4096, 1) },
        { job: 'depthwiseBackpropInput', args: depthwiseCall(base, base, base + 8192, 1) },
      ]),
    ).not.toThrow();
  });
});

describe('the split decision', () => {
  const plan = (inputImageBytes: number[], outputImageBytes: number) => ({
    batch: 32,
    parts: 2,
    inputImageBytes,
    outputImageBytes,
  });

  it('counts the bytes a split copies: the helpers’ images, unbatched inputs once', () => {
    // conv2d forward of [32, 16, 16, 64] by a 3×3×64×64 filter: x batched, filter not.
    const image = 16 * 16 * 64 * 4;
    const filter = 3 * 3 * 64 * 64 * 4;
    const forward = plan([image, 0], image);
    expect(splitCopyBytes(forward, [32 * image, filter], 32 * image, true)).toBe(
      16 * image + filter + 16 * image,
    );
    // Every part in the shared memory: all 32 images both ways.
    expect(splitCopyBytes(forward, [32 * image, filter], 32 * image, false)).toBe(
      32 * image + filter + 32 * image,
    );
    // A filter gradient: both operands batched, the helper's whole partial filter summed in.
    expect(splitCopyBytes(plan([image, image], 0), [32 * image, 32 * image], filter, true)).toBe(
      32 * image + filter,
    );
  });

  it('splits the big 3×3 convolutions and keeps the ones the copies would make slower', () => {
    // Measured (bench/split-cost.ts): 16×16×64 → 64 3×3 ran 0.54× the one-thread time split,
    // resnet8's 1×1 stride-2 shortcut (32×32×16 → 32) 1.4×, MobileNetV2's 8×8×144 depthwise 1.2–1.4×.
    const big = 3 * 3 * 64 * 64 * 16 * 16 * 32;
    expect(splitPays('conv2dForward', big, 16, 32, 2192 * 1024)).toBe(true);
    expect(splitPays('conv2dBackpropFilter', big, 16, 32, 2192 * 1024)).toBe(true);
    expect(splitPays('conv2dForward', 16 * 32 * 16 * 16 * 32, 16, 32, 1538 * 1024)).toBe(false);
    expect(splitPays('depthwiseBackpropInput', 9 * 144 * 8 * 8 * 32, 16, 32, 1157 * 1024)).toBe(
      false,
    );
    // A part as large as the batch saves nothing.
    expect(splitPays('conv2dForward', big, 32, 32, 0)).toBe(false);
  });
});
