/**
 * The benchmark page: runs the timing measurements of ../timing.ts on one browser backend.
 * The job arrives as JSON in the URL hash; the result is left in `window.benchResult`.
 */
import * as tf from '@tensorflow/tfjs';
import { parseMnistAsset } from '../../src/data/mnist';
import type { BackendName } from '../../src/core/backends';
import { selectBackend } from '../../src/train/backend';
import { measureStepTimes } from '../backends';
import { measureOverhead, measureThroughput } from '../timing';
import type { StepABResult, StepTimingResult } from '../backends';
import { isSoftwareAdapter, type PageJob, type PageResult } from './protocol';
import type { StepWorkerJob, StepWorkerMessage } from './stepWorker';

declare global {
  interface Window {
    benchResult?: PageResult;
  }
}

function log(line: string): void {
  console.log(`[bench] ${line}`);
  document.getElementById('log')!.textContent += `${line}\n`;
}

interface GpuAdapterLike {
  info?: { vendor?: string; architecture?: string; description?: string };
}

async function deviceDescription(backend: BackendName): Promise<string> {
  if (backend === 'webgpu') {
    const gpu = (navigator as { gpu?: { requestAdapter(): Promise<GpuAdapterLike | null> } }).gpu;
    const info = (await gpu?.requestAdapter())?.info;
    return info ? [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') : '';
  }
  if (backend === 'webgl') {
    const gl = document.createElement('canvas').getContext('webgl2');
    const ext = gl?.getExtension('WEBGL_debug_renderer_info');
    return ext ? String(gl!.getParameter(ext.UNMASKED_RENDERER_WEBGL)) : '';
  }
  return '';
}

interface WorkerOutcome {
  device: string;
  threads: number;
  steps: StepTimingResult[];
  splitAB?: StepABResult[];
  skipped?: string;
}

/** Runs the plain training steps in stepWorker.ts and relays its log lines. */
function stepsInWorker(job: StepWorkerJob): Promise<WorkerOutcome> {
  const worker = new Worker(new URL('./stepWorker.ts', import.meta.url), { type: 'module' });
  const outcome: WorkerOutcome = { device: '', threads: 0, steps: [] };
  return new Promise<WorkerOutcome>((resolve) => {
    worker.onmessage = (event: MessageEvent<StepWorkerMessage>) => {
      const message = event.data;
      if (message.type === 'log') log(message.line);
      else if (message.type === 'started') {
        outcome.device = `${message.device}, crossOriginIsolated in the worker ${String(message.crossOriginIsolated)}`;
        outcome.threads = message.threads;
        log(`worker: ${outcome.device}, ${message.threads} kernel thread(s) running`);
      } else if (message.type === 'done') {
        outcome.steps = message.steps;
        outcome.splitAB = message.splitAB;
        resolve(outcome);
      } else {
        outcome.skipped = `${message.stage === 'start' ? 'could not start' : 'failed'}: ${message.message}`;
        resolve(outcome);
      }
    };
    worker.onerror = (event) => {
      outcome.skipped = `the step worker failed: ${event.message || 'could not load'}`;
      resolve(outcome);
    };
    worker.postMessage(job);
  }).finally(() => worker.terminate());
}

/** A result with this page's facts and nothing measured yet. */
function emptyResult(job: PageJob): PageResult {
  return {
    backend: job.backend,
    userAgent: navigator.userAgent,
    hardwareConcurrency: navigator.hardwareConcurrency,
    device: '',
    overhead: [],
    throughput: [],
  };
}

async function run(job: PageJob): Promise<PageResult> {
  const result = emptyResult(job);
  result.crossOriginIsolated = globalThis.crossOriginIsolated === true;
  if (job.backend === 'wasm') {
    if (job.steps || job.splitAB) {
      // The plain training steps run in a worker, with the requested kernel threads.
      const threads = job.threads ?? 1;
      log(`plain training steps in a worker, ${threads} kernel thread(s) requested`);
      const outcome = await stepsInWorker({ steps: job.steps, splitAB: job.splitAB, threads });
      result.threads = { requested: threads, ran: outcome.threads };
      result.device = outcome.device;
      if (outcome.skipped) result.skipped = outcome.skipped;
      else if (job.splitAB) result.splitAB = outcome.splitAB;
      else result.steps = outcome.steps;
      if (outcome.skipped || (job.overhead.length === 0 && !job.throughput)) return result;
    }
    // Overhead and throughput: the app's own activation on the page (tfjs wasm, binaries emitted
    // by Vite, + the SIMD training kernels, one thread).
    try {
      // Dynamic, as in backend.ts, so that the page's other backends do not load it.
      const { activateWasmTrainingBackend } =
        await import('../../src/train/wasm/loadTrainingKernels');
      const kernels = await activateWasmTrainingBackend();
      const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
      const onPage =
        `tfjs wasm${simd ? ' SIMD' : ''}, ${kernels.kernelNames.length} training kernels (${kernels.simd} SIMD build), ` +
        `heap mode ${kernels.heapMode()}, ${kernels.threads} thread(s)`;
      result.device = result.device
        ? `training steps: ${result.device}; overhead / throughput on the page: ${onPage}`
        : onPage;
    } catch (error) {
      result.skipped = error instanceof Error ? error.message : String(error);
      return result;
    }
  } else {
    const choice = await selectBackend([job.backend]);
    if (choice.active !== job.backend) {
      result.skipped = choice.skipped.map((s) => s.reason).join('; ') || 'not available';
      return result;
    }
    result.device = await deviceDescription(job.backend);
    if (job.requireGpu && (!result.device || isSoftwareAdapter(result.device))) {
      result.skipped = `no GPU: the adapter is ${result.device || 'not reported'} (a software rasteriser)`;
      log(result.skipped);
      return result;
    }
  }
  log(`backend ${tf.getBackend()} (${result.device})`);
  if (job.overhead.length > 0) {
    const response = await fetch('./data/mnist.bin');
    if (!response.ok) throw new Error(`mnist.bin: HTTP ${response.status}`);
    const mnist = parseMnistAsset(await response.arrayBuffer());
    for (const config of job.overhead) {
      log(`overhead ${config.model} ×${config.width}, batch ${config.batch}`);
      result.overhead.push(await measureOverhead(mnist, config, log));
    }
  }
  if (job.throughput) {
    log(`throughput, batch ${job.throughput.batch}`);
    result.throughput = await measureThroughput(job.throughput, log);
  }
  if (job.steps && job.backend !== 'wasm') {
    log(`plain training steps: ${job.steps.nets.map((n) => n.net).join(', ')}`);
    result.steps = await measureStepTimes(job.steps, log);
  }
  return result;
}

const job = JSON.parse(decodeURIComponent(location.hash.slice(1))) as PageJob;
// Start after the load event: the page driver (bench/browser.ts) waits for it before polling.
const loaded = new Promise<void>((resolve) =>
  document.readyState === 'complete' ? resolve() : addEventListener('load', () => resolve()),
);
loaded
  .then(() => run(job))
  .then((r) => (window.benchResult = r))
  .catch((error: unknown) => {
    log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    window.benchResult = {
      ...emptyResult(job),
      error: error instanceof Error ? error.message : String(error),
    };
  });
