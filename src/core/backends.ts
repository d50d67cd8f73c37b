/**
 * The tfjs backends a run can train on, as the trainer, the worker protocol and the page name
 * them (one vocabulary; the protocol re-exports it).
 */

export type BackendName = 'webgpu' | 'webgl' | 'cpu' | 'wasm';

/** 'auto' measures every backend that works and picks the fastest. */
export type BackendSetting = 'auto' | BackendName;

export interface BackendTiming {
  name: BackendName;
  /** Median time of one probe training step, in milliseconds. */
  msPerStep: number;
}
