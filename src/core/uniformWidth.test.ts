import { describe, expect, it } from 'vitest';
import { plainCnn, residualNet } from '../testing/exampleGraphs';
import { analyseGraph } from './graphAnalysis';
import { createResourceModel } from './resourceModel';
import { figuresOf, type ResourceFigures } from './resources';
import {
  NoUniformWidthError,
  exceededBudgets,
  fitsBudgets,
  largestUniformRatio,
  uniformKept,
} from './uniformWidth';

describe('uniform-width baseline', () => {
  for (const [name, graph] of [
    ['plain CNN', plainCnn],
    ['residual net', residualNet],
  ] as const) {
    it(`${name}: the largest uniform width that fits, and one channel more does not`, () => {
      const analysed = analyseGraph(graph());
      const model = createResourceModel(analysed);
      const figuresAt = (kept: readonly number[]) => figuresOf(model.report(kept));
      const full = figuresAt(analysed.groups.map((g) => g.size));
      const budgets = { flash: full.flash / 3, ram: full.ram / 2 };
      const { ratio, kept } = largestUniformRatio(analysed, figuresAt, budgets);
      expect(ratio).toBeGreaterThan(0);
      expect(ratio).toBeLessThan(1);
      expect(kept).toEqual(uniformKept(analysed, ratio));
      expect(fitsBudgets(figuresAt(kept), budgets)).toBe(true);
      // The next width at which any group gains a channel no longer fits.
      const next = Math.min(
        ...analysed.groups
          .filter((g) => g.prunable)
          .map((g) => (Math.round(ratio * g.size) + 0.5) / g.size),
      );
      const wider = uniformKept(analysed, next + 1e-9);
      expect(wider.some((k, g) => k > kept[g])).toBe(true);
      expect(fitsBudgets(figuresAt(wider), budgets)).toBe(false);
    });
  }

  it('keeps fixed groups whole and at least one channel of each prunable group', () => {
    const analysed = analyseGraph(residualNet());
    const kept = uniformKept(analysed, 0);
    analysed.groups.forEach((g, i) => expect(kept[i]).toBe(g.prunable ? 1 : g.size));
    expect(uniformKept(analysed, 1)).toEqual(analysed.groups.map((g) => g.size));
    expect(uniformKept(analysed, 0.5)).toEqual(
      analysed.groups.map((g) => (g.prunable ? Math.max(1, Math.round(g.size / 2)) : g.size)),
    );
  });

  it('returns the full width when no budget binds', () => {
    const analysed = analyseGraph(plainCnn());
    const model = createResourceModel(analysed);
    const result = largestUniformRatio(analysed, (k) => figuresOf(model.report(k)), {});
    expect(result.ratio).toBe(1);
    expect(result.kept).toEqual(analysed.groups.map((g) => g.size));
  });

  it('says which budget even the smallest network exceeds', () => {
    const analysed = analyseGraph(plainCnn());
    const model = createResourceModel(analysed);
    const figuresAt = (k: readonly number[]) => figuresOf(model.report(k));
    const smallest = figuresAt(uniformKept(analysed, 0));
    const run = () =>
      largestUniformRatio(analysed, figuresAt, { flash: smallest.flash - 1, ram: smallest.ram });
    expect(run).toThrow(NoUniformWidthError);
    expect(run).toThrow(/exceeds the flash budget:/);
  });

  it('compares figures with budgets, absent budgets not limiting', () => {
    const v: ResourceFigures = { flash: 10, ram: 20, latency: 3, macs: 100 };
    expect(fitsBudgets(v, {})).toBe(true);
    expect(fitsBudgets(v, { flash: 10, ram: 20 })).toBe(true);
    expect(fitsBudgets(v, { latency: 2.9 })).toBe(false);
    expect(exceededBudgets(v, { flash: 9, ram: 25, macs: 99 })).toEqual(['flash', 'macs']);
  });
});
