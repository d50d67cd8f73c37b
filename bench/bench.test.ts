// Runs the benchmark's core pieces once with tiny settings on tfjs cpu, so that `npm run bench`
// does not rot. The numbers are not checked, only that every piece runs and reports sane values.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyseGraph } from '../src/core/graphAnalysis';
import { zooModel } from '../src/core/zoo';
import { generateShapes } from '../src/data/generated';
import { createResourceEstimator } from '../src/train/estimator';
import type { LayerWeights } from '../src/train/network';
import { issueNetGraph, measureStepTimes } from './backends';
import { backendsMarkdown } from './backends-report';
import { machineInfo } from './node-env';
import {
  filterNorms,
  largestUniformRatio,
  runQuality,
  topChannels,
  uniformKept,
  type QualityConfig,
} from './quality';
import { overheadMarkdown, qualityMarkdown, throughputMarkdown } from './report';
import { measureOverhead, measureThroughput } from './timing';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const dataset = generateShapes({ size: 12, classes: 4, samples: 240, seed: 1 });
const tiny = () =>
  analyseGraph(
    zooModel('tiny-cnn').build({ inputShape: [12, 12, 1], numClasses: 4, widthMultiplier: 2 }),
  );

describe('bench pieces', () => {
  it('finds the largest uniform width that fits a budget, and it is tight', () => {
    const analysed = tiny();
    const estimator = createResourceEstimator(analysed, 'stm32f746g-disco');
    const full = estimator.report(analysed.groups.map((g) => g.size)).values;
    const budget = { flash: full.flash / 4 };
    const { ratio, kept } = largestUniformRatio(analysed, estimator, budget);
    expect(estimator.report(kept).values.flash).toBeLessThanOrEqual(budget.flash);
    const wider = uniformKept(analysed, Math.min(1, ratio + 0.05));
    expect(estimator.report(wider).values.flash).toBeGreaterThan(budget.flash);
  });

  it('ranks filters by the L1 norm of their kernel', () => {
    const analysed = tiny();
    const conv = analysed.topoOrder.find((id) => analysed.nodes.get(id)!.op === 'conv2d')!;
    const group = analysed.channelSegments.get(conv)![0].group;
    const size = analysed.groups[group].size;
    // 3×3×1×C kernel whose filter c has every weight equal to ±c.
    const kernel = Float32Array.from({ length: 9 * size }, (_, i) => (i % size) * (i % 2 ? -1 : 1));
    const norms = filterNorms(analysed, new Map<string, LayerWeights>([[conv, { kernel }]]));
    expect(Array.from(norms[group])).toEqual(Array.from({ length: size }, (_, c) => 9 * c));
    expect(topChannels(norms[group], 3)).toEqual([size - 3, size - 2, size - 1]);
  });

  it('measures overhead, throughput and quality and renders their tables', async () => {
    const machine = machineInfo();
    const overhead = await measureOverhead(dataset, {
      model: 'tiny-cnn',
      width: 1,
      batch: 8,
      stepPairs: 2,
      wholeRunSteps: 10,
      flashFraction: 0.25,
      learningRate: 0.01,
      seed: 1,
      board: 'stm32f746g-disco',
    });
    expect(overhead.stepRatio).toBeGreaterThan(0);
    expect(overhead.wholeRun.phases.map((p) => p.phase)).toEqual(['warmup', 'pruning', 'finetune']);
    expect(overhead.wholeRun.flashKept).toBeLessThan(1); // 1/4 is below this tiny net's minimum

    const throughput = await measureThroughput({
      models: ['tiny-cnn'],
      batch: 4,
      warmupSteps: 1,
      steps: 1,
    });
    expect(throughput[0].error).toBeUndefined();
    expect(throughput[0].samplesPerSecond).toBeGreaterThan(0);

    const config: QualityConfig = {
      model: 'tiny-cnn',
      width: 2,
      steps: 10,
      batch: 8,
      learningRate: 0.01,
      warmupFraction: 0.2,
      pruneFraction: 0.5,
      seeds: [1],
      budgets: [{ resource: 'flash', divisor: 4 }],
      validationSamples: 40,
      unprunedReference: true,
      board: 'stm32f746g-disco',
    };
    const quality = await runQuality(dataset, config);
    expect(quality.runs.map((r) => r.method)).toEqual([
      'unpruned',
      'pruning',
      'uniform',
      'magnitude',
    ]);
    for (const run of quality.runs) {
      expect(run.fits, run.method).toBe(true);
      expect(run.accuracy).toBeGreaterThanOrEqual(0);
    }

    const run = (results: never[]) => [{ backend: 'cpu (Node)', where: 'here', results }];
    expect(overheadMarkdown(run([overhead] as never[]), machine, 'test')).toContain(
      '| cpu (Node) | tiny-cnn ×1 |',
    );
    expect(throughputMarkdown(run(throughput as never[]), machine, 'test')).toContain('tiny-cnn');
    const md = qualityMarkdown(quality, config, 'cpu (Node)', machine, 'test', 0.1);
    expect(md).toContain('every final network fits its budget');
    expect(md).toContain('(c) L1 filter pruning');
  });

  it('times plain training steps of the issue nets and renders the backend table', async () => {
    expect(analyseGraph(issueNetGraph('net-B')).groups.map((g) => g.size)).toEqual(
      expect.arrayContaining([32, 64, 64]),
    );
    const steps = await measureStepTimes({
      nets: [
        { net: 'net-A', batch: 2 },
        { net: 'tiny-cnn', batch: 4, warmupSteps: 0 },
      ],
      warmupSteps: 1,
      steps: 1,
    });
    expect(steps.map((r) => r.error)).toEqual([undefined, undefined]);
    expect(steps[0].input).toBe('28×28×1');
    expect(steps[1].warmupSteps).toBe(0);
    expect(steps.every((r) => r.stepMs > 0 && r.macs > 0)).toBe(true);
    const slower = steps.map((r) => ({ ...r, stepMs: r.stepMs * 30 }));
    const md = backendsMarkdown(
      [
        { backend: 'wasm', where: 'here', results: steps },
        { backend: 'webgl', where: 'here', results: slower },
      ],
      { skipped: 'not installed', results: [] },
      machineInfo(),
      'test',
      0.1,
    );
    expect(md).toContain('| net-A | 28×28×1 |');
    expect(md).toContain('**30×**');
    expect(md).toContain('target ≥ 20×: met');
    expect(md).toContain('not installed');
  });
});
