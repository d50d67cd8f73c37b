/**
 * The benchmark's settings: the default run (sized to finish in under 30 minutes on the 2-core
 * development machine) and `--quick` (a smoke run of a minute or two).
 */
import { MODEL_ZOO } from '../src/core/zoo';
import type { BrowserBackend } from './pages/protocol';
import type { NodeBackend } from './node-env';
import {
  BUDGET_METHODS,
  QUALITY_DATASETS,
  parseBudget,
  type QualityConfig,
  type QualityDataset,
} from './quality';
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

/** The budgets: flash 1/4, 1/16, 1/80, RAM 1/4, latency 1/8 and the board preset. */
export const QUALITY_BUDGETS = [
  'flash/4',
  'flash/16',
  'flash/80',
  'ram/4',
  'latency/8',
  'board',
].map(parseBudget);

/** Training lengths of the quality section: the short one and a realistic ≥ 3 epochs. */
export const QUALITY_LENGTHS = [240, 750];

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
    seeds: [1, 2, 3, 4, 5],
    budgets: QUALITY_BUDGETS,
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

/**
 * The quality section's flags, one config per training length:
 *   --steps 240,750        training lengths (default QUALITY_LENGTHS; --quick: its own)
 *   --seeds 1,2,3          seeds
 *   --budgets flash/4,ram/4,latency/8,flash/8+ram/2,board
 *   --model mnist-cnn --width 1
 *   --dataset mnist|textured   the task (textured: 10 textured colour shapes, 32×32×3)
 *   --methods pruning,uniform,magnitude,dpf,diagnostic
 *   --schedule 0.2,0.5     warm-up and pruning fractions
 *   --straight-through on|off   (a)'s masks (default: the trainer's)
 *   --settle 12            (a) removes the channels once they met every budget 12 pruning steps in a row
 *   --settle-band 0.1      ... and use at least 1 − 0.1 of the tightest one (1: no such wait)
 *   --exchange 64          (a) at removal: up to 64 one-channel moves between groups at the margin
 *   --offset-range 0.7     (a)'s π controller with a shared scale and offsets within ±0.7
 *   --importance-decay 0.98  (a)'s importance EMA decay per step (default the controller's)
 *   --rank-hysteresis 0.5  (a)'s rank hysteresis (default the controller's)
 *   --no-unpruned          skip the unpruned reference
 * Throws on a malformed value, naming the flag and what it accepts.
 */
export function qualityConfigs(
  args: readonly string[],
  base: QualityConfig,
  lengths: readonly number[],
): QualityConfig[] {
  const value = (name: string) => {
    const i = args.indexOf(name);
    if (i < 0) return undefined;
    const v = args[i + 1];
    if (v === undefined || v.startsWith('--')) throw new Error(`${name} needs a value.`);
    return v;
  };
  const numbers = (name: string, check: (n: number) => boolean, what: string) => {
    const v = value(name);
    if (v === undefined) return undefined;
    const list = v.split(',').map(Number);
    if (!list.length || list.some((n) => !Number.isFinite(n) || !check(n)))
      throw new Error(`${name} "${v}": expected a comma-separated list of ${what}.`);
    return list;
  };
  const steps = numbers('--steps', (n) => Number.isInteger(n) && n >= 10, 'whole step counts ≥ 10');
  const seeds = numbers('--seeds', (n) => Number.isInteger(n) && n >= 0, 'whole seeds ≥ 0');
  const width = numbers('--width', (n) => n > 0 && n <= 4, 'one width multiplier in (0, 4]');
  const schedule = numbers('--schedule', (n) => n >= 0 && n < 1, 'two fractions in [0, 1)');
  if (schedule && (schedule.length !== 2 || schedule[0] + schedule[1] >= 1))
    throw new Error('--schedule: expected "warmup,pruning", two fractions summing to less than 1.');
  const budgets = value('--budgets')?.split(',').map(parseBudget);
  const methodsText = value('--methods');
  const methods = methodsText?.split(',').map((m) => {
    if (!(BUDGET_METHODS as readonly string[]).includes(m))
      throw new Error(`--methods: unknown ${m}; known: ${BUDGET_METHODS.join(', ')}.`);
    return m as (typeof BUDGET_METHODS)[number];
  });
  const settle = numbers('--settle', (n) => Number.isInteger(n) && n >= 0, 'one step count ≥ 0');
  const band = numbers('--settle-band', (n) => n >= 0 && n <= 1, 'one fraction in [0, 1]');
  const exchange = numbers(
    '--exchange',
    (n) => Number.isInteger(n) && n >= 0,
    'one move count ≥ 0',
  );
  const range = numbers('--offset-range', (n) => n >= 0, 'one offset range ≥ 0 (log units)');
  const decay = numbers('--importance-decay', (n) => n >= 0 && n < 1, 'one decay in [0, 1)');
  const hysteresis = numbers('--rank-hysteresis', (n) => n >= 0, 'one hysteresis ≥ 0');
  const pruningOptions = {
    ...base.pruningOptions,
    ...(range ? { offsetRange: range[0] } : {}),
    ...(decay ? { importanceDecay: decay[0] } : {}),
    ...(hysteresis ? { rankHysteresis: hysteresis[0] } : {}),
  };
  const st = value('--straight-through');
  if (st !== undefined && st !== 'on' && st !== 'off')
    throw new Error(`--straight-through "${st}": expected on or off.`);
  const dataset = value('--dataset');
  if (dataset !== undefined && !(QUALITY_DATASETS as readonly string[]).includes(dataset))
    throw new Error(`--dataset "${dataset}": expected one of ${QUALITY_DATASETS.join(', ')}.`);
  const config: QualityConfig = {
    ...base,
    ...(dataset ? { dataset: dataset as QualityDataset } : {}),
    model: value('--model') ?? base.model,
    width: width?.[0] ?? base.width,
    seeds: seeds ?? base.seeds,
    budgets: budgets ?? base.budgets,
    methods: methods ?? base.methods,
    unprunedReference: args.includes('--no-unpruned') ? false : base.unprunedReference,
    ...(schedule ? { warmupFraction: schedule[0], pruneFraction: schedule[1] } : {}),
    ...(st ? { straightThrough: st === 'on' } : {}),
    ...(settle ? { settleSteps: settle[0] } : {}),
    ...(band ? { settleBand: band[0] } : {}),
    ...(exchange ? { exchangeMoves: exchange[0] } : {}),
    ...(range || decay || hysteresis ? { pruningOptions } : {}),
  };
  return (steps ?? lengths).map((n) => ({ ...config, steps: n }));
}
