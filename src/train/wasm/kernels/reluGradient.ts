// Gradients of Relu and Relu6: one kernel on wasm (PsReluGrad: dy where 0 < x ≤ cap, else 0)
// instead of tfjs-core's step / lessEqual / cast / multiply chain (tfjs-backend-wasm's LessEqual
// alone took a fifth of MobileNetV2's training step). Other backends keep tfjs-core's ops.
import * as tf from '@tensorflow/tfjs';
import type { GradConfig, NamedAttrMap } from '@tensorflow/tfjs';
import { asBackend, sizeOf, type KernelArgs, type TrainingKernelConfig } from './support';

export const RELU_GRAD = 'PsReluGrad';

export interface ReluGradAttrs extends NamedAttrMap {
  /** The activation's cap (6 for ReLU6); negative: none. */
  cap: number;
}

/** dy, x (same shape, float32) → dx. */
export const reluGradConfig: TrainingKernelConfig = {
  kernelName: RELU_GRAD,
  makeKernel:
    ({ heap }) =>
    ({ inputs, backend, attrs }: KernelArgs<ReluGradAttrs>) => {
      const { dy, x } = inputs;
      return heap.run(
        asBackend(backend),
        [dy, x],
        [...x.shape],
        () => 0,
        (k, p) => k.reluGrad(p.inputs[0], p.inputs[1], p.output, sizeOf(x.shape), attrs!.cap),
      );
    },
};

function reluGradOf(dy: tf.Tensor, x: tf.Tensor, cap: number): tf.Tensor {
  if (x.dtype === 'float32' && tf.getKernel(RELU_GRAD, tf.getBackend())) {
    const attrs: ReluGradAttrs = { cap };
    return tf.engine().runKernel(RELU_GRAD, { dy, x }, attrs) as tf.Tensor;
  }
  // tfjs-core's own formulas.
  const keep = cap < 0 ? tf.step(x) : tf.mul(tf.cast(tf.lessEqual(x, cap), 'float32'), tf.step(x));
  return tf.mul(dy, keep);
}

export function reluGradient(kernelName: 'Relu' | 'Relu6'): GradConfig {
  const cap = kernelName === 'Relu6' ? 6 : -1;
  return {
    kernelName,
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => ({ x: () => reluGradOf(dy as tf.Tensor, saved[0], cap) }),
  };
}
