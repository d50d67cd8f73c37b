/** What bench/browser.ts sends to the benchmark page and what it reads back. */
import type { OverheadConfig, OverheadResult, ThroughputConfig, ThroughputResult } from '../timing';

export type BrowserBackend = 'webgl' | 'webgpu';

export interface PageJob {
  backend: BrowserBackend;
  overhead: OverheadConfig[];
  throughput?: ThroughputConfig;
}

export interface PageResult {
  backend: BrowserBackend;
  userAgent: string;
  hardwareConcurrency: number;
  /** GPU adapter / WebGL renderer as the browser names it (SwiftShader: software on the CPU). */
  device: string;
  overhead: OverheadResult[];
  throughput: ThroughputResult[];
  /** Why the backend could not be used. */
  skipped?: string;
  error?: string;
}
