// Sum and Mean over one contiguous block of axes, reduced in place (tfjs-backend-wasm first
// transposes the reduced axes innermost). Other dtypes and axis sets go to tfjs's kernel.
import * as tf from '@tensorflow/tfjs';
import type { MeanAttrs, SumAttrs } from '@tensorflow/tfjs';
import { asBackend, sizeOf, type KernelArgs, type TrainingKernelConfig } from './support';

export function reduceKernel(kernelName: 'Sum' | 'Mean'): TrainingKernelConfig {
  const mean = kernelName === 'Mean';
  return {
    kernelName,
    makeKernel:
      ({ heap }) =>
      ({ inputs, backend, attrs }: KernelArgs<SumAttrs | MeanAttrs>) => {
        const { x } = inputs;
        if (x.dtype !== 'float32') return null;
        const axes = tf.util.parseAxisParam(attrs!.axis, x.shape).sort((a, b) => a - b);
        if (axes.length === 0 || axes.some((a, i) => a !== axes[0] + i)) return null;
        const first = axes[0];
        const end = axes[axes.length - 1] + 1;
        const outer = sizeOf(x.shape.slice(0, first));
        const mid = sizeOf(x.shape.slice(first, end));
        const inner = sizeOf(x.shape.slice(end));
        if (mid === 0) return null;
        const outShape = attrs!.keepDims
          ? x.shape.map((d, i) => (i >= first && i < end ? 1 : d))
          : [...x.shape.slice(0, first), ...x.shape.slice(end)];
        return heap.run(
          asBackend(backend),
          [x],
          outShape,
          () => 0,
          (k, p) => k.reduceMiddle(p.inputs[0], p.output, outer, mid, inner, mean ? 1 / mid : 1),
        );
      },
  };
}
