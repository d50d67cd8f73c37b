/**
 * Timing measurements that run on whatever tfjs backend is active, in Node or in the browser:
 * the pruning overhead (interleaved A/B steps, and whole runs stepped alternately) and the
 * training throughput of the zoo models.
 */
import { analyseGraph, type AnalysedGraph } from '../src/core/graphAnalysis';
import { zooModel } from '../src/core/zoo';
import type { Dataset } from '../src/data/dataset';
import { createResourceEstimator } from '../src/train/estimator';
import { PruningTrainer, type TrainerSettings } from '../src/train/trainer';
import { median, sum } from './stats';
import { randomDataset } from './synthetic';

export type Progress = (line: string) => void;

export interface OverheadConfig {
  model: string;
  width: number;
  batch: number;
  /** Interleaved (pruning, plain) step pairs measured after one warm-up step of each. */
  stepPairs: number;
  /** Steps of each whole run (prune-while-training vs plain), stepped alternately. */
  wholeRunSteps: number;
  /** Flash budget of the pruning runs, as a fraction of the unpruned model's flash. */
  flashFraction: number;
  learningRate: number;
  seed: number;
  board: string;
}

export interface OverheadResult {
  model: string;
  width: number;
  batch: number;
  pairs: number;
  pruningStepMs: number;
  plainStepMs: number;
  /** Median pruning-phase step / median plain step. */
  stepRatio: number;
  wholeRun: {
    steps: number;
    pruningMs: number;
    plainMs: number;
    /** Whole prune-while-training run / whole plain run, same steps. */
    ratio: number;
    /** Median step of each phase of the pruning run, and of the plain run over the same steps. */
    phases: { phase: string; steps: number; pruningStepMs: number; plainStepMs: number }[];
    /** Flash of the final pruned model / unpruned flash. */
    flashKept: number;
  };
}

function buildZoo(model: string, width: number, dataset: Dataset): AnalysedGraph {
  return analyseGraph(
    zooModel(model).build({
      inputShape: dataset.inputShape,
      numClasses: dataset.numClasses,
      widthMultiplier: width,
    }),
  );
}

/**
 * Trainer settings for timing steps: a run that never ends and is always in its pruning
 * phase (with `pruning: false`, plain training), learning rate 0.002 and seed 1 unless given.
 */
export function endlessRun(
  batchSize: number,
  overrides: Partial<TrainerSettings> = {},
): TrainerSettings {
  return {
    totalSteps: 1_000_000,
    warmupFraction: 0,
    pruneFraction: 1,
    batchSize,
    learningRate: 0.002,
    seed: 1,
    budgets: {},
    validationEvery: 0,
    validationSamples: 0,
    ...overrides,
  };
}

async function timedStep(trainer: PruningTrainer): Promise<number> {
  const began = performance.now();
  await trainer.trainStep();
  return performance.now() - began;
}

/**
 * Pruning overhead on the active backend. Both trainers see the same batches and the same
 * initial weights; their steps alternate (P Q, Q P, …) so that machine noise hits both alike.
 */
