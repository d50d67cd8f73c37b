// Small helpers shared by the kernels. Every pointer is a byte offset into the linear memory that
// the module imports (tfjs-backend-wasm's own heap, or a memory the glue owns in copy mode).
// No @inline decorators (Prettier cannot parse them): Binaryen's -O3 inlines helpers this small.

/** Byte address of float element `index` in the array starting at `base`. */
export function at(base: usize, index: i32): usize {
  return base + ((<usize>index) << 2);
}

/** Sets `count` floats to zero. */
export function zeroFloats(dst: usize, count: i32): void {
  memory.fill(dst, 0, (<usize>count) << 2);
}

/** Copies `count` floats (regions must not overlap). */
export function copyFloats(dst: usize, src: usize, count: i32): void {
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    v128.store(at(dst, i), v128.load(at(src, i)));
  }
  for (; i < count; i++) {
    store<f32>(at(dst, i), load<f32>(at(src, i)));
  }
}

/** ceil(a / b) for b > 0 and any sign of a. */
export function ceilDiv(a: i32, b: i32): i32 {
  return a >= 0 ? (a + b - 1) / b : -(-a / b);
}

/** floor(a / b) for b > 0 and any sign of a. */
export function floorDiv(a: i32, b: i32): i32 {
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

/** First output column whose window tap `k` lands inside [0, inSize): ow*stride - pad + k >= 0. */
export function firstValidOut(pad: i32, k: i32, stride: i32): i32 {
  const lo = ceilDiv(pad - k, stride);
  return lo > 0 ? lo : 0;
}

/** One past the last output column whose tap `k` lands inside [0, inSize). */
export function endValidOut(inSize: i32, pad: i32, k: i32, stride: i32, outSize: i32): i32 {
  const hi = floorDiv(inSize - 1 + pad - k, stride) + 1;
  return hi < outSize ? hi : outSize;
}

/**
 * a·b + c per lane: one relaxed-SIMD fused multiply-add in the relaxed build (where the CPU has
 * FMA; rounded once), a multiply and an add in the plain SIMD build. Resolved at compile time.
 */
export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}
