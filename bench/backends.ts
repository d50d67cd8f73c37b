/**
 * ms per plain training step (the app's `PruningTrainer` with `pruning: false`: MaskedNetwork
 * forward, backward, WeightAdam, loss and accuracy read back) of the issue's two networks and of
 * every zoo model, on whatever tfjs backend is active. Runs in the benchmark page (one page per
 * backend) and in Node (bench.test.ts); the PyTorch reference (pytorch_reference.py) builds the
 * same networks.
 */
import type { NetworkGraph } from '../src/core/graph';
import { analyseGraph } from '../src/core/graphAnalysis';
import { zooModel } from '../src/core/zoo';
import { createResourceEstimator } from '../src/train/estimator';
import { PruningTrainer } from '../src/train/trainer';
import { median } from './stats';
import { randomDataset } from './synthetic';
import { endlessRun, type Progress } from './timing';

/** A network of the backend table: 'net-A', 'net-B' or a zoo id, at one batch size. */
export interface StepNet {
  net: string;
  batch: number;
  /** Override the config's warm-up / timed steps for this network (the slowest backends). */
  warmupSteps?: number;
  steps?: number;
}

export interface StepTimingConfig {
  nets: readonly StepNet[];
  warmupSteps: number;
  steps: number;
}

export interface StepTimingResult {
  net: string;
  input: string;
  batch: number;
  /** Multiply-accumulates of one inference of one sample (the resource model's count). */
  macs: number;
  warmupSteps: number;
  steps: number;
  /** Median and minimum of the timed steps. */
  stepMs: number;
  minMs: number;
  /** Repeated runs of the section (`--repeat N`): each run's median; stepMs is their median. */
  repeats?: number[];
  error?: string;
}

/**
 * The issue's networks: 3×3 'same' convs without bias, each followed by batch norm and ReLU
 * (the second and third with stride 2), global average pooling, dense 10.
 *   A: 28×28×1, conv16 → conv32 s2 → conv32 s2 (batch 32)
 *   B: 32×32×3, conv32 → conv64 s2 → conv64 s2 (batch 64)
 */
export const ISSUE_NETS: Record<
  string,
  { input: [number, number, number]; filters: number[]; batch: number }
> = {
  'net-A': { input: [28, 28, 1], filters: [16, 32, 32], batch: 32 },
  'net-B': { input: [32, 32, 3], filters: [32, 64, 64], batch: 64 },
};

export function issueNetGraph(id: string): NetworkGraph {
  const spec = ISSUE_NETS[id];
  if (!spec) throw new Error(`unknown network ${id}`);
  const nodes: NetworkGraph['nodes'][number][] = [
    { id: 'input', op: 'input', inputs: [], shape: spec.input },
  ];
  let x = 'input';
  spec.filters.forEach((filters, i) => {
    const n = i + 1;
    nodes.push(
      {
        id: `conv${n}`,
        op: 'conv2d',
        inputs: [x],
        filters,
        kernelSize: [3, 3],
        strides: i === 0 ? [1, 1] : [2, 2],
        padding: 'same',
        useBias: false,
      },
      { id: `bn${n}`, op: 'batchNorm', inputs: [`conv${n}`] },
      { id: `relu${n}`, op: 'relu', inputs: [`bn${n}`] },
    );
    x = `relu${n}`;
  });
  nodes.push(
    { id: 'gap', op: 'globalAvgPool', inputs: [x] },
    { id: 'logits', op: 'dense', inputs: ['gap'], units: 10, useBias: true },
  );
  return { name: `issue ${id}`, nodes, output: 'logits' };
}

function netGraph(net: string, width = 1): { graph: NetworkGraph; classes: number } {
  if (ISSUE_NETS[net]) return { graph: issueNetGraph(net), classes: 10 };
  const zoo = zooModel(net);
  return {
    graph: zoo.build({
      inputShape: zoo.defaultInput,
      numClasses: zoo.defaultClasses,
      widthMultiplier: width,
    }),
    classes: zoo.defaultClasses,
  };
}

/** Input shape of a network's graph. */
function inputShapeOf(graph: NetworkGraph): [number, number, number] {
  const input = graph.nodes.find((n) => n.op === 'input');
  if (!input || input.op !== 'input') throw new Error(`${graph.name} has no input`);
  return [...input.shape];
}

/**
 * The studio's trainer on a network (net-A, net-B or a zoo model id at `width`), on random
 * data, stepping forever at `batch`: plain training steps, or pruning ones (`pruning`).
 */
export function stepTrainer(
  net: string,
  batch: number,
  { width = 1, pruning = false }: { width?: number; pruning?: boolean } = {},
): { trainer: PruningTrainer; inputShape: [number, number, number]; macs: number } {
  const { graph, classes } = netGraph(net, width);
  const analysed = analyseGraph(graph);
  const estimator = createResourceEstimator(analysed, 'stm32f746g-disco');
  const inputShape = inputShapeOf(graph);
  const dataset = randomDataset(inputShape, classes, Math.max(64, batch * 2));
  const trainer = new PruningTrainer(analysed, dataset, endlessRun(batch, { pruning }), estimator);
  const macs = estimator.report(analysed.groups.map((g) => g.size)).values.macs;
  return { trainer, inputShape, macs };
}

