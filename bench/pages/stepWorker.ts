/**
 * The wasm job's plain training steps, in a dedicated worker of the benchmark page: the studio
 * trains in a worker too, and the training kernels' helper threads need one (the calling thread
 * blocks in Atomics.wait, which a window may not). Started by main.ts; one job per worker.
 */
import * as tf from '@tensorflow/tfjs';
import { activateWasmTrainingBackend } from '../../src/train/wasm/loadTrainingKernels';
import type { SplitPolicy } from '../../src/train/wasm/registerTrainingKernels';
import {
  measureStepAB,
  measureStepTimes,
  type StepABConfig,
  type StepABResult,
  type StepTimingConfig,
  type StepTimingResult,
} from '../backends';

/** Plain step times, or an interleaved A/B of split policies (one of the two). */
export interface StepWorkerJob {
  steps?: StepTimingConfig;
  splitAB?: StepABConfig<SplitPolicy>;
  threads: number;
}

export type StepWorkerMessage =
  | { type: 'log'; line: string }
  | { type: 'started'; device: string; threads: number; crossOriginIsolated: boolean }
  | { type: 'done'; steps: StepTimingResult[]; splitAB?: StepABResult[] }
  | { type: 'failed'; message: string; stage: 'start' | 'steps' };

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<StepWorkerJob>) => void) | null;
  postMessage(message: StepWorkerMessage): void;
};

async function run({ steps, splitAB, threads }: StepWorkerJob): Promise<void> {
  let kernels;
  try {
    kernels = await activateWasmTrainingBackend({ threads });
  } catch (error) {
    scope.postMessage({
      type: 'failed',
      stage: 'start',
      message: error instanceof Error ? error.message : String(error),
    });
    return;
  }
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const tfjsThreaded = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  scope.postMessage({
    type: 'started',
    device:
      `tfjs wasm${simd ? ' SIMD' : ''} in a worker, ${kernels.kernelNames.length} training kernels (${kernels.simd === 'relaxed' ? 'relaxed SIMD, fused multiply-add' : 'plain SIMD'} build), ` +
      `heap mode ${kernels.heapMode()}, tfjs's own ops ${tfjsThreaded ? 'threaded build' : 'single-threaded build'}`,
    threads: kernels.threads,
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
  });
  try {
    const log = (line: string) => scope.postMessage({ type: 'log', line });
    if (splitAB) {
      const ab = await measureStepAB(
        splitAB,
        (policy) => kernels.setSplitPolicy(policy),
        log,
        () => kernels.splitCalls(),
      );
      scope.postMessage({ type: 'done', steps: [], splitAB: ab });
    } else {
      scope.postMessage({ type: 'done', steps: steps ? await measureStepTimes(steps, log) : [] });
    }
  } catch (error) {
    scope.postMessage({
      type: 'failed',
      stage: 'steps',
      message: error instanceof Error ? error.message : String(error),
    });
  }
}

scope.onmessage = (event) => {
  scope.onmessage = null;
  void run(event.data);
};
