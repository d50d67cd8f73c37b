// Runs the benchmark's core pieces once with tiny settings on tfjs cpu, so that `npm run bench`
// does not rot. The numbers are not checked, only that every piece runs and reports sane values.
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyseGraph } from '../src/core/graphAnalysis';
import { zooModel } from '../src/core/zoo';
import { generateShapes } from '../src/data/generated';
import { createResourceEstimator } from '../src/train/estimator';
import type { LayerWeights } from '../src/train/network';
import { issueNetGraph, measureStepAB, measureStepTimes, type StepTimingResult } from './backends';
import {
  backendsMarkdown,
  mergeRepeatedRuns,
  onReferenceBlas,
  findTorchPython,
  ratioCell,
  runPytorch,
  stepCell,
  threadEnvironment,
  type BrowserStepRun,
  type PytorchRun,
} from './backends-report';
import { machineInfo } from './node-env';
import {
  BOARD_PRESET,
  cubicTarget,
  filterNorms,
  globalCut,
  mergeSections,
  parseBudget,
  largestUniformRatio,
  runQuality,
  topChannels,
  uniformKept,
  type Method,
  type QualityConfig,
  type QualityResult,
  type QualityRun,
} from './quality';
import { overheadMarkdown, qualityMarkdown, throughputMarkdown } from './report';
import { DEFAULT_SETTINGS, qualityConfigs } from './settings';
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

  it('ranks filters by L2 norm for DPF', () => {
    const analysed = tiny();
    const conv = analysed.topoOrder.find((id) => analysed.nodes.get(id)!.op === 'conv2d')!;
    const group = analysed.channelSegments.get(conv)![0].group;
    const size = analysed.groups[group].size;
    const kernel = Float32Array.from({ length: 9 * size }, (_, i) => (i % size) * (i % 2 ? -1 : 1));
    const norms = filterNorms(analysed, new Map<string, LayerWeights>([[conv, { kernel }]]), 2);
    norms[group].forEach((n, c) => expect(n).toBeCloseTo(3 * c, 5));
  });

  it('follows the cubic schedule from the full figure to the budget', () => {
    expect(cubicTarget(100, 10, 0)).toBe(100);
    expect(cubicTarget(100, 10, 1)).toBe(10);
    expect(cubicTarget(100, 10, 0.5)).toBeCloseTo(100 - 90 * (1 - 0.125), 10);
    expect(cubicTarget(100, 10, 2)).toBe(10);
  });

  it('cuts globally by saliency, as many channels as the targets allow, one per group at least', () => {
    const analysed = tiny();
    const estimator = createResourceEstimator(analysed, 'stm32f746g-disco');
    const evaluate = (kept: readonly number[]) => estimator.report(kept).values;
    const full = evaluate(analysed.groups.map((g) => g.size));
    // Group g's channel c has saliency g·1000 + c: a global cut keeps the last group first.
    const saliency = analysed.groups.map((g, i) =>
      Float64Array.from({ length: g.size }, (_, c) => i * 1000 + c),
    );
    const targets = { flash: full.flash / 3 };
    const kept = globalCut(analysed, saliency, targets, evaluate);
    const counts = kept.map((k) => k.length);
    expect(evaluate(counts).flash).toBeLessThanOrEqual(targets.flash);
    const prunable = analysed.groups.map((g, i) => i).filter((i) => analysed.groups[i].prunable);
    for (const g of prunable) {
      expect(counts[g]).toBeGreaterThanOrEqual(1);
      // Within a group, the kept channels are the most salient ones.
      expect(kept[g]).toEqual(topChannels(saliency[g], counts[g]));
    }
    // One more channel in global order would not fit.
    const last = prunable[prunable.length - 1];
    const partial =
      prunable.find((g) => counts[g] > 1 && counts[g] < analysed.groups[g].size) ?? last;
    const more = [...counts];
    more[partial] += 1;
    expect(evaluate(more).flash).toBeGreaterThan(targets.flash);
  });

  it('reads the quality flags and refuses malformed ones', () => {
    const base = DEFAULT_SETTINGS.quality;
    const configs = qualityConfigs(
      [
        '--steps',
        '240,750',
        '--seeds',
        '1,2',
        '--budgets',
        'flash/80,board',
        '--methods',
        'pruning,dpf',
        '--no-unpruned',
      ],
      base,
      [240],
    );
    expect(configs.map((c) => c.steps)).toEqual([240, 750]);
    expect(configs[1].seeds).toEqual([1, 2]);
    expect(configs[0].budgets).toEqual([{ divisors: { flash: 80 } }, BOARD_PRESET]);
    expect(configs[0].methods).toEqual(['pruning', 'dpf']);
    expect(configs[0].unprunedReference).toBe(false);
    expect(qualityConfigs([], base, [240, 750]).map((c) => c.budgets.length)).toEqual([6, 6]);
    expect(() => qualityConfigs(['--budgets', 'flash/0'], base, [240])).toThrow(/divisor ≥ 1/);
    expect(() => qualityConfigs(['--budgets', 'rom/4'], base, [240])).toThrow(
      /flash, ram or latency/,
    );
    expect(() => qualityConfigs(['--methods', 'l2'], base, [240])).toThrow(/unknown l2/);
    expect(() => qualityConfigs(['--seeds', 'a'], base, [240])).toThrow(/--seeds "a"/);
    expect(() => qualityConfigs(['--steps'], base, [240])).toThrow(/needs a value/);
    const banded = qualityConfigs(['--settle', '0', '--settle-band', '0.05'], base, [240])[0];
    expect([banded.settleSteps, banded.settleBand]).toEqual([0, 0.05]);
    expect(qualityConfigs([], base, [240])[0].settleBand).toBeUndefined();
    expect(() => qualityConfigs(['--settle-band', '1.5'], base, [240])).toThrow(/--settle-band/);
    expect(qualityConfigs(['--exchange', '64'], base, [240])[0].exchangeMoves).toBe(64);
    expect(qualityConfigs([], base, [240])[0].exchangeMoves).toBeUndefined();
    expect(() => qualityConfigs(['--exchange', '1.5'], base, [240])).toThrow(/--exchange/);
    const ranked = qualityConfigs(
      ['--importance-decay', '0.98', '--rank-hysteresis', '0.5', '--offset-range', '0.7'],
      base,
      [240],
    )[0];
    expect(ranked.pruningOptions).toEqual({
      offsetRange: 0.7,
      importanceDecay: 0.98,
      rankHysteresis: 0.5,
    });
    expect(qualityConfigs([], base, [240])[0].pruningOptions).toBeUndefined();
    expect(() => qualityConfigs(['--importance-decay', '1'], base, [240])).toThrow(
      /--importance-decay/,
    );
  });

  it('merges separately run parts by budget name, one reference per seed', () => {
    const base = { ...DEFAULT_SETTINGS.quality, steps: 240, seeds: [1] };
    const run = (method: Method, budget: number, seed = 1): QualityRun => ({
      method,
      budget,
      seed,
      accuracy: 0.9,
      figures: {},
      fits: true,
      kept: [1],
      ms: 1,
    });
    const result = (runs: QualityRun[], values: number[]): QualityResult => ({
      unpruned: { flash: 100, ram: 10, latency: 1, macs: 1 },
      groups: [{ name: 'g', size: 4 }],
      budgetValues: values.map((flash) => ({ flash })),
      trainSamples: 8,
      validationSamples: 4,
      runs: [...runs],
    });
    const merged = mergeSections([
      {
        config: { ...base, budgets: [parseBudget('flash/4'), parseBudget('flash/80')] },
        result: result([run('unpruned', -1), run('uniform', 0), run('uniform', 1)], [25, 1.25]),
      },
      {
        config: { ...base, budgets: [parseBudget('flash/80')], seeds: [2] },
        result: result(
          [run('unpruned', -1), run('pruning', 0, 2), { ...run('uniform', 0), accuracy: 0.1 }],
          [1.25],
        ),
      },
    ]);
    expect(merged.config.budgets.map((b) => b.divisors.flash)).toEqual([4, 80]);
    expect(merged.config.seeds).toEqual([1, 2]);
    expect(merged.config.methods).toEqual(['pruning', 'uniform']);
    expect(merged.result.runs.map((r) => `${r.method}@${r.budget}`)).toEqual([
      'unpruned@-1',
      'uniform@0',
      'uniform@1',
      'pruning@1',
    ]);
    expect(() =>
      mergeSections([
        { config: base, result: result([], []) },
        { config: { ...base, steps: 750 }, result: result([], []) },
      ]),
    ).toThrow(/Cannot merge/);
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
      budgets: [parseBudget('flash/4'), parseBudget('ram/1.2+latency/3')],
      validationSamples: 40,
      unprunedReference: true,
      board: 'stm32f746g-disco',
    };
    const quality = await runQuality(dataset, config);
    const perBudget = ['pruning', 'diagnostic', 'uniform', 'magnitude', 'dpf'];
    expect(quality.runs.map((r) => r.method)).toEqual(['unpruned', ...perBudget, ...perBudget]);
    for (const run of quality.runs) {
      expect(run.fits, run.method).toBe(true);
      expect(run.accuracy).toBeGreaterThanOrEqual(0);
    }
    // Every budgeted resource is checked on the final graph; the diagnostic keeps (a)'s widths.
    const second = quality.runs.filter((r) => r.budget === 1);
    for (const run of second) expect(Object.keys(run.figures).sort()).toEqual(['latency', 'ram']);
    const byMethod = (m: string) => second.find((r) => r.method === m)!;
    expect(byMethod('diagnostic').kept).toEqual(byMethod('pruning').kept);
    // DPF really pruned: fewer channels than the full network, within the budget.
    const full = quality.groups.reduce((t, g) => t + g.size, 0);
    expect(byMethod('dpf').kept.reduce((t, k) => t + k, 0)).toBeLessThan(full);

    const run = (results: never[]) => [{ backend: 'cpu (Node)', where: 'here', results }];
    expect(overheadMarkdown(run([overhead] as never[]), machine, 'test')).toContain(
      '| cpu (Node) | tiny-cnn ×1 |',
    );
    expect(throughputMarkdown(run(throughput as never[]), machine, 'test')).toContain('tiny-cnn');
    const md = qualityMarkdown(
      [{ config, result: quality, minutes: 0.1 }],
      'cpu (Node)',
      machine,
      'test',
      ['the 750-step length'],
    );
    expect(md).toContain('every final network fits every budget');
    expect(md).toContain('(c) L1 filter pruning');
    expect(md).toContain('(d) DPF-style pruning');
    expect(md).toContain('| ram 1/1.2 + latency 1/3 |');
    expect(md).toContain('- the 750-step length');
    expect(md).toMatch(/pts over (uniform|magnitude|dpf)/);
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
    const md = backendsMarkdown(
      [{ backend: 'wasm', where: 'here', results: steps, threads: { requested: 1, ran: 1 } }],
      [{ skipped: 'not installed', requestedThreads: 1, results: [] }],
      machineInfo(),
      'test',
      0.1,
    );
    expect(md).toContain('| net-A | 28×28×1 |');
    expect(md).toContain('not installed');
  });
});

