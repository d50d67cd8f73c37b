// Registers SIMD training kernels (train-kernels.wasm, compiled from ./assembly) for tfjs's 'wasm'
// backend through tfjs's kernel registry, so that tf.grad / optimizers / layers' fit work there.
//
// tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter, DepthwiseConv2dNativeBackpropFilter or
// DepthwiseConv2dNativeBackpropInput (tfjs issue 8474): MISSING_KERNELS. Everything else a CNN
// training step needs (BN via moments, ReLU/ReLU6 grads, pooling grads, mean, dense, softmax
// cross-entropy, Adam) is registered, but several of those kernels are slow on training shapes:
// by default ours replace them too (REPLACED_KERNELS), falling back to tfjs's for other cases.
import * as tf from '@tensorflow/tfjs';
import type {
  AvgPoolGradAttrs,
  CastAttrs,
  Conv2DBackpropFilterAttrs,
  Conv2DBackpropInputAttrs,
  DepthwiseConv2dNativeBackpropFilterAttrs,
  DepthwiseConv2dNativeBackpropInputAttrs,
  FusedBatchNormAttrs,
  GradConfig,
  KernelConfig,
  KernelFunc,
  MaxPoolGradAttrs,
  MeanAttrs,
  SumAttrs,
  TensorInfo,
  TileAttrs,
} from '@tensorflow/tfjs';
import type { KernelThreadPool, ThreadJob } from './kernelThreads';
import {
  KernelHeap,
  type HeapMode,
  type TrainKernelModules,
  type WasmBackendLike,
} from './kernelHeap';

export type { HeapMode, TrainKernelModules } from './kernelHeap';

const BACKEND = 'wasm';

/** Kernels tfjs-backend-wasm does not have at all. */
export const MISSING_KERNELS = [
  'Conv2DBackpropFilter',
  'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
] as const;

/**
 * Kernels tfjs-backend-wasm has but runs slowly on training shapes, which ours replace unless told
 * not to: plain C++ loops (the first three), a per-element Tile (batch-norm's gradient tiles
 * 1/σ to the whole activation), Sum / Mean that first transpose the reduced axes innermost,
 * a scalar FusedBatchNorm, and an Identity / same-type Cast that copy (ours share the data with a
 * reference count, as tfjs's cpu backend and the wasm backend's own Reshape do). Cast to bool is
 * also fixed: tfjs-wasm 4.22 truncates (0.3 → false, −4 → 252); ours gives x ≠ 0 like cpu.
 * Add / Sub / Multiply / RealDiv: ours only where one float32 operand is a row repeated over the
 * other's leading axes (per-channel vectors), which tfjs runs about 2× slower.
 * Cases ours do not cover (other dtypes, NCHW, non-contiguous reduction axes) go to tfjs's kernel.
 */
export const REPLACED_KERNELS = [
  'Conv2DBackpropInput',
  'MaxPoolGrad',
  'AvgPoolGrad',
  'Tile',
  'Sum',
  'Mean',
  'FusedBatchNorm',
  'Identity',
  'Cast',
  'Add',
  'Sub',
  'Multiply',
  'RealDiv',
] as const;

/**
 * Gradients replaced (for every backend) unless told not to: tfjs-core's Mean and Sum gradients
 * multiply dy by a `ones(x.shape)` built in JavaScript and uploaded — per batch-norm layer and
 * step, two full activation-sized arrays plus GC. Ours broadcast dy (Tile) instead: same values.
 */
export const REPLACED_GRADIENTS = ['Mean', 'Sum'] as const;

