// Node entry (tests, benchmarks): reads the binaries emitted by `npm run build:wasm` from disk.
import { readFile } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { KernelThreadPool, NODE_HELPER_SOURCE, type HelperHandle } from './kernelThreads';
import {
  compileTrainKernelModules,
  registerWasmTrainingKernels,
  relaxedSimdSupported,
  type RegisterTrainingKernelsOptions,
  type WasmTrainingKernels,
} from './registerTrainingKernels';

export const TRAIN_KERNELS_WASM = new URL('./build/train-kernels.wasm', import.meta.url);
export const TRAIN_KERNELS_SHARED_WASM = new URL(
  './build/train-kernels-shared.wasm',
  import.meta.url,
);
export const TRAIN_KERNELS_RELAXED_WASM = new URL(
  './build/train-kernels-relaxed.wasm',
  import.meta.url,
);
export const TRAIN_KERNELS_RELAXED_SHARED_WASM = new URL(
  './build/train-kernels-relaxed-shared.wasm',
  import.meta.url,
);

/** The plain SIMD binaries, or with `relaxed` the relaxed-SIMD ones. */
export async function readTrainKernelBinaries(relaxed = false): Promise<{
  plain: ArrayBuffer;
  shared: ArrayBuffer;
}> {
  // Copied into fresh ArrayBuffers: a Node Buffer may sit in a shared pool.
  const read = async (url: URL) => new Uint8Array(await readFile(url)).buffer;
  try {
    const [plain, shared] = await Promise.all([
      read(relaxed ? TRAIN_KERNELS_RELAXED_WASM : TRAIN_KERNELS_WASM),
      read(relaxed ? TRAIN_KERNELS_RELAXED_SHARED_WASM : TRAIN_KERNELS_SHARED_WASM),
    ]);
    return { plain, shared };
  } catch (error) {
    throw new Error(
      `wasm training kernels are not built (${String(error)}); run \`npm run build:wasm\` ` +
        '(node scripts/build-wasm.mjs) first',
    );
  }
}

/** A helper thread of KernelThreadPool as a Node worker (eval'd plain JavaScript). */
export function spawnNodeHelper(): HelperHandle {
  const worker = new Worker(NODE_HELPER_SOURCE, { eval: true });
  worker.unref(); // a forgotten pool must not keep Node alive
  return {
    start: (setup) =>
      new Promise((resolve, reject) => {
        worker.once('message', () => resolve());
        worker.once('error', reject);
        worker.postMessage(setup);
      }),
    terminate: () => void worker.terminate(),
  };
}

export interface NodeTrainingKernelsOptions extends RegisterTrainingKernelsOptions {
  /** Threads for the convolutions (worker_threads helpers); default 1. */
  threads?: number;
  /**
   * Use the relaxed-SIMD build where the engine has it (default true; Node 20 has it only with
   * --experimental-wasm-relaxed-simd); false: the plain SIMD build.
   */
  relaxedSimd?: boolean;
}

export async function installWasmTrainingKernelsFromDisk(
  options: NodeTrainingKernelsOptions = {},
): Promise<WasmTrainingKernels> {
  const relaxed = options.relaxedSimd !== false && relaxedSimdSupported();
  const { plain, shared } = await readTrainKernelBinaries(relaxed);
  const modules = await compileTrainKernelModules(plain, shared, relaxed);
  const threads = options.threads ?? 1;
  const pool =
    threads > 1 && modules.shared
      ? await KernelThreadPool.start(modules.shared, threads, spawnNodeHelper)
      : undefined;
  return registerWasmTrainingKernels(modules, { ...options, threadPool: pool });
}
