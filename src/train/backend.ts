import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import type { BackendName, BackendTiming } from '../core/backends';
import { wasmThreadCount } from '../pwa/threads';

/**
 * Order tried when the user names no backend and for fallbacks: WebGPU, then WebAssembly with
 * the studio's SIMD training kernels, then WebGL, then the (slow) CPU backend.
 */
export const BACKEND_PREFERENCE: readonly BackendName[] = ['webgpu', 'wasm', 'webgl', 'cpu'];

export interface BackendChoice {
  active: BackendName;
  /** Each faster backend that was tried and not used, with why. */
  skipped: { name: BackendName; reason: string }[];
  /** Probe step times of every backend that works (when backends were measured). */
  timings?: BackendTiming[];
}

interface GpuLike {
  requestAdapter(): Promise<unknown>;
}

/** Why WebGPU cannot be used here, or undefined when an adapter is available. */
async function webgpuUnavailableReason(): Promise<string | undefined> {
  const gpu = (globalThis.navigator as { gpu?: GpuLike } | undefined)?.gpu;
  if (!gpu) return 'this browser does not expose WebGPU (navigator.gpu is missing)';
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return 'WebGPU is exposed but no GPU adapter was found';
  } catch (err) {
    return `WebGPU adapter request failed: ${String(err)}`;
  }
  return undefined;
}

function webglUnavailableReason(): string | undefined {
  if (typeof OffscreenCanvas === 'undefined' && typeof document === 'undefined') {
    return 'no OffscreenCanvas in this context, so WebGL cannot run here';
  }
  return undefined;
}

function wasmUnavailableReason(): string | undefined {
  if (typeof WebAssembly === 'undefined') return 'this browser has no WebAssembly';
  if (typeof window === 'undefined' && typeof self === 'undefined') {
    return 'the wasm training backend runs in the browser only';
  }
  return undefined;
}

/**
 * Threads the wasm training kernels run on here: every core (capped) where the page, and so
 * this worker, is cross-origin isolated, else one. See src/pwa/threads.ts.
 */
export function wasmThreadsHere(): number {
  const isolated = typeof crossOriginIsolated !== 'undefined' && crossOriginIsolated;
  return wasmThreadCount(isolated, globalThis.navigator?.hardwareConcurrency);
}

/**
 * Diagnostics readable from the worker's console (and by the e2e tests): the threads the wasm
 * kernels actually started, once the wasm backend has been activated.
 */
export interface WasmDiagnostics {
  requestedThreads: number;
  kernelThreads: number;
  /** 'relaxed': the relaxed-SIMD build (fused multiply-adds) runs; 'plain': plain SIMD. */
  simd: 'relaxed' | 'plain';
}

async function activate(name: BackendName): Promise<void> {
  if (name === 'wasm') {
    // Loaded on demand: tfjs's wasm backend plus the studio's SIMD training kernels.
    const { activateWasmTrainingBackend } = await import('./wasm/loadTrainingKernels');
    const requestedThreads = wasmThreadsHere();
    const kernels = await activateWasmTrainingBackend({ threads: requestedThreads });
    (globalThis as { pruningStudioWasm?: WasmDiagnostics }).pruningStudioWasm = {
      requestedThreads,
      kernelThreads: kernels.threads,
      simd: kernels.simd,
    };
    return;
  }
  if (!(await tf.setBackend(name)))
    throw new Error(`tfjs could not initialise the ${name} backend`);
  await tf.ready();
}

