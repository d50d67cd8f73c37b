/**
 * The benchmark's settings: the default run (sized to finish in under 30 minutes on the 2-core
 * development machine) and `--quick` (a smoke run of a minute or two).
 */
import { MODEL_ZOO } from '../src/core/zoo';
import type { BrowserBackend } from './pages/protocol';
import type { NodeBackend } from './node-env';
import type { QualityConfig } from './quality';
import type { OverheadConfig, ThroughputConfig } from './timing';

export type Backend = NodeBackend | BrowserBackend;

export interface BenchSettings {
  mode: 'default' | 'quick';
  /** Backend of the quality runs (the fastest one that trains in Node). */
  qualityBackend: NodeBackend;
  quality: QualityConfig;
  overhead: Partial<Record<Backend, OverheadConfig[]>>;
  throughput: Partial<Record<Backend, ThroughputConfig>>;
  /** Per browser page (one backend), in ms. */
  browserTimeoutMs: number;
}

const ALL_MODELS = MODEL_ZOO.map((m) => m.id);

/** The overhead network every backend runs: the MNIST CNN at a quarter width. */
function overhead(width: number, pairs: number, wholeRunSteps: number, batch = 32): OverheadConfig {
  return {
    model: 'mnist-cnn',
    width,
    batch,
    stepPairs: pairs,
    wholeRunSteps,
    flashFraction: 1 / 4,
    learningRate: 0.002,
    seed: 1,
    board: 'stm32f746g-disco',
  };
}

function throughput(batch: number, steps: number, models = ALL_MODELS): ThroughputConfig {
  return { models, batch, warmupSteps: 1, steps };
}

export const DEFAULT_SETTINGS: BenchSettings = {
  mode: 'default',
  qualityBackend: 'wasm',
  quality: {
    model: 'mnist-cnn',
    width: 1,
    steps: 240,
    batch: 32,
    learningRate: 0.002,
    warmupFraction: 0.2,
    pruneFraction: 0.5,
    seeds: [1, 2, 3],
    budgets: [
      { resource: 'flash', divisor: 4 },
      { resource: 'flash', divisor: 16 },
      { resource: 'flash', divisor: 80 },
      { resource: 'ram', divisor: 4 },
    ],
    validationSamples: 2000,
    unprunedReference: true,
    board: 'stm32f746g-disco',
  },
  overhead: {
    cpu: [overhead(0.25, 3, 10, 16)],
    // The second wasm row is the quality section's network and schedule (240 steps, batch 32).
    wasm: [overhead(0.25, 20, 60), overhead(1, 20, 240)],
    webgl: [overhead(0.25, 5, 20)],
    webgpu: [overhead(0.25, 3, 10)],
  },
  throughput: {
    cpu: throughput(4, 2),
    wasm: throughput(32, 5),
    webgl: throughput(16, 2),
    webgpu: throughput(8, 2),
  },
  browserTimeoutMs: 12 * 60_000,
};

export const QUICK_SETTINGS: BenchSettings = {
  mode: 'quick',
  qualityBackend: 'wasm',
  quality: {
    ...DEFAULT_SETTINGS.quality,
    steps: 20,
    seeds: [1],
    validationSamples: 200,
    unprunedReference: false,
  },
  overhead: {
    cpu: [overhead(0.125, 1, 5, 8)],
    wasm: [overhead(0.25, 3, 10)],
    webgl: [overhead(0.125, 1, 5, 8)],
    webgpu: [overhead(0.125, 1, 5, 8)],
  },
  throughput: {
    cpu: throughput(4, 1, ['tiny-cnn', 'ds-cnn']),
    wasm: throughput(8, 2),
    webgl: throughput(8, 1, ['tiny-cnn', 'ds-cnn']),
    webgpu: throughput(8, 1, ['tiny-cnn', 'ds-cnn']),
  },
  browserTimeoutMs: 4 * 60_000,
};