export async function measureOverhead(
  dataset: Dataset,
  config: OverheadConfig,
  progress: Progress = () => {},
): Promise<OverheadResult> {
  const analysed = buildZoo(config.model, config.width, dataset);
  const estimator = createResourceEstimator(analysed, config.board);
  const unprunedFlash = estimator.report(analysed.groups.map((g) => g.size)).values.flash;
  const budgets = { flash: unprunedFlash * config.flashFraction };
  const base: TrainerSettings = {
    totalSteps: config.wholeRunSteps,
    warmupFraction: 0.2,
    pruneFraction: 0.5,
    batchSize: config.batch,
    learningRate: config.learningRate,
    seed: config.seed,
    budgets,
    validationEvery: 0,
    validationSamples: 0,
  };

  // 1. Per step: a trainer that is always in its pruning phase vs plain training.
  const forever = { totalSteps: 1_000_000, warmupFraction: 0, pruneFraction: 1 };
  const pruning = new PruningTrainer(analysed, dataset, { ...base, ...forever }, estimator);
  const plain = new PruningTrainer(
    analysed,
    dataset,
    { ...base, ...forever, pruning: false },
    estimator,
  );
  await timedStep(pruning); // warm-up: kernel compilation, optimiser state
  await timedStep(plain);
  const p: number[] = [];
  const q: number[] = [];
  for (let i = 0; i < config.stepPairs; i++) {
    if (i % 2 === 0) {
      p.push(await timedStep(pruning));
      q.push(await timedStep(plain));
    } else {
      q.push(await timedStep(plain));
      p.push(await timedStep(pruning));
    }
  }
  pruning.dispose();
  plain.dispose();
  const pruningStepMs = median(p);
  const plainStepMs = median(q);
  progress(
    `  step: pruning ${pruningStepMs.toFixed(1)} ms, plain ${plainStepMs.toFixed(1)} ms (median of ${config.stepPairs})`,
  );

  // 2. Whole runs, stepped alternately: warm-up, pruning, repair + removal, fine-tune.
  const whole = new PruningTrainer(analysed, dataset, base, estimator);
  const reference = new PruningTrainer(analysed, dataset, { ...base, pruning: false }, estimator);
  const phaseOf: string[] = [];
  const wp: number[] = [];
  const wq: number[] = [];
  for (let i = 0; i < config.wholeRunSteps; i++) {
    phaseOf.push(whole.phase);
    if (i % 2 === 0) {
      wp.push(await timedStep(whole));
      wq.push(await timedStep(reference));
    } else {
      wq.push(await timedStep(reference));
      wp.push(await timedStep(whole));
    }
  }
  const finalFlash = estimator.report(whole.keptCounts()).values.flash;
  whole.dispose();
  reference.dispose();
  const phases = ['warmup', 'pruning', 'finetune']
    .map((phase) => {
      const idx = phaseOf.flatMap((ph, i) => (ph === phase ? [i] : []));
      return {
        phase,
        steps: idx.length,
        pruningStepMs: median(idx.map((i) => wp[i])),
        plainStepMs: median(idx.map((i) => wq[i])),
      };
    })
    .filter((ph) => ph.steps > 0);
  const pruningMs = sum(wp);
  const plainMs = sum(wq);
  progress(
    `  whole run (${config.wholeRunSteps} steps): pruning ${(pruningMs / 1000).toFixed(1)} s, plain ${(plainMs / 1000).toFixed(1)} s`,
  );
  return {
    model: config.model,
    width: config.width,
    batch: config.batch,
    pairs: config.stepPairs,
    pruningStepMs,
    plainStepMs,
    stepRatio: pruningStepMs / plainStepMs,
    wholeRun: {
      steps: config.wholeRunSteps,
      pruningMs,
      plainMs,
      ratio: pruningMs / plainMs,
      phases,
      flashKept: finalFlash / unprunedFlash,
    },
  };
}

export interface ThroughputConfig {
  models: readonly string[];
  batch: number;
  warmupSteps: number;
  steps: number;
}

export interface ThroughputResult {
  model: string;
  input: string;
  batch: number;
  /** Multiply-accumulates of one inference (the resource model's count). */
  macs: number;
  stepMs: number;
  samplesPerSecond: number;
  steps: number;
  error?: string;
}

/**
 * Training throughput of each zoo model at its default input, classes and width, on random
 * data: median pruning-phase step (forward, backward, Adam, importances, π update).
 */
export async function measureThroughput(
  config: ThroughputConfig,
  progress: Progress = () => {},
): Promise<ThroughputResult[]> {
  const results: ThroughputResult[] = [];
  for (const id of config.models) {
    const zoo = zooModel(id);
    const dataset = randomDataset(
      zoo.defaultInput,
      zoo.defaultClasses,
      Math.max(64, config.batch * 2),
    );
    const analysed = buildZoo(id, 1, dataset);
    const estimator = createResourceEstimator(analysed, 'stm32f746g-disco');
    const full = estimator.report(analysed.groups.map((g) => g.size)).values;
    const row: ThroughputResult = {
      model: id,
      input: zoo.defaultInput.join('×'),
      batch: config.batch,
      macs: full.macs,
      stepMs: NaN,
      samplesPerSecond: NaN,
      steps: config.steps,
    };
    let trainer: PruningTrainer | undefined;
    try {
      trainer = new PruningTrainer(
        analysed,
        dataset,
        endlessRun(config.batch, { budgets: { flash: full.flash / 4 } }),
        estimator,
      );
      for (let i = 0; i < config.warmupSteps; i++) await timedStep(trainer);
      const times: number[] = [];
      for (let i = 0; i < config.steps; i++) times.push(await timedStep(trainer));
      row.stepMs = median(times);
      row.samplesPerSecond = (config.batch * 1000) / row.stepMs;
    } catch (error) {
      row.error = error instanceof Error ? error.message : String(error);
    } finally {
      trainer?.dispose();
    }
    progress(
      `  ${id}: ${row.error ? `failed: ${row.error}` : `${row.stepMs.toFixed(0)} ms/step, ${row.samplesPerSecond.toFixed(1)} samples/s`}`,
    );
    results.push(row);
  }
  return results;
}
