// Tile with bulk copies (tfjs-backend-wasm copies element by element; batch-norm's gradient
// tiles 1/σ over the whole activation). Any element type the heap holds.
import type { TensorInfo, TileAttrs } from '@tensorflow/tfjs';
import type { WasmBackendLike } from '../kernelHeap';
import { asBackend, type KernelArgs, type TrainingKernelConfig } from './support';

export const tileConfig: TrainingKernelConfig = {
  kernelName: 'Tile',
  makeKernel:
    () =>
    ({ inputs, backend, attrs }: KernelArgs<TileAttrs>) =>
      tileOnHeap(asBackend(backend), inputs.x, attrs!.reps),
};

/**
 * Tile on tfjs's heap with bulk copies: each level writes its first block, then doubles it with
 * copyWithin until the repetitions are filled. Works for any element type the heap holds.
 */
function tileOnHeap(backend: WasmBackendLike, x: TensorInfo, reps: number[]): TensorInfo | null {
  if (x.dtype === 'string' || x.dtype === 'complex64') return null;
  const rank = x.shape.length;
  const outShape = x.shape.map((d, i) => d * reps[i]);
  const out = backend.makeOutput(outShape, x.dtype as 'float32');
  if (outShape.some((d) => d === 0)) return out;
  if (rank === 0) {
    backend.typedArrayFromHeap(out).set(backend.typedArrayFromHeap(x));
    return out;
  }
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  const inStride = new Array<number>(rank);
  const outStride = new Array<number>(rank);
  inStride[rank - 1] = 1;
  outStride[rank - 1] = 1;
  for (let d = rank - 2; d >= 0; d--) {
    inStride[d] = inStride[d + 1] * x.shape[d + 1];
    outStride[d] = outStride[d + 1] * outShape[d + 1];
  }
  const repeat = (at: number, length: number, times: number) => {
    const total = length * times;
    for (let filled = length; filled < total;) {
      const n = Math.min(filled, total - filled);
      dst.copyWithin(at + filled, at, at + n);
      filled += n;
    }
  };
  const fill = (d: number, from: number, at: number) => {
    const extent = x.shape[d];
    if (d === rank - 1) {
      dst.set(src.subarray(from, from + extent), at);
    } else {
      for (let i = 0; i < extent; i++) fill(d + 1, from + i * inStride[d], at + i * outStride[d]);
    }
    repeat(at, extent * outStride[d], reps[d]);
  };
  fill(0, 0, 0);
  return out;
}
