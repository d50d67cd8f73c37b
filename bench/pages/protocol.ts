/** What bench/browser.ts sends to the benchmark page and what it reads back. */
import type { StepTimingConfig, StepTimingResult } from '../backends';
import type { OverheadConfig, OverheadResult, ThroughputConfig, ThroughputResult } from '../timing';

/**
 * tfjs backends the page can run: `wasm` is tfjs's wasm backend with the studio's SIMD training
 * kernels, started with the app's `activateWasmTrainingBackend`; `cpu` is tfjs's plain JS backend.
 */
export type BrowserBackend = 'wasm' | 'webgl' | 'webgpu' | 'cpu';

export interface PageJob {
  backend: BrowserBackend;
  overhead: OverheadConfig[];
  throughput?: ThroughputConfig;
  /** Plain training steps of nets A, B and the zoo models (bench/backends.ts). */
  steps?: StepTimingConfig;
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
  /** Why the backend could not be used. */
  skipped?: string;
  error?: string;
}
