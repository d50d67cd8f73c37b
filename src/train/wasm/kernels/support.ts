// What every training kernel shares: the kernel signature, the context it is made with, and
// the geometry helpers. One file per kernel sits next to this one (as in tfjs-backend-wasm).
import * as tf from '@tensorflow/tfjs';
import type { TensorInfo } from '@tensorflow/tfjs';
import type { KernelHeap, WasmBackendLike } from '../kernelHeap';

export type KernelArgs<A> = { inputs: Record<string, TensorInfo>; backend: unknown; attrs?: A };

/**
 * A kernel body: its output (several for the fused kernels); null: this case is not ours,
 * tfjs's own kernel (if any) runs instead.
 */
export type TrainingKernel = (args: KernelArgs<never>) => TensorInfo | TensorInfo[] | null;

/** What a registration hands every kernel. */
export interface KernelContext {
  heap: KernelHeap;
  /**
   * With a pool: split exactly the convolutions of at least this many multiply-adds; undefined:
   * split those where the cost model says a split wins (splitPays in convolution.ts).
   */
  minMacsToSplit?: number;
  /** With a pool: the split rule's fixed cost of a split, µs (undefined: SPLIT_FIXED_US). */
  splitFixedUs?: number;
  /** With a pool: false runs every call on the calling thread, the helpers idle. */
  splitting: boolean;
  /** Kernel calls split over threads so far. */
  counters: { splitCalls: number };
}

export interface TrainingKernelConfig {
  kernelName: string;
  makeKernel(context: KernelContext): TrainingKernel;
}

export function asBackend(backend: unknown): WasmBackendLike {
  return backend as WasmBackendLike;
}

/** Whether our kernels cover this geometry (NHWC, dilation 1); else tfjs's kernel, if any, runs. */
export function covered(info: tf.backend_util.Conv2DInfo): boolean {
  return (
    info.dataFormat === 'channelsLast' && info.dilationHeight === 1 && info.dilationWidth === 1
  );
}

/** The window arguments every kernel export takes after its pointers and sizes. */
export function geometry(info: tf.backend_util.Conv2DInfo): number[] {
  return [
    info.filterHeight,
    info.filterWidth,
    info.strideHeight,
    info.strideWidth,
    info.padInfo.top,
    info.padInfo.left,
  ];
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** A new tensor on the same data (reference counted by the backend); not for strings. */
export function shareData(backend: WasmBackendLike, x: TensorInfo): TensorInfo | null {
  if (x.dtype === 'string') return null;
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}
