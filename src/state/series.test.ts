import { describe, expect, it } from 'vitest';
import { appendDecimated, appendMetrics, emptyRunSeries, emptySeries } from './series';
import { makeMetrics } from '../testing/runFixtures';

describe('decimated chart series', () => {
  it('keeps every point until the cap', () => {
    let s = emptySeries<number>();
    for (let i = 0; i < 10; i++) s = appendDecimated(s, i, 10);
    expect(s.points).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(s.stride).toBe(1);
  });

  it('stays bounded and evenly spaced over a long run, spanning it from the start', () => {
    let s = emptySeries<number>();
    for (let i = 0; i < 100_000; i++) s = appendDecimated(s, i, 500);
    expect(s.points.length).toBeLessThanOrEqual(500);
    expect(s.points.length).toBeGreaterThan(250);
    expect(s.points[0]).toBe(0);
    const gaps = new Set(s.points.slice(1).map((p, i) => p - s.points[i]));
    expect([...gaps]).toEqual([s.stride]);
    expect(s.points[s.points.length - 1]).toBeGreaterThan(100_000 - 2 * s.stride);
  });

  it('does not mutate the series it was given', () => {
    const s = appendDecimated(emptySeries<number>(), 1);
    const before = [...s.points];
    appendDecimated(s, 2);
    expect(s.points).toEqual(before);
  });
});

describe('run series from metrics', () => {
  it('records π of the prunable groups only, in a fixed order', () => {
    const s = appendMetrics(emptyRunSeries(), makeMetrics(1));
    expect(s.groupNames).toEqual(['conv1', 'conv2']);
    expect(s.steps.points[0].pi).toEqual([0.5, 1]);
    expect(s.steps.points[0].flash).toBe(400_000 - 500);
  });

  it('keeps validation accuracy in its own series, only when measured', () => {
    let s = appendMetrics(emptyRunSeries(), makeMetrics(1));
    s = appendMetrics(s, makeMetrics(2, { validationAccuracy: 0.9 }));
    expect(s.validation.points).toEqual([{ step: 2, accuracy: 0.9 }]);
    expect(s.steps.points).toHaveLength(2);
  });
});
