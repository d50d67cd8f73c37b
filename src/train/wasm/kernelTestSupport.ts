// Helpers for the Node tests of the wasm training kernels (not used by the app).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import '@tensorflow/tfjs-backend-wasm';
import { mulberry32 } from '../../core/random';
import { TRAIN_KERNELS_SHARED_WASM, TRAIN_KERNELS_WASM } from './loadTrainingKernelsNode';

const ASSEMBLY_DIR = fileURLToPath(new URL('./assembly/', import.meta.url));
const BUILD_SCRIPT = fileURLToPath(new URL('../../../scripts/build-wasm.mjs', import.meta.url));

/** Runs scripts/build-wasm.mjs when a binary is missing or older than the assembly sources. */
export function ensureTrainKernelsBuilt(): void {
  const outputs = [TRAIN_KERNELS_WASM, TRAIN_KERNELS_SHARED_WASM].map((u) => fileURLToPath(u));
  const newestSource = Math.max(
    ...readdirSync(ASSEMBLY_DIR).map((f) => statSync(ASSEMBLY_DIR + f).mtimeMs),
    statSync(BUILD_SCRIPT).mtimeMs,
  );
  const stale = outputs.some((f) => !existsSync(f) || statSync(f).mtimeMs < newestSource);
  if (stale) execFileSync(process.execPath, [BUILD_SCRIPT], { stdio: 'inherit' });
}

/** Deterministic pseudo-random numbers in [-1, 1) (core's mulberry32). */
export function randomValues(count: number, seed: number): Float32Array {
  const random = mulberry32(seed);
  return Float32Array.from({ length: count }, () => random() * 2 - 1);
}

export interface HostTensor {
  shape: number[];
  values: Float32Array;
}

export function randomTensor(shape: number[], seed: number): HostTensor {
  return {
    shape,
    values: randomValues(
      shape.reduce((a, b) => a * b, 1),
      seed,
    ),
  };
}

/** Runs one kernel on a backend with the given host inputs; returns its output values. */
export async function runKernelOn(
  backendName: 'cpu' | 'wasm',
  kernelName: string,
  inputs: Record<string, HostTensor>,
  attrs: object,
): Promise<{ shape: number[]; values: Float32Array }> {
  await tf.setBackend(backendName);
  return tf.tidy(() => {
    const tensors: Record<string, tf.Tensor> = {};
    for (const [name, t] of Object.entries(inputs)) tensors[name] = tf.tensor(t.values, t.shape);
    const out = tf.engine().runKernel(kernelName, tensors, attrs as tf.NamedAttrMap) as tf.Tensor;
    return { shape: out.shape, values: out.dataSync() as Float32Array };
  });
}

/** max |a − b| divided by max(max |b|, 1e-6): the error relative to the reference's scale. */
export function relativeError(actual: Float32Array, expected: Float32Array): number {
  if (actual.length !== expected.length) return Infinity;
  let diff = 0;
  let scale = 1e-6;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    if (Number.isNaN(d)) return Infinity;
    if (d > diff) diff = d;
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return diff / scale;
}

/** The tolerance of the kernels' comparisons with tfjs cpu (relative to the output's scale). */
export const TOLERANCE = 1e-4;

/** Runs one kernel on cpu and on wasm with the same inputs and expects the same output. */
export async function expectSameOnWasmAndCpu(
  kernelName: string,
  inputs: Record<string, HostTensor>,
  attrs: object,
): Promise<void> {
  const expected = await runKernelOn('cpu', kernelName, inputs, attrs);
  const actual = await runKernelOn('wasm', kernelName, inputs, attrs);
  expect(actual.shape).toEqual(expected.shape);
  expect(relativeError(actual.values, expected.values)).toBeLessThanOrEqual(TOLERANCE);
}
