// Batch-norm application (tfjs FusedBatchNorm): out = offset + (x − mean) · scale / √(variance + ε),
// the parameters broadcast along the last axis (per channel) or as one value (stride 0).
// Same formula and order as tfjs's cpu backend; tfjs-backend-wasm's version runs ~4× slower.

import { at } from './memory';

/** Scratch bytes batchNormForward needs. */
export function batchNormScratch(c: i32): i32 {
  return c * 3 * 4 + 64;
}

/**
 * `rows` rows of `c` channels. Each parameter has a stride 1 (per channel) or 0 (one value);
 * scaleStride / offsetStride −1 means absent (1 / 0).
 */
export function batchNormForward(
  x: usize,
  out: usize,
  mean: usize,
  meanStride: i32,
  variance: usize,
  varianceStride: i32,
  scale: usize,
  scaleStride: i32,
  offset: usize,
  offsetStride: i32,
  scratch: usize,
  rows: i32,
  c: i32,
  epsilon: f32,
): void {
  const m = scratch;
  const a = at(m, c);
  const o = at(a, c);
  for (let j = 0; j < c; j++) {
    const s: f32 = scaleStride < 0 ? 1 : load<f32>(at(scale, j * scaleStride));
    const v = load<f32>(at(variance, j * varianceStride));
    store<f32>(at(m, j), load<f32>(at(mean, j * meanStride)));
    store<f32>(at(a, j), s / Mathf.sqrt(v + epsilon));
    store<f32>(at(o, j), offsetStride < 0 ? 0 : load<f32>(at(offset, j * offsetStride)));
  }
  const cv = c & ~3;
  for (let r = 0; r < rows; r++) {
    const px = at(x, r * c);
    const po = at(out, r * c);
    let j = 0;
    for (; j < cv; j += 4) {
      const d = f32x4.sub(v128.load(at(px, j)), v128.load(at(m, j)));
      v128.store(at(po, j), f32x4.add(v128.load(at(o, j)), f32x4.mul(d, v128.load(at(a, j)))));
    }
    for (; j < c; j++) {
      store<f32>(
        at(po, j),
        load<f32>(at(o, j)) + (load<f32>(at(px, j)) - load<f32>(at(m, j))) * load<f32>(at(a, j)),
      );
    }
  }
}
