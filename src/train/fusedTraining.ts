/**
 * Training steps that run as one fused kernel where the active backend has it (the wasm backend
 * with the project's training kernels, src/train/wasm) and as the equivalent tfjs ops elsewhere.
 * A fused call replaces a chain of small kernels, and tfjs's cost per kernel call (tens of µs)
 * is most of a small network's training step on the CPU.
 */
import * as tf from '@tensorflow/tfjs';
import {
  ADAM_STEP,
  BATCH_NORM_TRAINING,
  CHANNEL_MASK,
  MOVING_AVERAGES,
  type AdamStepAttrs,
  type MovingAveragesAttrs,
  type BatchNormTrainingAttrs,
} from './wasm/kernels/fused';

function fused(kernelName: string): boolean {
  return tf.getKernel(kernelName, tf.getBackend()) !== undefined;
}

/** Whether this backend runs batch norm and Adam fused (for tests and the benchmarks). */
export function fusedTrainingActive(): boolean {
  return fused(BATCH_NORM_TRAINING) && fused(ADAM_STEP);
}

export interface BatchNormTrainingResult {
  y: tf.Tensor;
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
}

/** An activation fused after the batch norm. */
export type FusedActivation = 'relu' | 'relu6';

const ACTIVATION_CODES: Record<FusedActivation | 'none', number> = { none: 0, relu: 1, relu6: 2 };

/**
 * Batch norm with the batch's statistics over every axis but the last: y = (x − mean)·γ/√(var + ε)
 * + β, then the activation if one is given, differentiable in x, γ and β; mean and (biased)
 * variance are returned for the moving averages and carry no gradient.
 */
export function batchNormTraining(
  x: tf.Tensor,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  epsilon: number,
  activation?: FusedActivation,
): BatchNormTrainingResult {
  if (fused(BATCH_NORM_TRAINING)) {
    const attrs: BatchNormTrainingAttrs = {
      epsilon,
      activation: ACTIVATION_CODES[activation ?? 'none'],
    };
    const [y, mean, variance] = tf
      .engine()
      .runKernel(BATCH_NORM_TRAINING, { x, gamma, beta }, attrs) as tf.Tensor[];
    return { y, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
  }
  const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
  const { mean, variance } = tf.moments(x, axes);
  const z = tf.batchNorm(x, mean, variance, beta, gamma, epsilon);
  const y = activation === 'relu' ? tf.relu(z) : activation === 'relu6' ? tf.relu6(z) : z;
  return { y, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
}

export interface AdamSettings {
  beta1: number;
  beta2: number;
  /** The learning rate with both bias corrections folded in. */
  rate: number;
  epsilon: number;
}

/** One Adam update of w and its moments m, v by gradient g; returns the new three (not assigned). */
export function adamStep(
  w: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  g: tf.Tensor,
  { beta1, beta2, rate, epsilon }: AdamSettings,
): [tf.Tensor, tf.Tensor, tf.Tensor] {
  if (fused(ADAM_STEP)) {
    const attrs: AdamStepAttrs = { beta1, beta2, rate, epsilon };
    return tf.engine().runKernel(ADAM_STEP, { w, m, v, g }, attrs) as [
      tf.Tensor,
      tf.Tensor,
      tf.Tensor,
    ];
  }
  return tf.tidy(() => {
    const m1 = tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1));
    const v1 = tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2));
    const w1 = tf.sub(w, tf.div(tf.mul(m1, rate), tf.add(tf.sqrt(v1), epsilon)));
    return [w1, m1, v1];
  });
}

/**
 * A batch norm's moving mean and variance moved towards one batch's statistics:
 * average·momentum + batch·(1 − momentum) each; returns the new two (not assigned).
 */
export function movingAverages(
  mean: tf.Tensor,
  variance: tf.Tensor,
  batchMean: tf.Tensor,
  batchVariance: tf.Tensor,
  momentum: number,
): [tf.Tensor, tf.Tensor] {
  if (fused(MOVING_AVERAGES)) {
    const attrs: MovingAveragesAttrs = { momentum };
    return tf
      .engine()
      .runKernel(MOVING_AVERAGES, { mean, variance, batchMean, batchVariance }, attrs) as [
      tf.Tensor,
      tf.Tensor,
    ];
  }
  return tf.tidy(() => [
    tf.add(tf.mul(mean, momentum), tf.mul(batchMean, 1 - momentum)),
    tf.add(tf.mul(variance, momentum), tf.mul(batchVariance, 1 - momentum)),
  ]);
}

/**
 * x · mask with a per-channel mask over x's last axis, differentiable in both (the mask's
 * gradient is Σ dy · x over every other axis): one kernel each way where fused, else tf.mul.
 */
export function channelMask(x: tf.Tensor, mask: tf.Tensor1D): tf.Tensor {
  if (x.dtype === 'float32' && x.rank >= 1 && fused(CHANNEL_MASK)) {
    return tf.engine().runKernel(CHANNEL_MASK, { x, mask }) as tf.Tensor;
  }
  return tf.mul(x, mask);
}
