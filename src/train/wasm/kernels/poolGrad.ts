// The pooling gradients (tfjs-backend-wasm's are plain loops), with tfjs cpu's semantics:
// MaxPool's first maximum of a window wins, AvgPool divides by the full window.
import * as tf from '@tensorflow/tfjs';
import type { MaxPoolGradAttrs, TensorInfo } from '@tensorflow/tfjs';
import { asBackend, geometry, type KernelArgs, type TrainingKernelConfig } from './support';

export function poolGradKernel(kernelName: 'MaxPoolGrad' | 'AvgPoolGrad'): TrainingKernelConfig {
  const max = kernelName === 'MaxPoolGrad';
  return {
    kernelName,
    makeKernel:
      ({ heap }) =>
      ({ inputs, backend, attrs }: KernelArgs<MaxPoolGradAttrs>) => {
        const { dy, input } = inputs;
        // (AvgPoolGrad has no dimRoundingMode: undefined there.)
        const { filterSize, strides, pad, dimRoundingMode } = attrs!;
        const info = tf.backend_util.computePool2DInfo(
          input.shape as [number, number, number, number],
          filterSize,
          strides,
          1,
          pad,
          dimRoundingMode,
        );
        const args = [
          info.batchSize,
          info.inHeight,
          info.inWidth,
          info.inChannels,
          info.outHeight,
          info.outWidth,
          ...geometry(info),
        ];
        // MaxPool's gradient needs the input to find each window's maximum.
        const operands: TensorInfo[] = max ? [input, dy] : [dy];
        return heap.run(
          asBackend(backend),
          operands,
          [...input.shape],
          () => 0,
          (k, p) =>
            max
              ? k.maxPoolGrad(p.inputs[0], p.inputs[1], p.output, ...args)
              : k.avgPoolGrad(p.inputs[0], p.output, ...args),
        );
      },
  };
}
