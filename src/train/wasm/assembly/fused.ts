// Fused training steps: each replaces a chain of small tfjs kernels (and their JavaScript cost
// per call) with one pass over the data.
//  - batchNormTrainForward / Backward: batch normalisation with the batch's own statistics and
//    its exact gradient (tfjs builds it from moments + batchNorm, ~30 kernels per layer).
//  - adamStep: one Adam update of a weight and its two moments (tfjs: ~12 kernels per weight).
//  - movingAverages: a batch norm's moving mean and variance updated (tfjs: 6 kernels).
// Rows of `c` channels, channels innermost (NHWC or [batch, features]).

import { at } from './memory';

/** Sums each channel over `rows` rows of x into out (c floats). */
function channelSums(x: usize, out: usize, rows: i32, c: i32): void {
  memory.fill(out, 0, (<usize>c) << 2);
  const cv = c & ~3;
  for (let r = 0; r < rows; r++) {
    const px = at(x, r * c);
    let j = 0;
    for (; j < cv; j += 4) {
      v128.store(at(out, j), f32x4.add(v128.load(at(out, j)), v128.load(at(px, j))));
    }
    for (; j < c; j++) store<f32>(at(out, j), load<f32>(at(out, j)) + load<f32>(at(px, j)));
  }
}

/**
 * Forward batch norm in training mode. Writes mean and (biased) variance of each channel over
 * the rows, then y = (x − mean) · γ / √(variance + ε) + β. The variance is the mean of the
 * squared deviations (two passes, as tf.moments computes it). `activation` (ACT_*) is applied
 * to y: ReLU max(z, 0), ReLU6 min(max(z, 0), 6). Scratch: 2·c floats.
 */
export function batchNormTrainForward(
  x: usize,
  gamma: usize,
  beta: usize,
  y: usize,
  mean: usize,
  variance: usize,
  scratch: usize,
  rows: i32,
  c: i32,
  epsilon: f32,
  activation: i32,
): void {
  const n: f32 = <f32>rows;
  channelSums(x, mean, rows, c);
  for (let j = 0; j < c; j++) store<f32>(at(mean, j), load<f32>(at(mean, j)) / n);
  memory.fill(variance, 0, (<usize>c) << 2);
  const cv = c & ~3;
  for (let r = 0; r < rows; r++) {
    const px = at(x, r * c);
    let j = 0;
    for (; j < cv; j += 4) {
      const d = f32x4.sub(v128.load(at(px, j)), v128.load(at(mean, j)));
      v128.store(at(variance, j), f32x4.add(v128.load(at(variance, j)), f32x4.mul(d, d)));
    }
    for (; j < c; j++) {
      const d = load<f32>(at(px, j)) - load<f32>(at(mean, j));
      store<f32>(at(variance, j), load<f32>(at(variance, j)) + d * d);
    }
  }
  const a = scratch;
  const b = at(scratch, c);
  for (let j = 0; j < c; j++) {
    const v = load<f32>(at(variance, j)) / n;
    store<f32>(at(variance, j), v);
    store<f32>(at(a, j), load<f32>(at(gamma, j)) / Mathf.sqrt(v + epsilon));
    store<f32>(at(b, j), load<f32>(at(beta, j)));
  }
  const lo = f32x4.splat(activation == ACT_NONE ? -Infinity : 0);
  const hi = f32x4.splat(activation == ACT_RELU6 ? 6 : Infinity);
  const loS: f32 = activation == ACT_NONE ? -Infinity : 0;
  const hiS: f32 = activation == ACT_RELU6 ? 6 : Infinity;
  for (let r = 0; r < rows; r++) {
    const px = at(x, r * c);
    const py = at(y, r * c);
    let j = 0;
    for (; j < cv; j += 4) {
      const d = f32x4.sub(v128.load(at(px, j)), v128.load(at(mean, j)));
      const z = f32x4.add(v128.load(at(b, j)), f32x4.mul(d, v128.load(at(a, j))));
      v128.store(at(py, j), activation == ACT_NONE ? z : f32x4.min(f32x4.max(z, lo), hi));
    }
    for (; j < c; j++) {
      const z =
        load<f32>(at(b, j)) + (load<f32>(at(px, j)) - load<f32>(at(mean, j))) * load<f32>(at(a, j));
      store<f32>(at(py, j), activation == ACT_NONE ? z : Mathf.min(Mathf.max(z, loS), hiS));
    }
  }
}

/** The activation fused after batch norm: none, ReLU, ReLU6. */
export const ACT_NONE = 0;
export const ACT_RELU = 1;
export const ACT_RELU6 = 2;

/**
 * dy masked by the activation's gradient at z = (x − mean)·a + b (recomputed exactly as the
 * forward pass computes it): dy where 0 < z (≤ 6 for ReLU6), else 0; dy itself without one.
 */