/** A fabricated result row: `ms` per step at `batch`. */
const row = (net: string, batch: number, ms: number): StepTimingResult => ({
  net,
  input: net === 'net-A' ? '28×28×1' : '16×16×1',
  batch,
  macs: 1e6,
  warmupSteps: 1,
  steps: 3,
  stepMs: ms,
  minMs: ms,
});

/** The cells of one markdown table (found by its first header cell's line), by row and column. */
function tableCells(md: string, heading: string): Map<string, Map<string, string>> {
  const lines = md.split('\n');
  const start = lines.findIndex((l) => l.startsWith('## ') && l.includes(heading)) + 2;
  const split = (l: string) =>
    l
      .slice(2, -2)
      .split(' | ')
      .map((c) => c.trim());
  const header = split(lines[start]);
  const table = new Map<string, Map<string, string>>();
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('| ')) break;
    const cells = split(line);
    table.set(cells[0], new Map(header.map((h, i) => [h, cells[i]])));
  }
  return table;
}

describe('the interleaved step A/B (bench/thread-ab.ts)', () => {
  it('runs every variant each round, starting one later each round, with paired ratios', async () => {
    await tf.setBackend('cpu');
    const tensorsBefore = tf.memory().numTensors;
    const applied: string[] = [];
    let calls = 0;
    const [row] = await measureStepAB(
      {
        nets: [{ net: 'tiny-cnn', batch: 4 }],
        variants: [
          { name: 'a', setting: 'a' },
          { name: 'b', setting: 'b' },
        ],
        rounds: 2,
        stepsPerRound: 2,
        warmupSteps: 1,
      },
      (setting) => {
        applied.push(setting);
        calls += setting === 'b' ? 3 : 0; // a counter that only variant b moves
      },
      () => {},
      () => calls,
    );
    expect(row.error).toBeUndefined();
    expect(row.input).toBe('16×16×1');
    // The first variant before the warm-up, then a, b in round 1 and b, a in round 2.
    expect(applied).toEqual(['a', 'a', 'b', 'b', 'a']);
    const [a, b] = row.variants;
    expect(a.times).toHaveLength(4);
    expect(b.times).toHaveLength(4);
    expect(a.roundRatios).toEqual([1, 1]);
    expect(b.roundRatios.every((r) => r > 0 && Number.isFinite(r))).toBe(true);
    expect(a.countPerStep).toBe(0);
    expect(b.countPerStep).toBe(0); // moved between steps, not during them
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  }, 60_000);
});