async function timedStep(trainer: PruningTrainer): Promise<number> {
  // Yield to the event loop first (not timed): tfjs cpu resolves its reads as microtasks, and a
  // page that never yields misses its load event and the driver's polling for minutes.
  await new Promise((resolve) => setTimeout(resolve, 0));
  const began = performance.now();
  await trainer.trainStep();
  return performance.now() - began;
}

/**
 * `body` on a fresh trainer of the network (stepTrainer), the row given its input and MACs;
 * an error lands in row.error, and the trainer is disposed either way.
 */
async function onStepTrainer(
  net: string,
  batch: number,
  row: { input: string; macs: number; error?: string },
  body: (trainer: PruningTrainer) => Promise<void>,
): Promise<void> {
  let trainer: PruningTrainer | undefined;
  try {
    const built = stepTrainer(net, batch);
    trainer = built.trainer;
    row.input = built.inputShape.join('×');
    row.macs = built.macs;
    await body(trainer);
  } catch (error) {
    row.error = error instanceof Error ? error.message : String(error);
  } finally {
    trainer?.dispose();
  }
}

/** Median ms per plain training step of each network, on the active backend, random data. */
export async function measureStepTimes(
  config: StepTimingConfig,
  progress: Progress = () => {},
): Promise<StepTimingResult[]> {
  const results: StepTimingResult[] = [];
  for (const { net, batch, ...own } of config.nets) {
    const warmupSteps = own.warmupSteps ?? config.warmupSteps;
    const steps = own.steps ?? config.steps;
    const row: StepTimingResult = {
      net,
      input: '',
      batch,
      macs: NaN,
      warmupSteps,
      steps,
      stepMs: NaN,
      minMs: NaN,
    };
    await onStepTrainer(net, batch, row, async (trainer) => {
      for (let i = 0; i < warmupSteps; i++) await timedStep(trainer);
      const times: number[] = [];
      for (let i = 0; i < steps; i++) times.push(await timedStep(trainer));
      row.stepMs = median(times);
      row.minMs = Math.min(...times);
    });
    progress(
      `  ${net} batch ${batch}: ${row.error ? `failed: ${row.error}` : `${row.stepMs.toFixed(1)} ms/step (min ${row.minMs.toFixed(1)})`}`,
    );
    results.push(row);
  }
  return results;
}

/** One side of an interleaved A/B: a name and how to switch the backend to it between steps. */
export interface StepVariant<S> {
  name: string;
  setting: S;
}

export interface StepABConfig<S> {
  nets: readonly StepNet[];
  variants: readonly StepVariant<S>[];
  /** Rounds per network; each round runs every variant in turn. */
  rounds: number;
  /** Timed steps per variant and round, after one untimed step under the new setting. */
  stepsPerRound: number;
  /** Untimed steps per network before the first round. */
  warmupSteps: number;
}

export interface StepABVariantResult {
  name: string;
  /** Every timed step, round by round. */
  times: number[];
  stepMs: number;
  minMs: number;
  /** Per round: this variant's median over the first variant's median in the same round. */
  roundRatios: number[];
  /** Of `count` (e.g. the kernels' split calls), per timed step; NaN without one. */
  countPerStep: number;
}

export interface StepABResult {
  net: string;
  input: string;
  batch: number;
  macs: number;
  variants: StepABVariantResult[];
  error?: string;
}

/**
 * Interleaved A/B of backend settings on the plain training step: per network one trainer, and
 * rounds in which every variant runs `stepsPerRound` timed steps after `apply(setting)`, so that
 * load from other jobs on the machine hits every variant alike (round r starts with variant r,
 * so that none always runs first). Ratios are paired per round.
 */
export async function measureStepAB<S>(
  config: StepABConfig<S>,
  apply: (setting: S) => void,
  progress: Progress = () => {},
  count?: () => number,
): Promise<StepABResult[]> {
  const results: StepABResult[] = [];
  for (const { net, batch } of config.nets) {
    const row: StepABResult = { net, input: '', batch, macs: NaN, variants: [] };
    await onStepTrainer(net, batch, row, async (trainer) => {
      apply(config.variants[0].setting);
      for (let i = 0; i < config.warmupSteps; i++) await timedStep(trainer);
      const rounds = config.variants.map(() => [] as number[][]);
      const counted = config.variants.map(() => 0);
      for (let round = 0; round < config.rounds; round++) {
        // Each round starts one variant later, so that no variant always runs first or last.
        for (let k = 0; k < config.variants.length; k++) {
          const v = (k + round) % config.variants.length;
          const variant = config.variants[v];
          apply(variant.setting);
          await timedStep(trainer);
          const times: number[] = [];
          const before = count?.() ?? NaN;
          for (let i = 0; i < config.stepsPerRound; i++) times.push(await timedStep(trainer));
          counted[v] += (count?.() ?? NaN) - before;
          rounds[v].push(times);
        }
      }
      row.variants = config.variants.map(({ name }, v) => {
        const times = rounds[v].flat();
        return {
          name,
          times,
          stepMs: median(times),
          minMs: Math.min(...times),
          roundRatios: rounds[v].map((t, r) => median(t) / median(rounds[0][r])),
          countPerStep: counted[v] / times.length,
        };
      });
    });
    progress(
      `  ${net} batch ${batch}: ${
        row.error
          ? `failed: ${row.error}`
          : row.variants
              .map((v) => `${v.name} ${v.stepMs.toFixed(1)} (×${median(v.roundRatios).toFixed(2)})`)
              .join(', ')
      }`,
    );
    results.push(row);
  }
  return results;
}
