// Batch-norm inference step (tfjs-backend-wasm's is ~4× slower than an f32x4 loop), for
// per-channel (…, 1, C) or single-value parameters; others go to tfjs's kernel.
import type { FusedBatchNormAttrs, TensorInfo } from '@tensorflow/tfjs';
import { asBackend, sizeOf, type KernelArgs, type TrainingKernelConfig } from './support';

export const fusedBatchNormConfig: TrainingKernelConfig = {
  kernelName: 'FusedBatchNorm',
  makeKernel:
    ({ heap }) =>
    ({ inputs, backend, attrs }: KernelArgs<FusedBatchNormAttrs>) => {
      const { x, mean, variance, scale, offset } = inputs;
      if (x.dtype !== 'float32' || x.shape.length === 0) return null;
      const c = x.shape[x.shape.length - 1];
      // The parameter's stride over channels: 1 per channel, 0 one value, -1 absent.
      const strideOf = (t: TensorInfo | undefined): number | null => {
        if (!t) return -1;
        if (sizeOf(t.shape) === 1) return 0;
        const last = t.shape.length - 1;
        const perChannel =
          t.shape.length <= x.shape.length &&
          t.shape.every((d, i) => (i === last ? d === c : d === 1));
        return perChannel ? 1 : null;
      };
      const strides = [strideOf(mean), strideOf(variance), strideOf(scale), strideOf(offset)];
      if (strides.some((s) => s === null) || !mean || !variance) return null;
      const params = [mean, variance, scale, offset];
      const present = params.filter((t): t is TensorInfo => t != null);
      const rows = c === 0 ? 0 : sizeOf(x.shape) / c;
      return heap.run(
        asBackend(backend),
        [x, ...present],
        [...x.shape],
        (k) => k.batchNormScratch(c),
        (k, p) => {
          let next = 1;
          const pointer = (t: TensorInfo | undefined) => (t ? p.inputs[next++] : 0);
          const [pm, pv, ps, po] = params.map(pointer);
          k.batchNormForward(
            p.inputs[0],
            p.output,
            pm,
            strides[0]!,
            pv,
            strides[1]!,
            ps,
            strides[2]!,
            po,
            strides[3]!,
            p.scratch,
            rows,
            c,
            attrs!.varianceEpsilon,
          );
        },
      );
    },
};
