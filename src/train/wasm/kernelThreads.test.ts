import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTrainKernelsBuilt, randomValues } from './kernelTestSupport';
import { KernelThreadPool } from './kernelThreads';
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
