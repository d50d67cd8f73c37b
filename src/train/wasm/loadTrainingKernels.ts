// Browser / worker entry (Vite): starts tfjs's 'wasm' backend with its binaries served by Vite and
// registers our training kernels. `?url` makes Vite emit each .wasm file (fingerprinted) and give
// its URL; the build fails if `npm run build:wasm` has not produced ./build first.
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import tfjsWasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import tfjsWasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import tfjsWasmThreadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import relaxedUrl from './build/train-kernels-relaxed.wasm?url';
import relaxedSharedUrl from './build/train-kernels-relaxed-shared.wasm?url';
import plainUrl from './build/train-kernels.wasm?url';
import sharedUrl from './build/train-kernels-shared.wasm?url';
import { KernelThreadPool, type HelperHandle } from './kernelThreads';
import {
  compileTrainKernelModules,
  registerWasmTrainingKernels,
  relaxedSimdSupported,
  type RegisterTrainingKernelsOptions,
  type WasmTrainingKernels,
} from './registerTrainingKernels';

async function fetchBytes(url: string): Promise<ArrayBuffer> {
  const response = await fetch(url);
  if (!response.ok) {
    throw new Error(
      `Could not load the wasm training kernels from ${url} (HTTP ${response.status})`,
    );
  }
  return response.arrayBuffer();
}

function crossOriginIsolatedHere(): boolean {
  return typeof crossOriginIsolated !== 'undefined' && crossOriginIsolated;
}

function spawnBrowserHelper(): HelperHandle {
  const worker = new Worker(new URL('./kernelThread.worker.ts', import.meta.url), {
    type: 'module',
  });
  return {
    start: (setup) =>
      new Promise((resolve, reject) => {
        worker.onmessage = () => resolve();
        worker.onerror = (event) => reject(new Error(`kernel thread failed: ${event.message}`));
        worker.postMessage(setup);
      }),
    terminate: () => worker.terminate(),
  };
}

/**
 * The split rule's fixed cost of one split in the browser, µs: a split hands work to a helper
 * worker and waits for it, which costs more in Chromium than between Node's worker threads (20 µs,
 * SPLIT_FIXED_US). Measured with `npm run bench:threads` (one page, interleaved rounds,
 * 2026-12-03): at 20 µs MobileNetV2's four 1×1 input gradients of 2–5·10⁶ multiply-adds were split
 * and its step ran 1.05–1.14× the one-thread step in four runs; at 100 µs they stay whole
 * (0.98–1.03×), and no other network's splits change.
 */
export const BROWSER_SPLIT_FIXED_US = 100;

export interface TrainingKernelsLoadOptions extends RegisterTrainingKernelsOptions {
  /**
   * Threads for the backward convolutions (default 1). More than one needs a cross-origin
   * isolated page (COOP same-origin + COEP require-corp) and a worker (the training worker);
   * elsewhere it stays at 1.
   */
  threads?: number;
  /**
   * Use the relaxed-SIMD build (fused multiply-adds) where the browser has relaxed SIMD
   * (default true); false: the plain SIMD build everywhere.
   */
  relaxedSimd?: boolean;
}

/**
 * Loads train-kernels.wasm (or train-kernels-relaxed.wasm where relaxed SIMD is available) and registers the training kernels for 'wasm'. The shared-memory
 * variant is fetched only where the page is cross-origin isolated (for tfjs's threaded build,
 * whose heap is a SharedArrayBuffer, and for our helper threads).
 */
export async function installWasmTrainingKernels(
  options: TrainingKernelsLoadOptions = {},
): Promise<WasmTrainingKernels> {
  const isolated = crossOriginIsolatedHere();
  const relaxed = options.relaxedSimd !== false && relaxedSimdSupported();
  const [plain, shared] = await Promise.all([
    fetchBytes(relaxed ? relaxedUrl : plainUrl),
    isolated ? fetchBytes(relaxed ? relaxedSharedUrl : sharedUrl) : Promise.resolve(undefined),
  ]);
  const modules = await compileTrainKernelModules(plain, shared, relaxed);
  // The calling thread blocks in Atomics.wait while helpers work: a worker may, a window may not.
  const inWorker =
    typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== 'undefined';
  const threads = isolated && inWorker && modules.shared ? (options.threads ?? 1) : 1;
  let pool: KernelThreadPool | undefined;
  if (threads > 1) {
    try {
      pool = await KernelThreadPool.start(modules.shared!, threads, spawnBrowserHelper);
    } catch (error) {
      console.warn(`wasm training kernels: running on one thread (${String(error)})`);
    }
  }
  return registerWasmTrainingKernels(modules, {
    splitFixedUs: BROWSER_SPLIT_FIXED_US,
    ...options,
    threadPool: pool,
  });
}

export interface WasmTrainingBackendOptions extends TrainingKernelsLoadOptions {
  /**
   * Let tfjs itself pick its threaded build where the page is cross-origin isolated (default
   * false; independent of `threads`, which is about our kernels). Bundled by Vite, tfjs 4.22's
   * threaded build fails in headless Chromium (its pthread workers, started from blob: URLs,
   * throw "e is not defined"; a CSP `worker-src 'self'` would also forbid them), and it would
   * use hardwareConcurrency / 2 threads: one on a 2-core machine.
   */
  tfjsThreads?: boolean;
}

/** Makes 'wasm' the active tfjs backend, ready to train. Throws with a message if it cannot. */
export async function activateWasmTrainingBackend(
  options: WasmTrainingBackendOptions = {},
): Promise<WasmTrainingKernels> {
  setWasmPaths({
    'tfjs-backend-wasm.wasm': tfjsWasm,
    'tfjs-backend-wasm-simd.wasm': tfjsWasmSimd,
    'tfjs-backend-wasm-threaded-simd.wasm': tfjsWasmThreadedSimd,
  });
  if (!options.tfjsThreads) tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  if (!(await tf.setBackend('wasm'))) {
    throw new Error('tfjs could not start its wasm backend (see the console for why)');
  }
  await tf.ready();
  return installWasmTrainingKernels(options);
}
