import { describe, expect, it } from 'vitest';
import { sampleReportInput } from '../testing/runFixtures';
import { buildReport, formatBytes, formatMacs, formatMs, type ReportInput } from './report';

const input: ReportInput = {
  modelName: 'MNIST CNN',
  board: { name: 'STM32F746G-DISCO', core: 'Cortex-M7', clockMHz: 216 },
  budgets: { flashBytes: 64 * 1024, ramBytes: 32 * 1024, latencyMs: 50 },
  estimates: { flashBytes: 40_550, ramBytes: 36_000, latencyMs: 12.345, macs: 1_234_567 },
  channels: [
    { layer: 'conv1', kept: 9, original: 16 },
    { layer: 'conv2', kept: 20, original: 32 },
  ],
  accuracy: { beforePruning: 0.9912, afterPruning: 0.9876, afterInt8: 0.985 },
  tfliteBytes: 40_112,
  warnings: ["Activation 'r3' is constant"],
  createdAt: '2025-01-01T00:00:00.000Z',
};

describe('export report', () => {
  it('formats numbers with units', () => {
    expect(formatBytes(900)).toBe('900 B');
    expect(formatBytes(40_550)).toBe('39.6 KB');
    expect(formatBytes(3 * 1024 * 1024)).toBe('3.00 MB');
    expect(formatMs(12.345)).toBe('12.3 ms');
    expect(formatMs(1.5)).toBe('1.50 ms');
    expect(formatMacs(1_234_567)).toBe('1.23 M MACs');
  });

  it('lists the budgets as they moved during the run, the final network against the last', () => {
    const budgetHistory = [
      { step: 0, budgets: { flashBytes: 20_000, ramBytes: 32 * 1024 } },
      { step: 120, budgets: { flashBytes: 9 * 1024, ramBytes: 32 * 1024 } },
    ];
    const r = buildReport({ ...input, budgets: budgetHistory[1].budgets, budgetHistory });
    expect(r.text).toContain('Flash:    39.6 KB of 9.0 KB budget (440.0 %, OVER BUDGET)');
    expect(r.text).toContain(
      'Budgets during the run (the network was pruned to the last)\n' +
        '  Start: flash ≤ 19.5 KB, RAM ≤ 32.0 KB\n' +
        '  Step 120: flash ≤ 9.0 KB, RAM ≤ 32.0 KB\n',
    );
    expect(JSON.parse(r.json).budgetHistory).toEqual(budgetHistory);
    // Budgets that never moved: no such section.
    expect(buildReport(input).text).not.toContain('Budgets during the run');
  });

  it('gives JSON with every input number and a readable summary', () => {
    const r = buildReport(input);
    const json = JSON.parse(r.json);
    expect(json.estimates).toEqual(input.estimates);
    expect(json.channels[0]).toEqual({
      layer: 'conv1',
      kept: 9,
      original: 16,
      keptFraction: 9 / 16,
    });
    expect(json.accuracy.afterInt8).toBe(0.985);
    expect(r.text).toContain('Board:   STM32F746G-DISCO, Cortex-M7, 216 MHz');
    expect(r.text).toContain('Flash:    39.6 KB of 64.0 KB budget (61.9 %)');
    expect(r.text).toContain('RAM:      35.2 KB of 32.0 KB budget (109.9 %, OVER BUDGET)');
    expect(r.text).toContain('Latency:  12.3 ms of 50.0 ms budget (24.7 %)');
    expect(r.text).toContain('1.23 M MACs per inference');
    expect(r.text).toContain('Before pruning:      99.12 %');
    expect(r.text).toContain('After int8:          98.50 %');
    expect(r.text).toMatch(/conv1\s+9 \/ 16\s+\(56 %\)/);
    expect(r.text).toContain('Channels kept (29 of 48, 60.4 %)');
    expect(r.text).toContain("- Activation 'r3' is constant");
  });

  it('says "not measured" for missing accuracies and refuses no input', () => {
    const r = buildReport({ ...input, accuracy: {}, budgets: {} });
    expect(r.text).toContain('After int8:          not measured');
    expect(r.text).toContain('(no budget)');
    expect(() => buildReport(undefined)).toThrow(/Nothing to report/);
  });

  it('states the float vs int8 comparison and the arena plan, in JSON and text', () => {
    const { int8Comparison, deployment } = sampleReportInput();
    const r = buildReport({ ...input, int8Comparison, deployment });
    const json = JSON.parse(r.json);
    expect(json.int8Comparison).toEqual(int8Comparison);
    expect(json.deployment).toEqual(deployment);
    expect(r.text).toContain('Float vs int8 (same 2 validation samples)');
    expect(r.text).toContain('float 100.00 %, int8 50.00 %; top class differs on 1 sample\n');
    expect(r.text).toMatch(/a\s+100\.0%\s+100\.0%\s+\+0\.0 pt/);
    expect(r.text).toMatch(/b\s+100\.0%\s+0\.0%\s+−100\.0 pt/);
    expect(r.text).toContain('#2 (b): float says b, int8 a; max difference 0.200');
    expect(r.text).toMatch(/ {8}0 {7}64 B {2}input: input → conv/);
    expect(r.text).toMatch(/ {7}64 {6}128 B {2}conv: conv → dense/);
    expect(r.text).toMatch(/ {8}0 {7}16 B {2}dense: dense → dense/);
  });
});
