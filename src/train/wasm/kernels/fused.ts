// Fused training kernels (no tfjs counterpart): batch norm in training mode and its gradient,
// one Adam update and a batch norm's moving averages. Registered for 'wasm' under the names below; the code that calls them
// (src/train/fusedTraining.ts) falls back to tfjs ops where they are not registered.
import * as tf from '@tensorflow/tfjs';
import type { GradConfig, NamedAttrMap } from '@tensorflow/tfjs';
import { OPS } from './binaryRow';
import { asBackend, sizeOf, type KernelArgs, type TrainingKernelConfig } from './support';

export const BATCH_NORM_TRAINING = 'PsBatchNormTraining';
export const BATCH_NORM_TRAINING_GRAD = 'PsBatchNormTrainingGrad';
export const ADAM_STEP = 'PsAdamStep';
export const MOVING_AVERAGES = 'PsMovingAverages';
export const CHANNEL_MASK = 'PsChannelMask';
export const CHANNEL_MASK_GRAD = 'PsChannelMaskGrad';

export interface BatchNormTrainingAttrs extends NamedAttrMap {
  epsilon: number;
  /** The activation applied after the batch norm: 0 none, 1 ReLU, 2 ReLU6. */
  activation: number;
}

export interface MovingAveragesAttrs extends NamedAttrMap {
  /** The share of the old average kept. */
  momentum: number;
}

export interface AdamStepAttrs extends NamedAttrMap {
  beta1: number;
  beta2: number;
  /** Learning rate with Adam's bias corrections folded in. */
  rate: number;
  epsilon: number;
}

function rowsOf(shape: readonly number[]): { rows: number; c: number } {
  if (shape.length === 0) throw new Error('batch norm needs a channel axis');
  const c = shape[shape.length - 1];
  return { rows: c === 0 ? 0 : sizeOf(shape) / c, c };
}

/** x [..., C], gamma [C], beta [C] → y (x's shape), mean [C], variance [C]. */
export const batchNormTrainingConfig: TrainingKernelConfig = {
  kernelName: BATCH_NORM_TRAINING,
  makeKernel:
    ({ heap }) =>
    ({ inputs, backend, attrs }: KernelArgs<BatchNormTrainingAttrs>) => {
      const { x, gamma, beta } = inputs;
      const { rows, c } = rowsOf(x.shape);
      return heap.runMany(
        asBackend(backend),
        [x, gamma, beta],
        [[...x.shape], [c], [c]],
        () => 2 * c * 4,
        (k, p) =>
          k.batchNormTrainForward(
            ...p.inputs,
            ...p.outputs,
            p.scratch,
            rows,
            c,
            attrs!.epsilon,
            attrs!.activation,
          ),
      );
    },
};

/** dy, x, gamma, beta, mean, variance → dx, dgamma, dbeta. */
export const batchNormTrainingGradConfig: TrainingKernelConfig = {
  kernelName: BATCH_NORM_TRAINING_GRAD,
  makeKernel:
    ({ heap }) =>
    ({ inputs, backend, attrs }: KernelArgs<BatchNormTrainingAttrs>) => {
      const { dy, x, gamma, beta, mean, variance } = inputs;
      const { rows, c } = rowsOf(x.shape);
      return heap.runMany(
        asBackend(backend),
        [dy, x, gamma, beta, mean, variance],
        [[...x.shape], [c], [c]],
        () => 5 * c * 4,
        (k, p) =>
          k.batchNormTrainBackward(
            ...p.inputs,
            ...p.outputs,
            p.scratch,
            rows,
            c,
            attrs!.epsilon,
            attrs!.activation,
          ),
      );
    },
};

/** x [..., C], mask [C] → x · mask (the mask broadcast over x's rows). */
export const channelMaskConfig: TrainingKernelConfig = {
  kernelName: CHANNEL_MASK,
  makeKernel:
    ({ heap }) =>
    ({ inputs, backend }: KernelArgs<never>) => {
      const { x, mask } = inputs;
      const { rows, c } = rowsOf(x.shape);
      return heap.run(
        asBackend(backend),
        [x, mask],
        [...x.shape],
        () => 0,
        // Multiply's row-broadcast loop, the mask as the row on the right.
        (k, p) =>
          k.binaryRowBroadcast(OPS.Multiply, p.inputs[0], p.inputs[1], p.output, rows, c, 0),
      );
    },
};