function activationGrad(d: v128, z: v128, activation: i32): v128 {
  if (activation == ACT_NONE) return d;
  let keep = f32x4.gt(z, f32x4.splat(0));
  if (activation == ACT_RELU6) keep = v128.and(keep, f32x4.le(z, f32x4.splat(6)));
  return v128.and(d, keep);
}

function activationGradScalar(d: f32, z: f32, activation: i32): f32 {
  if (activation == ACT_NONE) return d;
  return z > 0 && (activation != ACT_RELU6 || z <= 6) ? d : 0;
}

/**
 * Gradient of batchNormTrainForward. With x̂ = (x − mean)·s, s = 1/√(variance + ε), N rows:
 *   dβ = Σ dy,  dγ = Σ dy·x̂,  dx = γ·s·(dy − dβ/N − x̂·dγ/N)
 * (the mean's and the variance's dependence on x included), with dy first passed back through
 * the fused activation (if any). Scratch: 5·c floats.
 */
export function batchNormTrainBackward(
  dy: usize,
  x: usize,
  gamma: usize,
  beta: usize,
  mean: usize,
  variance: usize,
  dx: usize,
  dgamma: usize,
  dbeta: usize,
  scratch: usize,
  rows: i32,
  c: i32,
  epsilon: f32,
  activation: i32,
): void {
  const n: f32 = <f32>rows;
  const cv = c & ~3;
  // The forward pass's per-channel scale a = γ/√(variance + ε) and offset β, to recompute z.
  const fa = at(scratch, 4 * c);
  for (let j = 0; j < c; j++) {
    store<f32>(
      at(fa, j),
      load<f32>(at(gamma, j)) / Mathf.sqrt(load<f32>(at(variance, j)) + epsilon),
    );
  }
  // dβ and Σ dy·(x − mean) in one pass (dy through the activation).
  const s = scratch;
  memory.fill(dbeta, 0, (<usize>c) << 2);
  memory.fill(s, 0, (<usize>c) << 2);
  for (let r = 0; r < rows; r++) {
    const px = at(x, r * c);
    const pd = at(dy, r * c);
    let j = 0;
    for (; j < cv; j += 4) {
      const d = f32x4.sub(v128.load(at(px, j)), v128.load(at(mean, j)));
      const z = f32x4.add(v128.load(at(beta, j)), f32x4.mul(d, v128.load(at(fa, j))));
      const g = activationGrad(v128.load(at(pd, j)), z, activation);
      v128.store(at(dbeta, j), f32x4.add(v128.load(at(dbeta, j)), g));
      v128.store(at(s, j), f32x4.add(v128.load(at(s, j)), f32x4.mul(g, d)));
    }
    for (; j < c; j++) {
      const d = load<f32>(at(px, j)) - load<f32>(at(mean, j));
      const z = load<f32>(at(beta, j)) + d * load<f32>(at(fa, j));
      const g = activationGradScalar(load<f32>(at(pd, j)), z, activation);
      store<f32>(at(dbeta, j), load<f32>(at(dbeta, j)) + g);
      store<f32>(at(s, j), load<f32>(at(s, j)) + g * d);
    }
  }
  // dx = A·dy + B·(x − mean) + C per channel.
  const ka = at(scratch, c);
  const kb = at(scratch, 2 * c);
  const kc = at(scratch, 3 * c);
  for (let j = 0; j < c; j++) {
    const inv: f32 = 1 / Mathf.sqrt(load<f32>(at(variance, j)) + epsilon);
    const g = load<f32>(at(gamma, j));
    const dg = load<f32>(at(s, j)) * inv;
    const db = load<f32>(at(dbeta, j));
    store<f32>(at(dgamma, j), dg);
    const A = g * inv;
    store<f32>(at(ka, j), A);
    store<f32>(at(kb, j), (-A * inv * dg) / n);
    store<f32>(at(kc, j), (-A * db) / n);
  }
  for (let r = 0; r < rows; r++) {
    const px = at(x, r * c);
    const pd = at(dy, r * c);
    const po = at(dx, r * c);
    let j = 0;
    for (; j < cv; j += 4) {
      const d = f32x4.sub(v128.load(at(px, j)), v128.load(at(mean, j)));
      const z = f32x4.add(v128.load(at(beta, j)), f32x4.mul(d, v128.load(at(fa, j))));
      const g = activationGrad(v128.load(at(pd, j)), z, activation);
      const t = f32x4.add(
        f32x4.mul(v128.load(at(ka, j)), g),
        f32x4.add(f32x4.mul(v128.load(at(kb, j)), d), v128.load(at(kc, j))),
      );
      v128.store(at(po, j), t);
    }
    for (; j < c; j++) {
      const d = load<f32>(at(px, j)) - load<f32>(at(mean, j));
      const z = load<f32>(at(beta, j)) + d * load<f32>(at(fa, j));
      const g = activationGradScalar(load<f32>(at(pd, j)), z, activation);
      store<f32>(
        at(po, j),
        load<f32>(at(ka, j)) * g + (load<f32>(at(kb, j)) * d + load<f32>(at(kc, j))),
      );
    }
  }
}

