// Register-blocked SIMD matrix products. Tiles are 4 × 8 floats: eight f32x4 accumulators plus
// one A vector, two B vectors and a broadcast fit in the 16 XMM registers V8 maps v128 locals to
// on x64 (the same tile shape as XNNPACK's `4x8-wasmsimd` GEMM micro-kernels).

import { at, madd } from './memory';

/**
 * C[i, j] += Σ_p A[p, i] · B[p, j] for i < rows (multiple of 4), j < cols (multiple of 8),
 * p < depth. A, B and C are row-major with row strides lda, ldb, ldc (in floats).
 * Both operands are read along rows, so an im2col matrix (rows = output pixels) and dy
 * (rows = output pixels) feed it without any transpose.
 */
export function gemmAtB(
  a: usize,
  lda: i32,
  b: usize,
  ldb: i32,
  c: usize,
  ldc: i32,
  depth: i32,
  rows: i32,
  cols: i32,
): void {
  const aStep = (<usize>lda) << 2;
  const bStep = (<usize>ldb) << 2;
  const cStep = (<usize>ldc) << 2;
  for (let i = 0; i < rows; i += 4) {
    for (let j = 0; j < cols; j += 8) {
      const c0 = at(c, i * ldc + j);
      const c1 = c0 + cStep;
      const c2 = c1 + cStep;
      const c3 = c2 + cStep;
      let acc00 = v128.load(c0);
      let acc01 = v128.load(c0, 16);
      let acc10 = v128.load(c1);
      let acc11 = v128.load(c1, 16);
      let acc20 = v128.load(c2);
      let acc21 = v128.load(c2, 16);
      let acc30 = v128.load(c3);
      let acc31 = v128.load(c3, 16);
      let pa = at(a, i);
      let pb = at(b, j);
      for (let p = 0; p < depth; p++) {
        const av = v128.load(pa);
        const b0 = v128.load(pb);
        const b1 = v128.load(pb, 16);
        let s = f32x4.shuffle(av, av, 0, 0, 0, 0);
        acc00 = madd(s, b0, acc00);
        acc01 = madd(s, b1, acc01);
        s = f32x4.shuffle(av, av, 1, 1, 1, 1);
        acc10 = madd(s, b0, acc10);
        acc11 = madd(s, b1, acc11);
        s = f32x4.shuffle(av, av, 2, 2, 2, 2);
        acc20 = madd(s, b0, acc20);
        acc21 = madd(s, b1, acc21);
        s = f32x4.shuffle(av, av, 3, 3, 3, 3);
        acc30 = madd(s, b0, acc30);
        acc31 = madd(s, b1, acc31);
        pa += aStep;
        pb += bStep;
      }
      v128.store(c0, acc00);
      v128.store(c0, acc01, 16);
      v128.store(c1, acc10);
      v128.store(c1, acc11, 16);
      v128.store(c2, acc20);
      v128.store(c2, acc21, 16);
      v128.store(c3, acc30);
      v128.store(c3, acc31, 16);
    }
  }
}

/**
 * C[i, j] = Σ_p A[i, p] · B[p, j] for i < rows (any), j < cols (multiple of 8), p < depth.
 * A is read one scalar at a time (broadcast), B and C by rows; C is overwritten.
 */
export function gemmAB(
  a: usize,
  lda: i32,
  b: usize,
  ldb: i32,
  c: usize,
  ldc: i32,
  rows: i32,
  depth: i32,
  cols: i32,
): void {
  const aRow = (<usize>lda) << 2;
  const bStep = (<usize>ldb) << 2;
  const cRow = (<usize>ldc) << 2;
  let i = 0;
  for (; i + 4 <= rows; i += 4) {
    const a0 = at(a, i * lda);
    for (let j = 0; j < cols; j += 8) {
      let acc00 = f32x4.splat(0);
      let acc01 = f32x4.splat(0);
      let acc10 = f32x4.splat(0);
      let acc11 = f32x4.splat(0);
      let acc20 = f32x4.splat(0);
      let acc21 = f32x4.splat(0);
      let acc30 = f32x4.splat(0);
      let acc31 = f32x4.splat(0);
      let pa = a0;
      let pb = at(b, j);
      for (let p = 0; p < depth; p++) {
        const b0 = v128.load(pb);
        const b1 = v128.load(pb, 16);
        let s = v128.load32_splat(pa);
        acc00 = madd(s, b0, acc00);
        acc01 = madd(s, b1, acc01);
        s = v128.load32_splat(pa + aRow);
        acc10 = madd(s, b0, acc10);
        acc11 = madd(s, b1, acc11);
        s = v128.load32_splat(pa + 2 * aRow);
        acc20 = madd(s, b0, acc20);
        acc21 = madd(s, b1, acc21);
        s = v128.load32_splat(pa + 3 * aRow);
        acc30 = madd(s, b0, acc30);
        acc31 = madd(s, b1, acc31);
        pa += 4;
        pb += bStep;
      }
      const c0 = at(c, i * ldc + j);
      v128.store(c0, acc00);
      v128.store(c0, acc01, 16);
      v128.store(c0 + cRow, acc10);
      v128.store(c0 + cRow, acc11, 16);
      v128.store(c0 + 2 * cRow, acc20);
      v128.store(c0 + 2 * cRow, acc21, 16);
      v128.store(c0 + 3 * cRow, acc30);
      v128.store(c0 + 3 * cRow, acc31, 16);
    }
  }
  for (; i < rows; i++) {
    for (let j = 0; j < cols; j += 8) {
      let acc0 = f32x4.splat(0);
      let acc1 = f32x4.splat(0);
      let pa = at(a, i * lda);
      let pb = at(b, j);
      for (let p = 0; p < depth; p++) {
        const s = v128.load32_splat(pa);
        acc0 = madd(s, v128.load(pb), acc0);
        acc1 = madd(s, v128.load(pb, 16), acc1);
        pa += 4;
        pb += bStep;
      }
      const c0 = at(c, i * ldc + j);
      v128.store(c0, acc0);
      v128.store(c0, acc1, 16);
    }
  }
}