describe('the backend table (fabricated rows)', () => {
  const runs: BrowserStepRun[] = [
    {
      backend: 'wasm',
      where: 'page',
      threads: { requested: 1, ran: 1 },
      crossOriginIsolated: true,
      results: [row('net-A', 32, 16), row('tiny-cnn', 32, 1.5)],
    },
    {
      backend: 'wasm',
      where: 'page',
      threads: { requested: 2, ran: 2 },
      crossOriginIsolated: true,
      results: [row('net-A', 32, 6), row('tiny-cnn', 32, 1)],
    },
    { backend: 'webgl', where: 'page', results: [row('net-A', 32, 320), row('tiny-cnn', 16, 40)] },
    { backend: 'webgpu', where: 'page', results: [], skipped: 'no adapter' },
  ];
  const torch = (threads: number, a: number, t: number): PytorchRun => ({
    requestedThreads: threads,
    threads,
    torch: '1.13',
    threadEnv: threadEnvironment(threads),
    results: [row('net-A', 32, a), row('tiny-cnn', 32, t)],
  });
  const pytorch = [torch(1, 8, 1.2), torch(2, 5, 1)];
  const md = backendsMarkdown(runs, pytorch, machineInfo(), 'test', 0.1);

  it('has a column for every backend and thread count, and one row per network', () => {
    const times = tableCells(md, 'ms per step');
    expect([...times.keys()]).toEqual(['net-A', 'tiny-cnn']);
    expect([...times.get('net-A')!.keys()].join(' | ')).toBe(
      'network | input | MMACs / sample | wasm 1t ms/step | wasm 2t ms/step | webgl ms/step | ' +
        'webgpu ms/step | cpu ms/step | PyTorch 1t ms/step | PyTorch 2t ms/step',
    );
    const a = times.get('net-A')!;
    expect(a.get('wasm 1t ms/step')).toBe('16.0 (b 32, 1+3)');
    expect(a.get('wasm 2t ms/step')).toBe('6.0 (b 32, 1+3)');
    expect(a.get('PyTorch 2t ms/step')).toBe('5.0 (b 32, 1+3)');
    expect(a.get('webgpu ms/step')).toBe('–');
    expect(md).toContain('- webgpu: not measured (no adapter).');
  });

  it('computes the ratios of the time per sample, marking different batches', () => {
    const ratios = tableCells(md, 'Ratios');
    const a = ratios.get('net-A')!;
    expect(a.get('wasm 2t / PyTorch 1t')).toBe('**0.75×**'); // 6 / 8
    expect(a.get('wasm 1t / PyTorch 1t')).toBe('**2.0×**'); // 16 / 8
    expect(a.get('wasm 2t / PyTorch 2t')).toBe('**1.2×**'); // 6 / 5
    expect(a.get('wasm 1t / wasm 2t')).toBe('**2.7×**'); // 16 / 6
    expect(a.get('PyTorch 1t / PyTorch 2t')).toBe('**1.6×**'); // 8 / 5
    expect(a.get('webgl / wasm 1t')).toBe('**20×**');
    expect(a.get('webgpu / wasm 1t')).toBe('–');
    // tiny-cnn: webgl at batch 16, 40 ms → 2.5 ms/sample; wasm 1t 1.5 ms / 32 per sample.
    expect(ratios.get('tiny-cnn')!.get('webgl / wasm 1t')).toBe('**53×**†');
    // Ratios below 0.1 keep a significant digit (not "0.00×").
    expect(ratioCell(row('x', 32, 1), row('x', 32, 200))).toBe('**0.005×**');
    expect(ratioCell(row('x', 32, 1), row('x', 16, 4))).toBe('**0.13×**†');
  });

  it('checks the targets per network and says how many networks meet both', () => {
    const ratios = tableCells(md, 'Ratios');
    expect(ratios.get('net-A')!.get('targets (≤ 1.0×, ≤ 1.5×)')).toBe('2t: met; 1t: **not met**');
    expect(ratios.get('tiny-cnn')!.get('targets (≤ 1.0×, ≤ 1.5×)')).toBe('2t: met; 1t: met');
    expect(md).toContain('both met on 1 of 2 networks (tiny-cnn)');
  });

  it('says whether the page was isolated and how many kernel threads ran', () => {
    expect(md).toContain('the benchmark page was cross-origin isolated');
    expect(md).toContain('the wasm 2t column ran 2 kernel threads.');
    expect(md).toContain('OPENBLAS_NUM_THREADS=2');
    const fewer = runs.map((r) =>
      r.threads?.requested === 2 ? { ...r, threads: { requested: 2, ran: 1 } } : r,
    );
    const notIsolated = fewer.map((r) => ({ ...r, crossOriginIsolated: false }));
    const md2 = backendsMarkdown(notIsolated, pytorch, machineInfo(), 'test', 0.1);
    expect(md2).toContain('the benchmark page was **not** cross-origin isolated');
    expect(md2).toContain('**the wasm 2t column ran 1 kernel thread(s), not 2**');
    expect(md2).toContain('**1 kernel thread(s) ran of 2 requested**');
  });
});

