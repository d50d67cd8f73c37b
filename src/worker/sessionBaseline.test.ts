import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { arenaTimeline } from '../core/arenaTimeline';
import { analyseGraph } from '../core/graphAnalysis';
import { uniformKept } from '../core/uniformWidth';
import { zooModel } from '../core/zoo';
import { createResourceEstimator } from '../train/estimator';
import { selectBackend } from '../train/backend';
import { MemoryCheckpointStore } from './checkpointStore';
import type { RunConfig, UniformBaseline, WorkerEvent } from './protocol';
import { TrainingSession } from './session';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const analysed = analyseGraph(
  zooModel('tiny-cnn').build({ inputShape: [12, 12, 1], numClasses: 3, widthMultiplier: 1 }),
);
const estimator = createResourceEstimator(analysed, 'stm32f746g-disco');
const unpruned = estimator.report(analysed.groups.map((g) => g.size)).values;
const budgets = { flash: Math.round(unpruned.flash * 0.5), ram: Math.ceil(unpruned.ram) };

const config: RunConfig = {
  dataset: { kind: 'generated', seed: 1, classes: 3, size: 12, samples: 240 },
  modelId: 'tiny-cnn',
  widthMultiplier: 1,
  boardId: 'stm32f746g-disco',
  budgets,
  schedule: { totalSteps: 12, warmupFraction: 0.25, pruneFraction: 0.5 },
  batchSize: 8,
  learningRate: 0.01,
  seed: 1,
};

async function session(): Promise<{ s: TrainingSession; events: WorkerEvent[] }> {
  const events: WorkerEvent[] = [];
  const s = new TrainingSession((e) => events.push(e), selectBackend, new MemoryCheckpointStore());
  await s.handle({ type: 'init', backends: ['cpu'] });
  return { s, events };
}

const ofType = <T extends WorkerEvent['type']>(events: WorkerEvent[], type: T) =>
  events.filter((e): e is Extract<WorkerEvent, { type: T }> => e.type === type);

describe('after a run: memory plan, float vs int8, and the uniform-width baseline', () => {
  it('sends the planned arena, the int8 comparison, and trains the baseline once', async () => {
    const { s, events } = await session();
    await s.handle({ type: 'start', config });
    const summary = ofType(events, 'finished')[0]?.summary;
    if (!summary) throw new Error(JSON.stringify(ofType(events, 'notice')));
    expect(summary).toBeDefined();
    const deployment = ofType(events, 'deployment')[0]?.deployment;
    expect(deployment).toBeDefined();

    // The memory timeline's data: the planner's buffers in the deployed order; its peak is the
    // one the report names, and an operator of the per-layer table.
    const arena = deployment!.facts.arena;
    expect(arena.buffers.length).toBeGreaterThan(arena.operatorOrder.length);
    const timeline = arenaTimeline(arena.operatorOrder, arena.buffers);
    expect(timeline.peakOperator).toBe(arena.peakOperator);
    expect(timeline.plannedBytes).toBe(arena.plannedActivationBytes);
    const metrics = ofType(events, 'metrics').at(-1)!.metrics;
    expect(metrics.layers.map((l) => l.node)).toContain(arena.peakOperator);

    // Float vs int8 on the same samples: the accuracies the page and the report show.
    const comparison = deployment!.comparison!;
    expect(comparison.int8Accuracy).toBe(deployment!.int8Accuracy);
    expect(comparison.floatAccuracy).toBe(deployment!.floatAccuracy);
    const int8Matrix = ofType(events, 'evaluation').find((e) => e.evaluation.model === 'int8');
    expect(int8Matrix?.evaluation.accuracy).toBeCloseTo(comparison.int8Accuracy, 12);
    expect(comparison.perClass.reduce((n, k) => n + k.samples, 0)).toBe(comparison.samples);
    // Pictures of the samples that differ most, in the same order, each rescaled to 0..255.
    const pictures = deployment!.differencePictures!;
    expect(pictures.validationIndex).toEqual(comparison.largestDifferences.map((d) => d.sample));
    expect(pictures.pixels.length).toBe(pictures.count * 12 * 12);
    if (pictures.count > 0) {
      const first = pictures.pixels.subarray(0, 144);
      expect(Math.max(...first)).toBe(255);
      expect(Math.min(...first)).toBe(0);
    }

    // The baseline: one uniform width, trained the run's steps, fitting the run's budgets.
    await s.handle({ type: 'trainBaseline' });
    const done = ofType(events, 'baseline').filter((e) => e.baseline);
    expect(done).toHaveLength(1);
    expect(done[0].runId).toBe(summary!.id);
    const baseline = done[0].baseline as UniformBaseline;
    expect(baseline.steps).toBe(config.schedule.totalSteps);
    expect(baseline.ratio).toBeGreaterThan(0);
    expect(baseline.ratio).toBeLessThan(1);
    const kept = uniformKept(analysed, baseline.ratio);
    expect(baseline.keptPerGroup.map((g) => g.kept)).toEqual(
      kept.filter((_, g) => analysed.groups[g].prunable),
    );
    expect(baseline.fits).toBe(true);
    expect(baseline.resources.flash).toBeLessThanOrEqual(budgets.flash);
    expect(baseline.resources.ram).toBeLessThanOrEqual(budgets.ram);
    // Its own (physically smaller) network costs what the run's model says of those widths.
    const masked = estimator.report(kept).values;
    expect(baseline.resources.flash).toBe(masked.flash);
    expect(baseline.resources.ram).toBe(masked.ram);
    expect(baseline.accuracy).toBeGreaterThanOrEqual(0);
    expect(baseline.validationSamples).toBe(summary!.validationSamples);

    // Asked again: the same result at once, no second training.
    const before = ofType(events, 'baseline').length;
    await s.handle({ type: 'trainBaseline' });
    const again = ofType(events, 'baseline').slice(before);
    expect(again).toEqual([
      { type: 'baseline', runId: summary!.id, step: 12, totalSteps: 12, baseline },
    ]);
  }, 180_000);

  it('says a baseline needs a finished run, and names a budget no uniform width meets', async () => {
    const { s, events } = await session();
    await s.handle({ type: 'trainBaseline' });
    expect(events.at(-1)).toEqual(
      expect.objectContaining({
        type: 'notice',
        message: expect.stringMatching(/finish one first/),
      }),
    );
    await s.handle({ type: 'start', config: { ...config, budgets: {} } });
    // Budgets tightened below one channel per group after the run (the run trained unlimited).
    (s as unknown as { run: { trainer: { budgets: object } } }).run.trainer.budgets = { flash: 1 };
    await s.handle({ type: 'trainBaseline' });
    const failed = ofType(events, 'baseline').at(-1);
    expect(failed?.error).toMatch(
      /could not be trained: Even one channel per group exceeds the flash budget/,
    );
  }, 120_000);
});