/** dy, x, mask → dx, dmask (the gradient of CHANNEL_MASK). */
export const channelMaskGradConfig: TrainingKernelConfig = {
  kernelName: CHANNEL_MASK_GRAD,
  makeKernel:
    ({ heap }) =>
    ({ inputs, backend }: KernelArgs<never>) => {
      const { dy, x, mask } = inputs;
      const { rows, c } = rowsOf(x.shape);
      return heap.runMany(
        asBackend(backend),
        [dy, x, mask],
        [[...x.shape], [c]],
        () => 0,
        (k, p) => k.channelMaskBackward(...p.inputs, ...p.outputs, rows, c),
      );
    },
};

/** w, m, v, g (one shape) → w', m', v'. */
export const adamStepConfig: TrainingKernelConfig = {
  kernelName: ADAM_STEP,
  makeKernel:
    ({ heap }) =>
    ({ inputs, backend, attrs }: KernelArgs<AdamStepAttrs>) => {
      const { w, m, v, g } = inputs;
      const { beta1, beta2, rate, epsilon } = attrs!;
      return heap.runMany(
        asBackend(backend),
        [w, m, v, g],
        [[...w.shape], [...w.shape], [...w.shape]],
        () => 0,
        (k, p) =>
          k.adamStep(
            ...p.inputs,
            ...p.outputs,
            sizeOf(w.shape),
            beta1,
            1 - beta1,
            beta2,
            1 - beta2,
            rate,
            epsilon,
          ),
      );
    },
};

/** mean, variance (moving) and batchMean, batchVariance (one shape) → mean', variance'. */
export const movingAveragesConfig: TrainingKernelConfig = {
  kernelName: MOVING_AVERAGES,
  makeKernel:
    ({ heap }) =>
    ({ inputs, backend, attrs }: KernelArgs<MovingAveragesAttrs>) => {
      const { mean, variance, batchMean, batchVariance } = inputs;
      const { momentum } = attrs!;
      return heap.runMany(
        asBackend(backend),
        [mean, variance, batchMean, batchVariance],
        [[...mean.shape], [...mean.shape]],
        () => 0,
        (k, p) =>
          k.movingAverages(...p.inputs, ...p.outputs, sizeOf(mean.shape), momentum, 1 - momentum),
      );
    },
};

/**
 * The gradient of BATCH_NORM_TRAINING (every backend: it runs only where the kernel does). The
 * batch statistics are outputs for the moving averages only; no gradient flows through them.
 */
export const batchNormTrainingGradient: GradConfig = {
  kernelName: BATCH_NORM_TRAINING,
  inputsToSave: ['x', 'gamma', 'beta'],
  outputsToSave: [false, true, true],
  gradFunc: (dy, saved, attrs) => {
    const [x, gamma, beta, mean, variance] = saved;
    const dyY = Array.isArray(dy) ? dy[0] : dy;
    const [dx, dgamma, dbeta] = tf
      .engine()
      .runKernel(
        BATCH_NORM_TRAINING_GRAD,
        { dy: dyY, x, gamma, beta, mean, variance },
        attrs as NamedAttrMap,
      ) as tf.Tensor[];
    return { x: () => dx, gamma: () => dgamma, beta: () => dbeta };
  },
};

/** The gradient of CHANNEL_MASK (runs only where the kernel does). */
export const channelMaskGradient: GradConfig = {
  kernelName: CHANNEL_MASK,
  inputsToSave: ['x', 'mask'],
  gradFunc: (dy, saved) => {
    const [x, mask] = saved;
    const [dx, dmask] = tf
      .engine()
      .runKernel(CHANNEL_MASK_GRAD, { dy: dy as tf.Tensor, x, mask }) as tf.Tensor[];
    return { x: () => dx, mask: () => dmask };
  },
};