export interface RegisterTrainingKernelsOptions {
  /** Also replace tfjs-backend-wasm's own kernels listed in REPLACED_KERNELS. Default true. */
  replaceBuiltins?: boolean;
  /** 'auto' (default): work in place on tfjs's heap when reachable, else copy; 'copy': always copy. */
  memory?: 'auto' | 'copy';
  /** Replace the gradients listed in REPLACED_GRADIENTS (all backends). Default true. */
  replaceGradients?: boolean;
  /** Helper threads for the backward convolutions (see kernelThreads.ts); unregister() stops them. */
  threadPool?: KernelThreadPool;
  /** With a pool: calls below this many multiply-adds stay on one thread. Default 4e6. */
  minMacsToSplit?: number;
}

export interface WasmTrainingKernels {
  /** Names of the kernels registered for 'wasm'. */
  readonly kernelNames: readonly string[];
  /** How kernels reach tensor data on the current wasm backend ('copy' until the backend exists). */
  heapMode(): HeapMode;
  /** Threads the backward convolutions run on (1 without a pool). */
  readonly threads: number;
  /** Kernel calls split over threads so far. */
  splitCalls(): number;
  /** Removes our kernels, puts back the ones they replaced and stops the helper threads. */
  unregister(): void;
}

type KernelArgs<A> = { inputs: Record<string, TensorInfo>; backend: unknown; attrs?: A };

function asBackend(backend: unknown): WasmBackendLike {
  return backend as WasmBackendLike;
}

/** Whether our kernels cover this geometry (NHWC, dilation 1); else tfjs's kernel, if any, runs. */
function covered(info: tf.backend_util.Conv2DInfo): boolean {
  return (
    info.dataFormat === 'channelsLast' && info.dilationHeight === 1 && info.dilationWidth === 1
  );
}

/** The geometry arguments every kernel export takes after its pointers. */
function geometry(info: tf.backend_util.Conv2DInfo): number[] {
  return [
    info.filterHeight,
    info.filterWidth,
    info.strideHeight,
    info.strideWidth,
    info.padInfo.top,
    info.padInfo.left,
  ];
}

/**
 * Geometry of a backward conv2d (input shape, filter shape, attributes) in the form the conv
 * kernel exports take it; null where our kernels do not cover it.
 */
function convGeometry(
  xShape: readonly number[],
  filterShape: readonly number[],
  attrs: Conv2DBackpropFilterAttrs | Conv2DBackpropInputAttrs,
) {
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    tf.backend_util.convertConv2DDataFormat(attrs.dataFormat),
  );
  if (!covered(info)) return null;
  const [fh, fw, ci, co] = [info.filterHeight, info.filterWidth, info.inChannels, info.outChannels];
  const geo = [
    info.inHeight,
    info.inWidth,
    ci,
    info.outHeight,
    info.outWidth,
    co,
    ...geometry(info),
  ];
  return { info, fh, fw, ci, co, geo };
}

/** Below this many multiply-adds a backward conv stays on one thread (a split costs ~0.1 ms). */
const MIN_MACS_TO_SPLIT = 4e6;