describe('the backend table over repeated runs (--repeat)', () => {
  it("takes each cell's median over the runs, leaving out a run where a network failed", () => {
    const run = (a: number, t: number, skipped?: string): PytorchRun => ({
      requestedThreads: 1,
      results: [row('net-A', 32, a), row('tiny-cnn', 32, t)],
      skipped,
    });
    const failed = run(99, 99);
    failed.results[1] = { ...failed.results[1], error: 'out of memory' };
    const merged = mergeRepeatedRuns([run(10, 2), failed, run(30, 3), run(0, 0, 'no torch')]);
    expect(merged.skipped).toBeUndefined();
    const [a, t] = merged.results;
    expect(a.stepMs).toBe(30); // median of 10, 99, 30
    expect(a.repeats).toEqual([10, 99, 30]);
    expect(t.stepMs).toBe(2.5); // 2 and 3: the failed run left out
    expect(t.error).toBeUndefined();
    expect(stepCell(a)).toBe('30.0 (b 32, 1+3, median of 3 runs)');
    expect(stepCell(t)).toBe('2.5 (b 32, 1+3, median of 2 runs)');
    expect(mergeRepeatedRuns([run(1, 1, 'no torch')]).skipped).toBe('no torch');
  });
});

describe('the backend table with PyTorch on the reference BLAS', () => {
  it('warns that the PyTorch columns are slow, and not when OpenBLAS ran', () => {
    const run = (blas: string): PytorchRun => ({
      requestedThreads: 1,
      threads: 1,
      torch: '1.13',
      blas,
      results: [row('net-A', 32, 30)],
    });
    const reference = 'generic (/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0)';
    const openblas = 'generic (/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3)';
    const slow = backendsMarkdown([], [run(reference)], machineInfo(), 'test', 1);
    expect(slow).toContain('**PyTorch ran on the reference BLAS**');
    expect(onReferenceBlas(openblas)).toBe(false);
    const fast = backendsMarkdown([], [run(openblas)], machineInfo(), 'test', 1);
    expect(fast).not.toContain('reference BLAS');
  });
});

