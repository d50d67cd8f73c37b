// Float32 matrix products (tfjs BatchMatMul, rank 2 or 3, batches equal or one of them 1) with the
// f32x4 GEMM: tfjs-backend-wasm runs a dense layer's backward products (one operand transposed)
// about 10× slower than its forward one. Other cases go to tfjs's kernel.
import type { BatchMatMulAttrs } from '@tensorflow/tfjs';
import { asBackend, type KernelArgs, type TrainingKernelConfig } from './support';

export const batchMatMulConfig: TrainingKernelConfig = {
  kernelName: 'BatchMatMul',
  makeKernel:
    ({ heap }) =>
    ({ inputs, backend, attrs }: KernelArgs<BatchMatMulAttrs>) => {
      const { a, b } = inputs;
      if (a.dtype !== 'float32' || b.dtype !== 'float32') return null;
      const rank = a.shape.length;
      if (rank !== b.shape.length || (rank !== 2 && rank !== 3)) return null;
      const transposeA = attrs!.transposeA ? 1 : 0;
      const transposeB = attrs!.transposeB ? 1 : 0;
      const [batchA, a1, a2] = rank === 3 ? a.shape : [1, ...a.shape];
      const [batchB, b1, b2] = rank === 3 ? b.shape : [1, ...b.shape];
      const [m, k] = transposeA ? [a2, a1] : [a1, a2];
      const [kb, n] = transposeB ? [b2, b1] : [b1, b2];
      if (k !== kb) return null;
      if (batchA !== batchB && batchA !== 1 && batchB !== 1) return null;
      const batch = Math.max(batchA, batchB);
      return heap.run(
        asBackend(backend),
        [a, b],
        rank === 3 ? [batch, m, n] : [m, n],
        (kernels) => kernels.matMulScratch(m, k, n, transposeA),
        (kernels, p) => {
          for (let i = 0; i < batch; i++) {
            kernels.matMul(
              p.inputs[0] + (batchA === 1 ? 0 : i * m * k * 4),
              p.inputs[1] + (batchB === 1 ? 0 : i * k * n * 4),
              p.output + i * m * n * 4,
              p.scratch,
              m,
              k,
              n,
              transposeA,
              transposeB,
            );
          }
        },
      );
    },
};
