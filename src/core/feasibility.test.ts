import { describe, expect, it } from 'vitest';
import { analyseGraph } from './graphAnalysis';
import { checkFeasibility, minimalFootprint, minimalWidths } from './feasibility';
import { createResourceModel, fullWidths } from './resourceModel';
import { RESOURCE_NAMES } from './resources';
import { BOARDS, boardBudgets, boardById, CORE_TIMINGS } from './hardware';
import { plainCnn, residualNet } from '../testing/exampleGraphs';

describe('minimal footprint and feasibility (METHOD §6)', () => {
  const a = analyseGraph(residualNet());

  it('uses one channel per prunable group and full size elsewhere', () => {
    expect(Array.from(minimalWidths(a))).toEqual(a.groups.map((g) => (g.prunable ? 1 : g.size)));
    const minimal = minimalFootprint(a);
    const full = createResourceModel(a).evaluate(fullWidths(a));
    for (const key of RESOURCE_NAMES) {
      expect(minimal[key]).toBeLessThan(full[key]);
    }
  });

  it('reports a budget that even the smallest network exceeds, with what to do', () => {
    const minimal = minimalFootprint(a);
    const check = checkFeasibility(a, {
      flash: minimal.flash - 1,
      ram: minimal.ram * 2,
      latency: minimal.latency / 2,
    });
    expect(check.feasible).toBe(false);
    expect(check.violated).toEqual(['flash', 'latency']);
    expect(check.messages[0]).toMatch(/KB flash.*raise the budget/);
    expect(check.minimal).toEqual(minimal);
  });

  it('accepts budgets the smallest network meets', () => {
    const board = boardById('nucleo-f412zg');
    const check = checkFeasibility(analyseGraph(plainCnn()), boardBudgets(board), { board });
    expect(check.feasible).toBe(true);
    expect(check.messages).toEqual([]);
  });
});

describe('board profiles', () => {
  it('lists the METHOD §4 boards with consistent figures and a core with timings', () => {
    const ids = BOARDS.map((b) => b.id);
    expect(ids).toEqual([
      'stm32f746g-disco',
      'nucleo-f412zg',
      'nucleo-h743zi',
      'arduino-nano-33-ble-sense',
      'raspberry-pi-pico',
      'esp32-s3',
      'custom',
    ]);
    for (const b of BOARDS) {
      expect(CORE_TIMINGS[b.core].family).toBe(b.core);
      expect(b.runtimeFlashBytes).toBeLessThan(b.flashBytes);
      expect(b.runtimeRamBytes).toBeLessThan(b.ramBytes);
    }
    expect(boardById('stm32f746g-disco')).toMatchObject({ clockMHz: 216, ramBytes: 320 * 1024 });
    expect(boardById('esp32-s3')).toMatchObject({
      core: 'xtensa-lx7',
      flashBytes: 8 * 1024 * 1024,
    });
  });

  it('a faster clock gives a proportionally lower latency', () => {
    const a = analyseGraph(plainCnn());
    const slow = createResourceModel(a, { board: boardById('stm32f746g-disco') });
    const fast = createResourceModel(a, { board: boardById('nucleo-h743zi') });
    const w = fullWidths(a);
    expect(slow.evaluate(w).latency / fast.evaluate(w).latency).toBeCloseTo(480 / 216, 9);
  });
});