describe('the backend table on a loaded machine', () => {
  it('records the load at the end and flags a load above the core count', () => {
    const machine = { ...machineInfo(), cores: 2, loadAverage: '1.00 1.00 1.00' };
    const idle = backendsMarkdown([], [], machine, 'test', 1, '0.50 0.80 0.90');
    expect(idle).toContain('Load average at the end: 0.50 0.80 0.90.');
    expect(idle).not.toContain('Measured on a loaded machine');
    const busy = backendsMarkdown([], [], machine, 'test', 1, '9.00 8.00 7.00');
    expect(busy).toContain(
      '**Measured on a loaded machine** (1-minute load average above its 2 cores',
    );
    const busyStart = backendsMarkdown(
      [],
      [],
      { ...machine, loadAverage: '3.00 1.00 1.00' },
      'test',
      1,
    );
    expect(busyStart).toContain('**Measured on a loaded machine**');
  });
});

describe('the PyTorch runner', () => {
  it('pins the BLAS and OpenMP thread pools per run and passes the thread count', () => {
    // A stand-in interpreter that reports the environment and arguments it was started with.
    const dir = mkdtempSync(join(tmpdir(), 'bench-fake-python-'));
    const fake = join(dir, 'python');
    writeFileSync(
      fake,
      '#!/bin/sh\nprintf \'{"threads": 0, "args": "%s", "threadEnv": {"OPENBLAS_NUM_THREADS": "%s", "OMP_NUM_THREADS": "%s"}, "results": []}\\n\' "$*" "$OPENBLAS_NUM_THREADS" "$OMP_NUM_THREADS"\n',
    );
    chmodSync(fake, 0o755);
    for (const threads of [1, 2]) {
      const run = runPytorch(
        { nets: [{ net: 'net-A', batch: 4 }], warmupSteps: 0, steps: 1 },
        { threads, python: fake },
      ) as PytorchRun & { args: string };
      expect(run.skipped).toBeUndefined();
      expect(run.requestedThreads).toBe(threads);
      expect(run.threadEnv).toEqual({
        OPENBLAS_NUM_THREADS: String(threads),
        OMP_NUM_THREADS: String(threads),
      });
      expect(run.args).toContain(`--threads ${threads} --device cpu`);
    }
  });

  it('reports a failing interpreter with its last line of stderr', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-fake-python-'));
    const fake = join(dir, 'python');
    writeFileSync(fake, '#!/bin/sh\necho "no CUDA here" >&2\nexit 3\n');
    chmodSync(fake, 0o755);
    const run = runPytorch(
      { nets: [{ net: 'net-A', batch: 4 }], warmupSteps: 0, steps: 1 },
      { python: fake, device: 'cuda' },
    );
    expect(run.skipped).toBe('pytorch_reference.py failed: no CUDA here');
  });

  it.skipIf(!findTorchPython())(
    'runs pytorch_reference.py on two threads when torch is installed',
    () => {
      const run = runPytorch(
        { nets: [{ net: 'net-A', batch: 2 }], warmupSteps: 0, steps: 1 },
        { threads: 2 },
      );
      expect(run.skipped).toBeUndefined();
      expect(run.threads).toBe(2);
      expect(run.device).toBe('cpu');
      expect(run.threadEnv?.OPENBLAS_NUM_THREADS).toBe('2');
      expect(run.results[0].stepMs).toBeGreaterThan(0);
    },
    60_000,
  );
});
