import { describe, expect, it } from 'vitest';
import { boardOrDefault, findBoard, freeFlashBytes, freeRamBytes } from './boards';
import {
  DEFAULT_SHRINK,
  MIN_HEADROOM,
  MODEL_SHRINK,
  budgetProblems,
  defaultBudgets,
  modelShrink,
  roundBudget,
} from './budgets';
import { estimateModel } from './estimate';
import { BOARDS, defaultCustomBoard } from '../core/hardware';
import { MODEL_ZOO } from '../core/zoo';

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

  it('rounds to whole KB, to 64 bytes below 8 KB, and never proposes a zero budget', () => {
    const big = defaultBudgets(nano, { flash: 100_000, ram: 40_000, latency: 10, macs: 1e6 });
    expect(big.flash).toBe(12 * 1024); // 12,500 bytes
    expect(big.ram).toBe(19 * 1024); // 20,000 bytes
    const small = defaultBudgets(nano, { flash: 40_000, ram: 6_000, latency: 1, macs: 1e5 });
    expect(small.flash).toBe(4_992); // 5,000 bytes, not 4 KB
    expect(small.ram).toBe(2_944); // 3,000 bytes
    const b = defaultBudgets(nano, { flash: 100, ram: 10, latency: 0.01, macs: 10 });
    expect(b.flash).toBe(64);
    expect(b.ram).toBe(64);
    expect(b.latency).toBeGreaterThan(0);
  });

  it('shrinks by the model: the large CNNs by 8, the compact ones by half at most', () => {
    const input = [28, 28, 1] as [number, number, number];
    const ratio = (model: string) => {
      const e = estimateModel(model, 1, input, 10, nano)!;
      const b = defaultBudgets(nano, e.unpruned, e.smallest, modelShrink(model));
      return b.flash! / e.unpruned.flash;
    };
    expect(ratio('mnist-cnn')).toBeCloseTo(1 / 8, 2);
    expect(ratio('vgg-cifar')).toBeCloseTo(1 / 8, 2);
    // DS-CNN's old default was 1/8 of 42 KB (its accuracy fell from 88.9% to 65.6%).
    for (const model of ['ds-cnn', 'mobilenetv2', 'resnet8']) {
      expect(ratio(model), model).toBeGreaterThanOrEqual(0.48);
      expect(ratio(model), model).toBeLessThanOrEqual(0.65);
    }
    expect(ratio('tiny-cnn')).toBeGreaterThan(0.85);
    expect(ratio('tiny-cnn')).toBeLessThan(1);
    expect(modelShrink('no-such-model')).toEqual(DEFAULT_SHRINK);
    expect(modelShrink('toString')).toEqual(DEFAULT_SHRINK);
    expect(Object.keys(MODEL_SHRINK).sort()).toEqual(MODEL_ZOO.map((m) => m.id).sort());
  });

  it('follows the board: more free flash gives a looser default, up to the model share', () => {
    const e = estimateModel('mnist-cnn', 1, [28, 28, 1], 10, nano)!;
    const shrink = modelShrink('mnist-cnn');
    const withFree = (freeKB: number) => {
      const board = { ...defaultCustomBoard() };
      board.flashBytes = board.runtimeFlashBytes + freeKB * 1024;
      return defaultBudgets(board, e.unpruned, e.smallest, shrink).flash!;
    };
    const budgets = [8, 16, 32, 64, 256, 4096].map(withFree);
    expect(budgets.slice(0, 3)).toEqual([8 * 1024, 16 * 1024, 32 * 1024]);
    for (let i = 1; i < budgets.length; i++)
      expect(budgets[i]).toBeGreaterThanOrEqual(budgets[i - 1]);
    // Past the model's share the board no longer matters: capped by the unpruned size / 8.
    expect(budgets[4]).toBe(budgets[5]);
    expect(budgets[5]).toBeLessThanOrEqual(e.unpruned.flash / shrink.flash);
    expect(budgets[5]).toBeGreaterThan(e.unpruned.flash / shrink.flash - 1024);
  });

  it('is feasible and means pruning for every built-in model on every board and input', () => {
    const inputs: [[number, number, number], number][] = [
      [[28, 28, 1], 10], // MNIST
      [[16, 16, 1], 4], // the generated shapes' default
      [[49, 10, 1], 12], // a spoken-keyword upload
      [[32, 32, 3], 10], // a CIFAR-like upload
    ];
    for (const board of BOARDS)
      for (const { id } of MODEL_ZOO)
        for (const [shape, classes] of inputs) {
          const e = estimateModel(id, 1, shape, classes, board);
          if (!e) continue;
          const label = `${id} ${shape.join('×')} on ${board.id}`;
          const b = defaultBudgets(board, e.unpruned, e.smallest, modelShrink(id));
          expect(budgetProblems(b, e.smallest, board), label).toEqual([]);
          for (const r of ['flash', 'ram', 'latency'] as const) {
            expect(b[r]!, `${label} ${r}`).toBeGreaterThanOrEqual(e.smallest[r] * MIN_HEADROOM);
          }
          // A real target: below the unpruned flash (unless the floor is above it).
          if (e.smallest.flash * MIN_HEADROOM < e.unpruned.flash * 0.9)
            expect(b.flash!, label).toBeLessThan(e.unpruned.flash);
        }
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