/**
 * One Adam update of `count` weights, in the order tfjs's ops of WeightAdam compute it:
 *   m' = m·β1 + g·(1 − β1),  v' = v·β2 + g²·(1 − β2),  w' = w − (m'·rate) / (√v' + ε)
 * (`rate` already holds the bias corrections). Writes to separate outputs.
 */
export function adamStep(
  w: usize,
  m: usize,
  v: usize,
  g: usize,
  wOut: usize,
  mOut: usize,
  vOut: usize,
  count: i32,
  beta1: f32,
  oneMinusBeta1: f32,
  beta2: f32,
  oneMinusBeta2: f32,
  rate: f32,
  epsilon: f32,
): void {
  const b1 = f32x4.splat(beta1);
  const c1 = f32x4.splat(oneMinusBeta1);
  const b2 = f32x4.splat(beta2);
  const c2 = f32x4.splat(oneMinusBeta2);
  const lr = f32x4.splat(rate);
  const eps = f32x4.splat(epsilon);
  const cv = count & ~3;
  let i = 0;
  for (; i < cv; i += 4) {
    const gi = v128.load(at(g, i));
    const mi = f32x4.add(f32x4.mul(v128.load(at(m, i)), b1), f32x4.mul(gi, c1));
    const vi = f32x4.add(f32x4.mul(v128.load(at(v, i)), b2), f32x4.mul(f32x4.mul(gi, gi), c2));
    const step = f32x4.div(f32x4.mul(mi, lr), f32x4.add(f32x4.sqrt(vi), eps));
    v128.store(at(mOut, i), mi);
    v128.store(at(vOut, i), vi);
    v128.store(at(wOut, i), f32x4.sub(v128.load(at(w, i)), step));
  }
  for (; i < count; i++) {
    const gi = load<f32>(at(g, i));
    const mi = load<f32>(at(m, i)) * beta1 + gi * oneMinusBeta1;
    const vi = load<f32>(at(v, i)) * beta2 + gi * gi * oneMinusBeta2;
    store<f32>(at(mOut, i), mi);
    store<f32>(at(vOut, i), vi);
    store<f32>(at(wOut, i), load<f32>(at(w, i)) - (mi * rate) / (Mathf.sqrt(vi) + epsilon));
  }
}

/**
 * A batch norm's two moving averages moved towards one batch's statistics, in tfjs's order:
 *   mean' = mean·momentum + batchMean·(1 − momentum), the same for the variance.
 */
export function movingAverages(
  mean: usize,
  variance: usize,
  batchMean: usize,
  batchVariance: usize,
  meanOut: usize,
  varianceOut: usize,
  count: i32,
  momentum: f32,
  oneMinusMomentum: f32,
): void {
  const keep = f32x4.splat(momentum);
  const take = f32x4.splat(oneMinusMomentum);
  const cv = count & ~3;
  let i = 0;
  for (; i < cv; i += 4) {
    const m = f32x4.mul(v128.load(at(mean, i)), keep);
    const v = f32x4.mul(v128.load(at(variance, i)), keep);
    v128.store(at(meanOut, i), f32x4.add(m, f32x4.mul(v128.load(at(batchMean, i)), take)));
    v128.store(at(varianceOut, i), f32x4.add(v, f32x4.mul(v128.load(at(batchVariance, i)), take)));
  }
  for (; i < count; i++) {
    const m = load<f32>(at(mean, i)) * momentum;
    const v = load<f32>(at(variance, i)) * momentum;
    store<f32>(at(meanOut, i), m + load<f32>(at(batchMean, i)) * oneMinusMomentum);
    store<f32>(at(varianceOut, i), v + load<f32>(at(batchVariance, i)) * oneMinusMomentum);
  }
}

/**
 * Gradient of a per-channel mask, y = x · mask (mask broadcast over the rows of c channels):
 * dx = dy · mask and dmask = Σ_rows dy · x, in one pass.
 */
export function channelMaskBackward(
  dy: usize,
  x: usize,
  mask: usize,
  dx: usize,
  dmask: usize,
  rows: i32,
  c: i32,
): void {
  memory.fill(dmask, 0, (<usize>c) << 2);
  const cv = c & ~3;
  for (let r = 0; r < rows; r++) {
    const pd = at(dy, r * c);
    const px = at(x, r * c);
    const po = at(dx, r * c);
    let j = 0;
    for (; j < cv; j += 4) {
      const d = v128.load(at(pd, j));
      v128.store(at(po, j), f32x4.mul(d, v128.load(at(mask, j))));
      v128.store(
        at(dmask, j),
        f32x4.add(v128.load(at(dmask, j)), f32x4.mul(d, v128.load(at(px, j)))),
      );
    }
    for (; j < c; j++) {
      const d = load<f32>(at(pd, j));
      store<f32>(at(po, j), d * load<f32>(at(mask, j)));
      store<f32>(at(dmask, j), load<f32>(at(dmask, j)) + d * load<f32>(at(px, j)));
    }
  }
}
