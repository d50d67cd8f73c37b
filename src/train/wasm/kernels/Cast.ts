// Cast: to the same dtype shares the data (tfjs-backend-wasm copies); to bool gives x ≠ 0 as
// tfjs cpu does (tfjs-wasm 4.22 truncates: 0.3 → false, −4 → 252). Others go to tfjs's kernel.
import type { CastAttrs } from '@tensorflow/tfjs';
import { asBackend, shareData, type KernelArgs, type TrainingKernelConfig } from './support';

export const castConfig: TrainingKernelConfig = {
  kernelName: 'Cast',
  makeKernel:
    () =>
    ({ inputs, backend, attrs }: KernelArgs<CastAttrs>) => {
      const { x } = inputs;
      const wasm = asBackend(backend);
      if (attrs!.dtype === x.dtype) return shareData(wasm, x);
      if (attrs!.dtype === 'bool' && (x.dtype === 'float32' || x.dtype === 'int32')) {
        const out = wasm.makeOutput([...x.shape], 'bool' as 'float32');
        const src = wasm.typedArrayFromHeap(x);
        const dst = wasm.typedArrayFromHeap(out);
        for (let i = 0; i < src.length; i++) dst[i] = src[i] !== 0 ? 1 : 0;
        return out;
      }
      return null;
    },
};
