/** What bench/browser.ts sends to the benchmark page and what it reads back. */
import type { SplitPolicy } from '../../src/train/wasm/registerTrainingKernels';
import type { StepABConfig, StepABResult, StepTimingConfig, StepTimingResult } from '../backends';
import type { OverheadConfig, OverheadResult, ThroughputConfig, ThroughputResult } from '../timing';

/**
 * tfjs backends the page can run: `wasm` is tfjs's wasm backend with the studio's SIMD training
 * kernels, started with the app's `activateWasmTrainingBackend`; `cpu` is tfjs's plain JS backend.
 */
export type BrowserBackend = 'wasm' | 'webgl' | 'webgpu' | 'cpu';

export interface PageJob {
  backend: BrowserBackend;
  /**
   * wasm only: threads of the studio's training kernels (`activateWasmTrainingBackend({ threads })`).
   * The plain training steps of a wasm job then run in a dedicated worker of the page (as the app
   * trains; a window may not block in Atomics.wait, so helpers need a worker), which reports how
   * many threads actually ran. Default 1.
   */
  threads?: number;
  overhead: OverheadConfig[];
  throughput?: ThroughputConfig;
  /**
   * webgl / webgpu: stop before training (skipped) when the adapter is a software rasteriser
   * (SwiftShader, llvmpipe): bench/gpu's real run wants a GPU.
   */
  requireGpu?: boolean;
  /** Plain training steps of nets A, B and the zoo models (bench/backends.ts). */
  steps?: StepTimingConfig;
  /**
   * wasm only, in the step worker with `threads` kernel threads: an interleaved A/B of split
   * policies on the plain training step (bench/thread-ab.ts).
   */
  splitAB?: StepABConfig<SplitPolicy>;
}

export interface PageResult {
  backend: BrowserBackend;
  userAgent: string;
  hardwareConcurrency: number;
  /** GPU adapter / WebGL renderer as the browser names it (SwiftShader: software on the CPU). */
  device: string;
  overhead: OverheadResult[];
  throughput: ThroughputResult[];
  steps?: StepTimingResult[];
  splitAB?: StepABResult[];
  /** wasm: threads requested and threads the kernels actually ran with (see PageJob.threads). */
  threads?: { requested: number; ran: number };
  /** Whether the page (and so its workers) was cross-origin isolated. */
  crossOriginIsolated?: boolean;
  /** Why the backend could not be used. */
  skipped?: string;
  error?: string;
}

/** A WebGPU adapter / WebGL renderer description that names a software rasteriser, not a GPU. */
export function isSoftwareAdapter(device: string): boolean {
  return /swiftshader|llvmpipe|lavapipe|software|microsoft basic render/i.test(device);
}
