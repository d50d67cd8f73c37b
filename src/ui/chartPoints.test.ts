import { describe, expect, it } from 'vitest';
import { appendDecimated, emptySeries } from '../state/series';
import { CHART_POINTS, chartStride, thinForChart } from './chartPoints';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('thinForChart', () => {
  it('keeps short series whole (the same array)', () => {
    const points = range(CHART_POINTS);
    expect(thinForChart(points)).toBe(points);
    expect(thinForChart([])).toEqual([]);
  });

  it('keeps every power-of-two-th point and the last, at most max + 1', () => {
    expect(thinForChart(range(10), 4)).toEqual([0, 4, 8, 9]);
    expect(thinForChart(range(9), 4)).toEqual([0, 4, 8]);
    expect(thinForChart(range(8), 4)).toEqual([0, 2, 4, 6, 7]);
    for (let n = 1; n <= 1200; n += 7) {
      const thin = thinForChart(range(n));
      expect(thin.length).toBeLessThanOrEqual(CHART_POINTS + 1);
      expect(thin.length).toBeGreaterThan(Math.min(n, CHART_POINTS) / 2);
      expect(thin[0]).toBe(0);
      expect(thin.at(-1)).toBe(n - 1);
    }
  });

  it('rejects a chart of no points', () => {
    expect(() => thinForChart(range(3), 0)).toThrow(RangeError);
  });

  it('changes the points it draws only when a stride doubles, not at every redraw', () => {
    // The studio's series (cap 500) fed step by step, redrawn after every step: a step drawn
    // at one redraw (other than the live last one) that the series still holds stays drawn,
    // unless the series' stride or the chart's stride has just doubled.
    let series = emptySeries<number>();
    let drawn = new Set<number>();
    let strides = [1, 1];
    let changes = 0;
    for (let step = 1; step <= 5000; step++) {
      series = appendDecimated(series, step);
      const now = new Set(thinForChart(series.points));
      const held = new Set(series.points);
      const dropped = [...drawn].some((s) => held.has(s) && !now.has(s));
      const next = [series.stride, chartStride(series.points.length)];
      if (dropped) {
        expect(next[0] > strides[0] || next[1] > strides[1]).toBe(true);
        changes++;
      }
      strides = next;
      drawn = new Set([...now].slice(0, -1));
    }
    expect(changes).toBeGreaterThan(0);
    expect(changes).toBeLessThanOrEqual(12);
  });
});
