// Matrix product of one batch entry, C = op(A) · op(B) with op = optional transpose
// (tfjs BatchMatMul). The operands are packed into the layout gemmAB reads (A by rows, B with
// its columns padded to a multiple of 8); packing costs O(M·K + K·N) against the product's
// O(M·K·N). tfjs-backend-wasm runs a dense layer's transposed products (its backward pass) far
// below the speed of its plain one.

import { gemmAB } from './gemm';
import { at, copyFloats, zeroFloats } from './memory';

function pad8(n: i32): i32 {
  return (n + 7) & ~7;
}

/** Scratch bytes matMul needs. */
export function matMulScratch(m: i32, k: i32, n: i32, transposeA: i32): i32 {
  const np = pad8(n);
  let floats = k * np;
  if (transposeA) floats += m * k;
  if (np != n) floats += m * np;
  return floats * 4 + 64;
}

/**
 * A is [m, k] ([k, m] with transposeA), B is [k, n] ([n, k] with transposeB), C is [m, n].
 */
export function matMul(
  a: usize,
  b: usize,
  c: usize,
  scratch: usize,
  m: i32,
  k: i32,
  n: i32,
  transposeA: i32,
  transposeB: i32,
): void {
  const np = pad8(n);
  const bp = scratch;
  let next = at(bp, k * np);
  // op(B) as [k, np], zero-padded columns.
  if (transposeB) {
    for (let p = 0; p < k; p++) {
      const row = at(bp, p * np);
      for (let j = 0; j < n; j++) store<f32>(at(row, j), load<f32>(at(b, j * k + p)));
      for (let j = n; j < np; j++) store<f32>(at(row, j), 0);
    }
  } else if (np == n) {
    copyFloats(bp, b, k * n);
  } else {
    for (let p = 0; p < k; p++) {
      const row = at(bp, p * np);
      copyFloats(row, at(b, p * n), n);
      zeroFloats(at(row, n), np - n);
    }
  }
  // op(A) as [m, k] rows.
  let ap = a;
  if (transposeA) {
    ap = next;
    next = at(ap, m * k);
    for (let p = 0; p < k; p++) {
      const src = at(a, p * m);
      for (let i = 0; i < m; i++) store<f32>(at(ap, i * k + p), load<f32>(at(src, i)));
    }
  }
  if (np == n) {
    gemmAB(ap, k, bp, np, c, n, m, k, np);
    return;
  }
  const cp = next;
  gemmAB(ap, k, bp, np, cp, np, m, k, np);
  for (let i = 0; i < m; i++) copyFloats(at(c, i * n), at(cp, i * np), n);
}
