import { describe, expect, it } from 'vitest';
import { boardOrDefault, findBoard, freeFlashBytes, freeRamBytes } from './boards';
import { DEFAULT_SHRINK, budgetProblems, defaultBudgets, roundBudget } from './budgets';
import { estimateModel } from './estimate';

const nano = boardOrDefault('arduino-nano-33-ble-sense');

describe('default budgets', () => {
  it('asks for 1/8 of the unpruned flash when the board has more free', () => {
    const unpruned = { flash: 400 * 1024, ram: 60 * 1024, latency: 700, macs: 18e6 };
    const b = defaultBudgets(nano, unpruned);
    expect(b.flash).toBe(50 * 1024);
    expect(b.ram).toBe(30 * 1024);
    expect(b.latency).toBeCloseTo(700 / DEFAULT_SHRINK.latency, 5);
    expect(b.macs).toBeUndefined();
  });

  it("is capped by the board's free flash and RAM for a huge model", () => {
    const unpruned = { flash: 100 * 1024 * 1024, ram: 10 * 1024 * 1024, latency: 1e5, macs: 1e10 };
    const b = defaultBudgets(nano, unpruned);
    expect(b.flash).toBeLessThanOrEqual(freeFlashBytes(nano));
    expect(b.flash).toBeGreaterThan(freeFlashBytes(nano) - 1024);
    expect(b.ram).toBeLessThanOrEqual(freeRamBytes(nano));
  });

  it('proposes latencies with one decimal and no binary noise (no 123.10000000000001)', () => {
    for (let latency = 400; latency < 600; latency += 0.37) {
      const b = defaultBudgets(nano, { flash: 4e5, ram: 6e4, latency, macs: 1e7 });
      expect(String(b.latency)).toMatch(/^\d+(\.\d)?$/);
    }
  });

  it('keeps budgets at the precision they mean', () => {
    expect(roundBudget('latency', 0.7000000000000001)).toBe(0.7);
    expect(roundBudget('latency', 2.34567)).toBe(2.346);
    expect(roundBudget('flash', 12_288.6)).toBe(12_289);
    expect(roundBudget('macs', 1e6 + 0.2)).toBe(1e6);
  });

  it('rounds to whole KB and never proposes a zero budget', () => {
    const b = defaultBudgets(nano, { flash: 100, ram: 10, latency: 0.01, macs: 10 });
    expect(b.flash).toBe(1024);
    expect(b.ram).toBe(1024);
    expect(b.latency).toBeGreaterThan(0);
  });

  it('fits the default model on the default board (the first run must be feasible)', () => {
    const estimate = estimateModel('mnist-cnn', 1, [28, 28, 1], 10, nano);
    expect(estimate).toBeDefined();
    const budgets = defaultBudgets(nano, estimate!.unpruned, estimate!.smallest);
    expect(budgets.flash!).toBeLessThan(estimate!.unpruned.flash);
    expect(budgetProblems(budgets, estimate!.smallest, nano)).toEqual([]);
  });

  it('stays feasible for a small model whose 1/8 would be below one channel per group', () => {
    for (const [model, shape] of [
      ['tiny-cnn', [32, 32, 3]],
      ['tiny-cnn', [16, 16, 1]],
      ['ds-cnn', [49, 10, 1]],
    ] as const) {
      const estimate = estimateModel(model, 1, [...shape], 2, nano)!;
      const budgets = defaultBudgets(nano, estimate.unpruned, estimate.smallest);
      expect(budgetProblems(budgets, estimate.smallest, nano), model).toEqual([]);
      expect(budgets.flash!).toBeGreaterThanOrEqual(estimate.smallest.flash * 1.25);
    }
  });
});

describe('budget problems', () => {
  const smallest = { flash: 10_000, ram: 3_000, latency: 5, macs: 50_000 };
  it('flags a budget below the narrowest network with the smallest achievable figure', () => {
    const problems = budgetProblems({ flash: 8_000, latency: 10 }, smallest, nano);
    expect(problems).toEqual([{ resource: 'flash', budget: 8_000, smallest: 10_000 }]);
  });

  it('flags a budget above what the board has free', () => {
    const problems = budgetProblems({ ram: 10 * 1024 * 1024 }, smallest, nano);
    expect(problems).toEqual([
      { resource: 'ram', budget: 10 * 1024 * 1024, limit: freeRamBytes(nano) },
    ]);
  });

  it('ignores resources without a budget', () => {
    expect(budgetProblems({}, smallest, nano)).toEqual([]);
  });
});

describe('board presets', () => {
  it('lists the boards of METHOD.md §4 and falls back to the default for an unknown id', () => {
    expect(findBoard('stm32f746g-disco')?.clockMHz).toBe(216);
    expect(findBoard('raspberry-pi-pico')?.core).toBe('cortex-m0plus');
    expect(boardOrDefault('nope').id).toBe('arduino-nano-33-ble-sense');
  });
});