async function tryBackend(name: BackendName, forcedFailure?: string): Promise<string | undefined> {
  if (forcedFailure) return forcedFailure;
  const reason =
    name === 'webgpu'
      ? await webgpuUnavailableReason()
      : name === 'webgl'
        ? webglUnavailableReason()
        : name === 'wasm'
          ? wasmUnavailableReason()
          : undefined;
  if (reason) return reason;
  try {
    await activate(name);
    // A tiny op proves the backend really computes (some drivers initialise, then fail).
    const probe = tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(2)));
    const value = (await probe.data())[0];
    probe.dispose();
    if (value !== 3) return `the ${name} backend computed a wrong result`;
    return undefined;
  } catch (err) {
    return `the ${name} backend failed to start: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/**
 * Activates the first backend that works, in `preference` order, and says why each one
 * before it was skipped. The CPU backend always works, so this never fails.
 */
export async function selectBackend(
  preference: readonly BackendName[] = BACKEND_PREFERENCE,
  /** Fault injection for tests and diagnosis: backends to treat as failing, with the reason. */
  simulatedFailures: Partial<Record<BackendName, string>> = {},
): Promise<BackendChoice> {
  const skipped: BackendChoice['skipped'] = [];
  for (const name of preference) {
    const reason = await tryBackend(name, simulatedFailures[name]);
    if (!reason) return { active: name, skipped };
    skipped.push({ name, reason });
  }
  await tf.setBackend('cpu');
  await tf.ready();
  return { active: 'cpu', skipped };
}

/**
 * One probe training step on the active backend: a small conv → ReLU → pool → dense network,
 * forward, backward and an SGD update, like a step of the studio's models in miniature.
 */
function probeStep(vars: tf.Variable[], x: tf.Tensor4D, labels: tf.Tensor2D): tf.Scalar {
  const [k1, k2, w] = vars;
  const { value, grads } = tf.variableGrads(() => {
    const h1 = tf.relu(tf.conv2d(x, k1 as tf.Tensor4D, 1, 'same'));
    const h2 = tf.relu(tf.conv2d(h1, k2 as tf.Tensor4D, 2, 'same'));
    const pooled = tf.mean(h2, [1, 2]) as tf.Tensor2D;
    return tf.losses.softmaxCrossEntropy(labels, tf.matMul(pooled, w as tf.Tensor2D)) as tf.Scalar;
  }, vars);
  tf.tidy(() => vars.forEach((v) => v.assign(tf.sub(v, tf.mul(grads[v.name], 0.01)))));
  tf.dispose(Object.values(grads));
  return value;
}

/** Median milliseconds of a probe step on the active backend (after one warm-up step). */
export async function timeProbeSteps(steps = 2): Promise<number> {
  const vars = tf.tidy(() => [
    tf.variable(tf.randomNormal([3, 3, 4, 16], 0, 0.3, 'float32', 1)),
    tf.variable(tf.randomNormal([3, 3, 16, 32], 0, 0.1, 'float32', 2)),
    tf.variable(tf.randomNormal([32, 10], 0, 0.1, 'float32', 3)),
  ]);
  const x = tf.randomNormal([16, 24, 24, 4], 0, 1, 'float32', 4) as tf.Tensor4D;
  const labels = tf.tidy(
    () =>
      tf.oneHot(
        tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5], 'int32'),
        10,
      ) as tf.Tensor2D,
  );
  const times: number[] = [];
  try {
    for (let i = 0; i <= steps; i++) {
      const began = performance.now();
      const loss = probeStep(vars, x, labels);
      await loss.data();
      loss.dispose();
      if (i > 0) times.push(performance.now() - began);
    }
  } finally {
    tf.dispose([...vars, x, labels]);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/**
 * Measures a probe training step on every backend that works and activates the fastest. The
 * returned order (fastest first, then those that failed) is the fallback order of the run.
 */
export async function selectFastestBackend(
  candidates: readonly BackendName[] = BACKEND_PREFERENCE,
  simulatedFailures: Partial<Record<BackendName, string>> = {},
  timeSteps: () => Promise<number> = timeProbeSteps,
): Promise<BackendChoice & { order: BackendName[] }> {
  const skipped: BackendChoice['skipped'] = [];
  const timings: BackendTiming[] = [];
  for (const name of candidates) {
    const reason = await tryBackend(name, simulatedFailures[name]);
    if (reason) {
      skipped.push({ name, reason });
      continue;
    }
    try {
      timings.push({ name, msPerStep: await timeSteps() });
    } catch (err) {
      skipped.push({
        name,
        reason: `a probe training step failed: ${err instanceof Error ? err.message : String(err)}`,
      });
    }
  }
  const ranked = [...timings].sort((a, b) => a.msPerStep - b.msPerStep);
  const best = ranked[0]?.name ?? 'cpu';
  await activate(best);
  const order = [...ranked.map((t) => t.name), ...skipped.map((s) => s.name)];
  return { active: best, skipped, timings, order };
}
