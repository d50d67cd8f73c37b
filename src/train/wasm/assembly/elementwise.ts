// Float32 binary ops where one operand is a row repeated over leading axes (a per-channel vector
// such as batch-norm's mean or 1/σ against an NHWC activation): out[r, j] = full[r, j] ∘ row[j],
// or row[j] ∘ full[r, j] when the row is the left operand. tfjs-backend-wasm runs these through
// its general broadcasting path, 2–3× slower than this loop.

import { at } from './memory';

export const OP_ADD = 0;
export const OP_SUB = 1;
export const OP_MUL = 2;
export const OP_DIV = 3;

function apply(op: i32, a: v128, b: v128): v128 {
  if (op == OP_ADD) return f32x4.add(a, b);
  if (op == OP_SUB) return f32x4.sub(a, b);
  if (op == OP_MUL) return f32x4.mul(a, b);
  return f32x4.div(a, b);
}

function applyScalar(op: i32, a: f32, b: f32): f32 {
  if (op == OP_ADD) return a + b;
  if (op == OP_SUB) return a - b;
  if (op == OP_MUL) return a * b;
  return a / b;
}

/** `rowOnLeft`: 1 when the row is the op's first operand (row ∘ full). */
export function binaryRowBroadcast(
  op: i32,
  full: usize,
  row: usize,
  out: usize,
  rows: i32,
  c: i32,
  rowOnLeft: i32,
): void {
  const cv = c & ~3;
  if (c == 1) {
    // One value for everything: splat it.
    const s = v128.load32_splat(row);
    const total = rows;
    let i = 0;
    for (; i + 4 <= total; i += 4) {
      const f = v128.load(at(full, i));
      v128.store(at(out, i), rowOnLeft ? apply(op, s, f) : apply(op, f, s));
    }
    const sv = load<f32>(row);
    for (; i < total; i++) {
      const f = load<f32>(at(full, i));
      store<f32>(at(out, i), rowOnLeft ? applyScalar(op, sv, f) : applyScalar(op, f, sv));
    }
    return;
  }
  for (let r = 0; r < rows; r++) {
    const pf = at(full, r * c);
    const po = at(out, r * c);
    let j = 0;
    for (; j < cv; j += 4) {
      const f = v128.load(at(pf, j));
      const b = v128.load(at(row, j));
      v128.store(at(po, j), rowOnLeft ? apply(op, b, f) : apply(op, f, b));
    }
    for (; j < c; j++) {
      const f = load<f32>(at(pf, j));
      const b = load<f32>(at(row, j));
      store<f32>(at(po, j), rowOnLeft ? applyScalar(op, b, f) : applyScalar(op, f, b));
    }
  }
}

/** out = a + b over `count` floats (out may be a or b). */
export function addArrays(out: usize, a: usize, b: usize, count: i32): void {
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    v128.store(at(out, i), f32x4.add(v128.load(at(a, i)), v128.load(at(b, i))));
  }
  for (; i < count; i++) store<f32>(at(out, i), load<f32>(at(a, i)) + load<f32>(at(b, i)));
}

/**
 * Gradient of ReLU (cap < 0) or of a ReLU capped at `cap` (ReLU6): dx = dy where
 * 0 < x (and x ≤ cap), else 0, as tfjs computes dy · step(x) (· (x ≤ cap)).
 */
export function reluGrad(dy: usize, x: usize, dx: usize, count: i32, cap: f32): void {
  const zero = f32x4.splat(0);
  const top = f32x4.splat(cap < 0 ? Infinity : cap);
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const xv = v128.load(at(x, i));
    const keep = v128.and(f32x4.gt(xv, zero), f32x4.le(xv, top));
    v128.store(at(dx, i), v128.and(v128.load(at(dy, i)), keep));
  }
  const topScalar: f32 = cap < 0 ? Infinity : cap;
  for (; i < count; i++) {
    const xs = load<f32>(at(x, i));
    store<f32>(at(dx, i), xs > 0 && xs <= topScalar ? load<f32>(at(dy, i)) : 0);
  }
}
