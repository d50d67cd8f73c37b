// Sum of same-shape float32 tensors (tfjs AddN: the gradients of a tensor used twice, as at a
// residual connection), f32x4; tfjs-backend-wasm's is a scalar loop. Others go to tfjs's kernel.
import { asBackend, sizeOf, type KernelArgs, type TrainingKernelConfig } from './support';

export const addNConfig: TrainingKernelConfig = {
  kernelName: 'AddN',
  makeKernel:
    ({ heap }) =>
    ({ inputs, backend }: KernelArgs<never>) => {
      const tensors = Object.values(inputs);
      if (tensors.length < 2) return null;
      const shape = tensors[0].shape;
      const same = tensors.every(
        (t) =>
          t.dtype === 'float32' &&
          t.shape.length === shape.length &&
          t.shape.every((d, i) => d === shape[i]),
      );
      if (!same) return null;
      const count = sizeOf(shape);
      return heap.run(
        asBackend(backend),
        tensors,
        [...shape],
        () => 0,
        (k, p) => {
          k.addArrays(p.output, p.inputs[0], p.inputs[1], count);
          for (let i = 2; i < p.inputs.length; i++) {
            k.addArrays(p.output, p.output, p.inputs[i], count);
          }
        },
      );
    },
};
