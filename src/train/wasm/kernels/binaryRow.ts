// Add / Sub / Multiply / RealDiv where one float32 operand is a row repeated over the other's
// leading axes (per-channel vectors, as in batch-norm's gradient), which tfjs-backend-wasm runs
// about 2× slower. Other shapes go to tfjs's kernel.
import type { TensorInfo } from '@tensorflow/tfjs';
import { asBackend, sizeOf, type KernelArgs, type TrainingKernelConfig } from './support';

/** The export's operation codes. */
export const OPS = { Add: 0, Sub: 1, Multiply: 2, RealDiv: 3 } as const;

/**
 * Whether `row` broadcasts against `full` as one row repeated over full's leading axes: after
 * leading 1s, row's dims equal full's trailing dims, row is smaller, and the result has full's
 * shape. (Same shapes are left to tfjs: that is XNNPACK's fast path.)
 */
export function isRowOf(row: readonly number[], full: readonly number[]): boolean {
  const n = sizeOf(row);
  // (single values are left to tfjs too: its scalar path is faster than a broadcast row)
  if (row.length > full.length || n <= 1 || n >= sizeOf(full)) return false;
  let first = 0;
  while (first < row.length && row[first] === 1) first++;
  const tail = row.length - first;
  for (let i = 0; i < tail; i++) {
    if (row[first + i] !== full[full.length - tail + i]) return false;
  }
  return true;
}

export function binaryRowKernel(kernelName: keyof typeof OPS): TrainingKernelConfig {
  const op = OPS[kernelName];
  const commutative = kernelName === 'Add' || kernelName === 'Multiply';
  return {
    kernelName,
    makeKernel:
      ({ heap }) =>
      ({ inputs, backend }: KernelArgs<never>): TensorInfo | null => {
        const { a, b } = inputs;
        if (a.dtype !== 'float32' || b.dtype !== 'float32') return null;
        let full: TensorInfo;
        let row: TensorInfo;
        let rowOnLeft = 0;
        if (isRowOf(b.shape, a.shape)) {
          [full, row] = [a, b];
        } else if (isRowOf(a.shape, b.shape)) {
          // x ∘ y = y ∘ x exactly for + and ×, and the row-on-the-right loop is the faster one
          [full, row] = [b, a];
          rowOnLeft = commutative ? 0 : 1;
        } else {
          return null;
        }
        const c = sizeOf(row.shape);
        const rows = sizeOf(full.shape) / c;
        return heap.run(
          asBackend(backend),
          [full, row],
          [...full.shape],
          () => 0,
          (k, p) =>
            k.binaryRowBroadcast(op, p.inputs[0], p.inputs[1], p.output, rows, c, rowOnLeft),
        );
      },
  };
}
