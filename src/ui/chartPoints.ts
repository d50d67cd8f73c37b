import { useMemo } from 'react';

/**
 * The most points a live line chart draws per line. The step series keep up to 500 points
 * (src/state/series.ts), but a chart a few hundred pixels wide shows no more detail with them,
 * and a redraw's cost grows with its points (when the live charts were recharts charts, one
 * chart's redraw at 500 points took 20–170 ms of the page's main thread during a run).
 */
export const CHART_POINTS = 125;

/** The smallest power of two d for which every d-th of `length` points is at most `max`. */
export function chartStride(length: number, max = CHART_POINTS): number {
  if (max < 1) throw new RangeError(`a chart needs at least one point per line, not ${max}`);
  let stride = 1;
  while (Math.ceil(length / stride) > max) stride *= 2;
  return stride;
}

/**
 * Every d-th point (d = chartStride), and the last one. The series thin themselves by powers
 * of two too (every other point once full), so the points drawn change only when one of the
 * two strides doubles, a few times in a run, not at every redraw: the lines do not shimmer.
 */
export function thinForChart<T>(points: readonly T[], max = CHART_POINTS): readonly T[] {
  const stride = chartStride(points.length, max);
  if (stride === 1) return points;
  const last = points.length - 1;
  return points.filter((_, i) => i % stride === 0 || i === last);
}

/** thinForChart of `points`, recomputed only when the series changes. */
export function useChartPoints<T>(points: readonly T[]): readonly T[] {
  return useMemo(() => thinForChart(points), [points]);
}
