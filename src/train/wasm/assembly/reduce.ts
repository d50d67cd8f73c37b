// Sum / mean over one contiguous block of axes: x viewed as [outer, mid, inner], out[o, i] =
// scale · Σ_m x[o, m, i]. Covers what training reduces: batch-norm statistics and gradients
// (axes [0, 1, 2] of NHWC: outer = 1) and global average pooling (axes [1, 2]). tfjs-backend-wasm
// instead transposes the reduced axes innermost first, a full extra pass over the tensor.

import { at } from './memory';

export function reduceMiddle(
  x: usize,
  out: usize,
  outer: i32,
  mid: i32,
  inner: i32,
  scale: f32,
): void {
  const vscale = f32x4.splat(scale);
  const rowStep = (<usize>inner) << 2;
  for (let o = 0; o < outer; o++) {
    const src = at(x, o * mid * inner);
    const dst = at(out, o * inner);
    if (inner == 1) {
      let acc0 = f32x4.splat(0);
      let acc1 = f32x4.splat(0);
      let m = 0;
      for (; m + 8 <= mid; m += 8) {
        acc0 = f32x4.add(acc0, v128.load(at(src, m)));
        acc1 = f32x4.add(acc1, v128.load(at(src, m), 16));
      }
      acc0 = f32x4.add(acc0, acc1);
      let s =
        f32x4.extract_lane(acc0, 0) +
        f32x4.extract_lane(acc0, 1) +
        (f32x4.extract_lane(acc0, 2) + f32x4.extract_lane(acc0, 3));
      for (; m < mid; m++) s += load<f32>(at(src, m));
      store<f32>(dst, s * scale);
      continue;
    }
    let i = 0;
    for (; i + 16 <= inner; i += 16) {
      let a0 = f32x4.splat(0);
      let a1 = f32x4.splat(0);
      let a2 = f32x4.splat(0);
      let a3 = f32x4.splat(0);
      let p = at(src, i);
      for (let m = 0; m < mid; m++) {
        a0 = f32x4.add(a0, v128.load(p));
        a1 = f32x4.add(a1, v128.load(p, 16));
        a2 = f32x4.add(a2, v128.load(p, 32));
        a3 = f32x4.add(a3, v128.load(p, 48));
        p += rowStep;
      }
      const d = at(dst, i);
      v128.store(d, f32x4.mul(a0, vscale));
      v128.store(d, f32x4.mul(a1, vscale), 16);
      v128.store(d, f32x4.mul(a2, vscale), 32);
      v128.store(d, f32x4.mul(a3, vscale), 48);
    }
    for (; i + 4 <= inner; i += 4) {
      let a0 = f32x4.splat(0);
      let p = at(src, i);
      for (let m = 0; m < mid; m++) {
        a0 = f32x4.add(a0, v128.load(p));
        p += rowStep;
      }
      v128.store(at(dst, i), f32x4.mul(a0, vscale));
    }
    for (; i < inner; i++) {
      let s: f32 = 0;
      let p = at(src, i);
      for (let m = 0; m < mid; m++) {
        s += load<f32>(p);
        p += rowStep;
      }
      store<f32>(at(dst, i), s * scale);
    }
  }
}