function makeKernels(
  heap: KernelHeap,
  minMacsToSplit: number,
  counters: { splitCalls: number },
): Record<string, OurKernel> {
  /**
   * Splits a backward conv over the batch when a thread pool is there and the call is big enough.
   * `imageBytes[i]`: bytes per image of input i (null: not batched, e.g. the filter);
   * `outImageBytes`: the same for the output, or null when each part computes a whole output
   * (a filter gradient) and the parts are summed. Returns null to run on one thread.
   */
  const splitOverBatch = (
    backend: unknown,
    inputs: TensorInfo[],
    imageBytes: (number | null)[],
    outShape: number[],
    outImageBytes: number | null,
    batch: number,
    macs: number,
    job: ThreadJob,
    scratchBytes: number,
    geometryArgs: number[],
  ): TensorInfo | null => {
    const pool = heap.pool;
    if (!pool || batch < 2 || macs < minMacsToSplit) return null;
    const parts = Math.min(pool.threads, batch);
    counters.splitCalls++;
    const first = (p: number) => Math.floor((p * batch) / parts);
    return heap.runSplit(asBackend(backend), inputs, outShape, {
      parts,
      scratchBytes,
      sumParts: outImageBytes === null,
      call: (p, pointers, output, scratch) => {
        const n0 = first(p);
        const moved = pointers.map((at, i) => at + n0 * (imageBytes[i] ?? 0));
        const out = output + n0 * (outImageBytes ?? 0);
        const withScratch = job.startsWith('conv2d') ? [scratch] : [];
        return { job, args: [...moved, out, ...withScratch, first(p + 1) - n0, ...geometryArgs] };
      },
    });
  };

  const conv2dBackpropFilter = ({
    inputs,
    backend,
    attrs,
  }: KernelArgs<Conv2DBackpropFilterAttrs>) => {
    const { x, dy } = inputs;
    const { filterShape } = attrs!;
    const conv = convGeometry(x.shape, filterShape, attrs!);
    if (!conv) return null;
    const { info, fh, fw, ci, co, geo } = conv;
    const split = splitOverBatch(
      backend,
      [x, dy],
      [info.inHeight * info.inWidth * ci * 4, info.outHeight * info.outWidth * co * 4],
      [...filterShape],
      null,
      info.batchSize,
      info.batchSize * info.outHeight * info.outWidth * fh * fw * ci * co,
      'conv2dBackpropFilter',
      heap.pool ? heap.pool.kernels.conv2dBackpropFilterScratch(fh, fw, ci, co) : 0,
      geo,
    );
    if (split) return split;
    return heap.run(
      asBackend(backend),
      [x, dy],
      [...filterShape],
      (k) => k.conv2dBackpropFilterScratch(fh, fw, ci, co),
      (k, p) =>
        k.conv2dBackpropFilter(
          p.inputs[0],
          p.inputs[1],
          p.output,
          p.scratch,
          info.batchSize,
          ...geo,
        ),
    );
  };

  const conv2dBackpropInput = ({
    inputs,
    backend,
    attrs,
  }: KernelArgs<Conv2DBackpropInputAttrs>) => {
    const { dy, filter } = inputs;
    const { inputShape } = attrs!;
    const conv = convGeometry(inputShape, filter.shape, attrs!);
    if (!conv) return null;
    const { info, fh, fw, ci, co, geo } = conv;
    const split = splitOverBatch(
      backend,
      [dy, filter],
      [info.outHeight * info.outWidth * co * 4, null],
      [...inputShape],
      info.inHeight * info.inWidth * ci * 4,
      info.batchSize,
      info.batchSize * info.outHeight * info.outWidth * fh * fw * ci * co,
      'conv2dBackpropInput',
      heap.pool ? heap.pool.kernels.conv2dBackpropInputScratch(fh, fw, ci, co) : 0,
      geo,
    );
    if (split) return split;
    return heap.run(
      asBackend(backend),
      [dy, filter],
      [...inputShape],
      (k) => k.conv2dBackpropInputScratch(fh, fw, ci, co),
      (k, p) =>
        k.conv2dBackpropInput(
          p.inputs[0],
          p.inputs[1],
          p.output,
          p.scratch,
          info.batchSize,
          ...geo,
        ),
    );
  };

  const depthwiseInfo = (
    xShape: number[],
    filterShape: number[],
    attrs: DepthwiseConv2dNativeBackpropFilterAttrs | DepthwiseConv2dNativeBackpropInputAttrs,
  ) => {
    const info = tf.backend_util.computeConv2DInfo(
      xShape as [number, number, number, number],
      filterShape as [number, number, number, number],
      attrs.strides,
      attrs.dilations,
      attrs.pad,
      attrs.dimRoundingMode,
      true,
    );
    return covered(info) ? info : null;
  };

  const depthwiseArgs = (info: tf.backend_util.Conv2DInfo): number[] => {
    const [fH, fW, sH, sW, pT, pL] = geometry(info);
    return [
      info.batchSize,
      info.inHeight,
      info.inWidth,
      info.inChannels,
      info.outHeight,
      info.outWidth,
      info.outChannels / info.inChannels,
      fH,
      fW,
      sH,
      sW,
      pT,
      pL,
    ];
  };

  const depthwiseBackpropFilter = ({
    inputs,
    backend,
    attrs,
  }: KernelArgs<DepthwiseConv2dNativeBackpropFilterAttrs>) => {
    const { x, dy } = inputs;
    const info = depthwiseInfo(x.shape, attrs!.filterShape, attrs!);
    if (!info) return null;
    const split = splitOverBatch(
      backend,
      [x, dy],
      [
        info.inHeight * info.inWidth * info.inChannels * 4,
        info.outHeight * info.outWidth * info.outChannels * 4,
      ],
      [...attrs!.filterShape],
      null,
      info.batchSize,
      info.batchSize *
        info.outHeight *
        info.outWidth *
        info.filterHeight *
        info.filterWidth *
        info.outChannels,
      'depthwiseBackpropFilter',
      0,
      depthwiseArgs(info).slice(1),
    );
    if (split) return split;
    return heap.run(
      asBackend(backend),
      [x, dy],
      [...attrs!.filterShape],
      () => 0,
      (k, p) =>
        k.depthwiseBackpropFilter(p.inputs[0], p.inputs[1], p.output, ...depthwiseArgs(info)),
    );
  };

  const depthwiseBackpropInput = ({
    inputs,
    backend,
    attrs,
  }: KernelArgs<DepthwiseConv2dNativeBackpropInputAttrs>) => {
    const { dy, filter } = inputs;
    const info = depthwiseInfo(attrs!.inputShape, filter.shape, attrs!);
    if (!info) return null;
    const split = splitOverBatch(
      backend,
      [dy, filter],
      [info.outHeight * info.outWidth * info.outChannels * 4, null],
      [...attrs!.inputShape],
      info.inHeight * info.inWidth * info.inChannels * 4,
      info.batchSize,
      info.batchSize *
        info.outHeight *
        info.outWidth *
        info.filterHeight *
        info.filterWidth *
        info.outChannels,
      'depthwiseBackpropInput',
      0,
      depthwiseArgs(info).slice(1),
    );
    if (split) return split;
    return heap.run(
      asBackend(backend),
      [dy, filter],
      [...attrs!.inputShape],
      () => 0,
      (k, p) =>
        k.depthwiseBackpropInput(p.inputs[0], p.inputs[1], p.output, ...depthwiseArgs(info)),
    );
  };

  const poolArgs = (info: tf.backend_util.Conv2DInfo): number[] => [
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outHeight,
    info.outWidth,
    ...geometry(info),
  ];

  const maxPoolGrad = ({ inputs, backend, attrs }: KernelArgs<MaxPoolGradAttrs>) => {
    const { dy, input } = inputs;
    const { filterSize, strides, pad, dimRoundingMode } = attrs!;
    const info = tf.backend_util.computePool2DInfo(
      input.shape as [number, number, number, number],
      filterSize,
      strides,
      1,
      pad,
      dimRoundingMode,
    );
    return heap.run(
      asBackend(backend),
      [input, dy],
      [...input.shape],
      () => 0,
      (k, p) => k.maxPoolGrad(p.inputs[0], p.inputs[1], p.output, ...poolArgs(info)),
    );
  };

  const avgPoolGrad = ({ inputs, backend, attrs }: KernelArgs<AvgPoolGradAttrs>) => {
    const { dy, input } = inputs;
    const { filterSize, strides, pad } = attrs!;
    const info = tf.backend_util.computePool2DInfo(
      input.shape as [number, number, number, number],
      filterSize,
      strides,
      1,
      pad,
    );
    return heap.run(
      asBackend(backend),
      [dy],
      [...input.shape],
      () => 0,
      (k, p) => k.avgPoolGrad(p.inputs[0], p.output, ...poolArgs(info)),
    );
  };

  const reduce =
    (mean: boolean) =>
    ({ inputs, backend, attrs }: KernelArgs<SumAttrs | MeanAttrs>): TensorInfo | null => {
      const { x } = inputs;
      if (x.dtype !== 'float32') return null;
      const axes = tf.util.parseAxisParam(attrs!.axis, x.shape).sort((a, b) => a - b);
      if (axes.length === 0 || axes.some((a, i) => a !== axes[0] + i)) return null;
      const first = axes[0];
      const end = axes[axes.length - 1] + 1;
      const product = (dims: number[]) => dims.reduce((a, b) => a * b, 1);
      const outer = product(x.shape.slice(0, first));
      const mid = product(x.shape.slice(first, end));
      const inner = product(x.shape.slice(end));
      if (mid === 0) return null;
      const outShape = attrs!.keepDims
        ? x.shape.map((d, i) => (i >= first && i < end ? 1 : d))
        : [...x.shape.slice(0, first), ...x.shape.slice(end)];
      return heap.run(
        asBackend(backend),
        [x],
        outShape,
        () => 0,
        (k, p) => k.reduceMiddle(p.inputs[0], p.output, outer, mid, inner, mean ? 1 / mid : 1),
      );
    };

  const fusedBatchNorm = ({ inputs, backend, attrs }: KernelArgs<FusedBatchNormAttrs>) => {
    const { x, mean, variance, scale, offset } = inputs;
    if (x.dtype !== 'float32' || x.shape.length === 0) return null;
    const c = x.shape[x.shape.length - 1];
    // Per-channel (…, 1, C) or single-value parameters only; others go to tfjs's kernel.
    const strideOf = (t: TensorInfo | undefined): number | null => {
      if (!t) return -1;
      const size = t.shape.reduce((a, b) => a * b, 1);
      if (size === 1) return 0;
      const last = t.shape.length - 1;
      const perChannel =
        t.shape.length <= x.shape.length &&
        t.shape.every((d, i) => (i === last ? d === c : d === 1));
      return perChannel ? 1 : null;
    };
    const strides = [strideOf(mean), strideOf(variance), strideOf(scale), strideOf(offset)];
    if (strides.some((s) => s === null) || !mean || !variance) return null;
    const params = [mean, variance, scale, offset];
    const present = params.filter((t): t is TensorInfo => t != null);
    const rows = c === 0 ? 0 : x.shape.reduce((a, b) => a * b, 1) / c;
    return heap.run(
      asBackend(backend),
      [x, ...present],
      [...x.shape],
      (k) => k.batchNormScratch(c),
      (k, p) => {
        let next = 1;
        const pointer = (t: TensorInfo | undefined) => (t ? p.inputs[next++] : 0);
        const [pm, pv, ps, po] = params.map(pointer);
        k.batchNormForward(
          p.inputs[0],
          p.output,
          pm,
          strides[0]!,
          pv,
          strides[1]!,
          ps,
          strides[2]!,
          po,
          strides[3]!,
          p.scratch,
          rows,
          c,
          attrs!.varianceEpsilon,
        );
      },
    );
  };

  /** Add / Sub / Multiply / RealDiv with one operand a broadcast row; null for other shapes. */
  const binary =
    (op: number, commutative: boolean) =>
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
        (k, p) => k.binaryRowBroadcast(op, p.inputs[0], p.inputs[1], p.output, rows, c, rowOnLeft),
      );
    };

  return {
    Add: binary(0, true),
    Sub: binary(1, false),
    Multiply: binary(2, true),
    RealDiv: binary(3, false),
    FusedBatchNorm: fusedBatchNorm,
    Identity: ({ inputs, backend }: KernelArgs<never>) => shareData(asBackend(backend), inputs.x),
    Cast: ({ inputs, backend, attrs }: KernelArgs<CastAttrs>) => {
      const { x } = inputs;
      const wasm = asBackend(backend);
      if (attrs!.dtype === x.dtype) return shareData(wasm, x);
      if (attrs!.dtype === 'bool' && (x.dtype === 'float32' || x.dtype === 'int32')) {
        const out = wasm.makeOutput([...x.shape], 'bool' as 'float32');
        const src = wasm.typedArrayFromHeap(x);
        const dst = wasm.typedArrayFromHeap(out);
        for (let i = 0; i < src.length; i++) dst[i] = src[i] !== 0 ? 1 : 0;
        return out;
      }
      return null;
    },
    Conv2DBackpropFilter: conv2dBackpropFilter,
    Conv2DBackpropInput: conv2dBackpropInput,
    DepthwiseConv2dNativeBackpropFilter: depthwiseBackpropFilter,
    DepthwiseConv2dNativeBackpropInput: depthwiseBackpropInput,
    MaxPoolGrad: maxPoolGrad,
    AvgPoolGrad: avgPoolGrad,
    Tile: ({ inputs, backend, attrs }: KernelArgs<TileAttrs>) =>
      tileOnHeap(asBackend(backend), inputs.x, attrs!.reps),
    Sum: reduce(false),
    Mean: reduce(true),
  } as Record<string, OurKernel>;
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Whether `row` broadcasts against `full` as one row repeated over full's leading axes: after
 * leading 1s, row's dims equal full's trailing dims, row is smaller, and the result has full's
 * shape. (Same shapes are left to tfjs: that is XNNPACK's fast path.)
 */
function isRowOf(row: readonly number[], full: readonly number[]): boolean {
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

/** A new tensor on the same data (reference counted by the backend); not for strings. */
function shareData(backend: WasmBackendLike, x: TensorInfo): TensorInfo | null {
  if (x.dtype === 'string') return null;
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/** Mean / Sum gradient: dy reshaped with the reduced axes kept, scaled, broadcast to x. */
function reductionGradient(kernelName: 'Mean' | 'Sum'): GradConfig {
  return {
    kernelName,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const axes = tf.util.parseAxisParam((attrs as unknown as SumAttrs).axis, x.shape);
      const keptShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
      return {
        x: () => {
          let g = tf.reshape(dy as tf.Tensor, keptShape);
          if (kernelName === 'Mean') {
            g = tf.div(
              g,
              axes.reduce((size, axis) => size * x.shape[axis], 1),
            );
          }
          return tf.broadcastTo(g, x.shape);
        },
      };
    },
  };
}

/**
 * Tile on tfjs's heap with bulk copies: each level writes its first block, then doubles it with
 * copyWithin until the repetitions are filled. Works for any element type the heap holds.
 */
function tileOnHeap(backend: WasmBackendLike, x: TensorInfo, reps: number[]): TensorInfo | null {
  if (x.dtype === 'string' || x.dtype === 'complex64') return null;
  const rank = x.shape.length;
  const outShape = x.shape.map((d, i) => d * reps[i]);
  const out = backend.makeOutput(outShape, x.dtype as 'float32');
  if (outShape.some((d) => d === 0)) return out;
  if (rank === 0) {
    backend.typedArrayFromHeap(out).set(backend.typedArrayFromHeap(x));
    return out;
  }
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  const inStride = new Array<number>(rank);
  const outStride = new Array<number>(rank);
  inStride[rank - 1] = 1;
  outStride[rank - 1] = 1;
  for (let d = rank - 2; d >= 0; d--) {
    inStride[d] = inStride[d + 1] * x.shape[d + 1];
    outStride[d] = outStride[d + 1] * outShape[d + 1];
  }
  const repeat = (at: number, length: number, times: number) => {
    const total = length * times;
    for (let filled = length; filled < total;) {
      const n = Math.min(filled, total - filled);
      dst.copyWithin(at + filled, at, at + n);
      filled += n;
    }
  };
  const fill = (d: number, from: number, at: number) => {
    const extent = x.shape[d];
    if (d === rank - 1) {
      dst.set(src.subarray(from, from + extent), at);
    } else {
      for (let i = 0; i < extent; i++) fill(d + 1, from + i * inStride[d], at + i * outStride[d]);
    }
    repeat(at, extent * outStride[d], reps[d]);
  };
  fill(0, 0, 0);
  return out;
}

type OurKernel = (args: KernelArgs<never>) => TensorInfo | null;

let active: WasmTrainingKernels | undefined;

/**
 * Registers the training kernels for the 'wasm' backend (replacing an earlier registration).
 * Call it once the modules are compiled; it can run before or after tf.setBackend('wasm').
 */
export function registerWasmTrainingKernels(
  modules: TrainKernelModules,
  options: RegisterTrainingKernelsOptions = {},
): WasmTrainingKernels {
  active?.unregister();
  const heap = new KernelHeap(modules, options.memory === 'copy', options.threadPool);
  const counters = { splitCalls: 0 };
  const kernels = makeKernels(heap, options.minMacsToSplit ?? MIN_MACS_TO_SPLIT, counters);
  const names: string[] = [...MISSING_KERNELS];
  if (options.replaceBuiltins !== false) names.push(...REPLACED_KERNELS);

  const previous = new Map<string, KernelConfig>();
  for (const kernelName of names) {
    const existing = tf.getKernel(kernelName, BACKEND);
    if (existing) {
      previous.set(kernelName, existing);
      tf.unregisterKernel(kernelName, BACKEND);
    }
    const ours = kernels[kernelName];
    const kernelFunc = ((args: KernelArgs<never>) => {
      const result = ours(args);
      if (result) return result;
      if (!existing) throw new Error(`${kernelName} on wasm: this case is not supported`);
      return existing.kernelFunc(args as unknown as Parameters<KernelFunc>[0]);
    }) as unknown as KernelFunc;
    // Keep tfjs's setupFunc: if the backend initialises after this, its kernel (our fallback)
    // still gets set up.
    tf.registerKernel({
      kernelName,
      backendName: BACKEND,
      kernelFunc,
      setupFunc: existing?.setupFunc,
    });
  }

  const previousGradients: GradConfig[] = [];
  if (options.replaceGradients !== false) {
    for (const kernelName of REPLACED_GRADIENTS) {
      const existing = tf.getGradient(kernelName);
      if (existing) previousGradients.push(existing);
      tf.registerGradient(reductionGradient(kernelName));
    }
  }

  const handle: WasmTrainingKernels = {
    kernelNames: names,
    threads: options.threadPool?.threads ?? 1,
    splitCalls: () => counters.splitCalls,
    heapMode() {
      const backend = tf.findBackend(BACKEND);
      return backend ? heap.modeFor(asBackend(backend)) : 'copy';
    },
    unregister() {
      if (active !== handle) return;
      active = undefined;
      for (const kernelName of names) {
        tf.unregisterKernel(kernelName, BACKEND);
        const config = previous.get(kernelName);
        if (config) tf.registerKernel(config);
      }
      for (const config of previousGradients) tf.registerGradient(config);
      options.threadPool?.dispose();
    },
  };
  active = handle;
  return handle;
}

/** Compiles the binaries (bytes as read from train-kernels.wasm / train-kernels-shared.wasm). */
export async function compileTrainKernelModules(
  plain: BufferSource,
  shared?: BufferSource,
): Promise<TrainKernelModules> {
  const [plainModule, sharedModule] = await Promise.all([
    WebAssembly.compile(plain),
    shared ? WebAssembly.compile(shared).catch(() => undefined) : Promise.resolve(undefined),
  ]);
  return { plain: plainModule, shared: sharedModule };
}
