/** Replay of a finished run: what the charts show at a chosen step, and what it costs to keep. */
import { describe, expect, it } from 'vitest';
import type { GroupSnapshot, StepMetrics } from '../worker/protocol';
import {
  selectLatestMetrics,
  selectReplayStep,
  selectStepPoints,
  selectValidationPoints,
} from './selectors';
import { SNAPSHOT_CAP, appendMetrics, emptyRunSeries, type RunSeries } from './series';
import type { StudioState } from './store';
import { makeMetrics } from '../testing/runFixtures';

/** π falls linearly with the step, so each step's figures are recognisable. */
function metricsAt(step: number, channels = [32, 32, 64, 64, 128]): StepMetrics {
  const groups: GroupSnapshot[] = channels.map((size, g) => ({
    name: `conv${g + 1}`,
    size,
    prunable: true,
    sizeProportion: 1 - step / 10_000,
    kept: size,
    importance: Array.from({ length: size }, (_, c) => Math.abs(Math.sin(step + c + g))),
    mask: Array.from({ length: size }, (_, c) => (c % 3 === 0 ? 0 : 1)),
  }));
  return makeMetrics(step, {
    totalSteps: 5000,
    groups,
    validationAccuracy: step % 500 === 0 ? step / 5000 : undefined,
    layers: channels.map((c, i) => ({
      node: `conv${i + 1}`,
      op: 'conv2d',
      flashBytes: c * 300,
      macs: c * 1e4,
      latencyMs: c / 100,
      liveBytes: c * 64,
    })),
  });
}

function runOf(steps: number): RunSeries {
  let series = emptyRunSeries();
  for (let step = 1; step <= steps; step++) series = appendMetrics(series, metricsAt(step));
  return series;
}

const finishedState = (series: RunSeries, replayStep?: number) =>
  ({
    run: { status: 'finished', series, latest: metricsAt(series.steps.offered) },
    view: { largeText: false, tradeoffResource: 'flash', replayStep },
  }) as unknown as StudioState;

describe('replay', () => {
  const series = runOf(5000);

  it('records a 5,000-step run within a few MB, spanning it from the start', () => {
    const bytes = JSON.stringify(series).length;
    expect(bytes).toBeLessThan(3 * 1024 * 1024);
    expect(series.snapshots!.points.length).toBeLessThanOrEqual(SNAPSHOT_CAP);
    expect(series.snapshots!.points[0].step).toBe(1);
    expect(series.snapshots!.points.at(-1)!.step).toBeGreaterThan(4800);
  });

  it('shows every chart at the recorded step at or before the one chosen', () => {
    const state = finishedState(series, 2600);
    const shown = selectLatestMetrics(state)!;
    expect(shown.step).toBeLessThanOrEqual(2600);
    expect(shown.step).toBeGreaterThan(2600 - 2 * series.snapshots!.stride);
    expect(shown.groups[0].sizeProportion).toBeCloseTo(1 - shown.step / 10_000, 10);
    expect(shown.layers).toHaveLength(5);
    const points = selectStepPoints(state);
    expect(points.at(-1)!.step).toBeLessThanOrEqual(2600);
    expect(points.at(-1)!.step).toBeGreaterThan(2600 - 2 * series.steps.stride);
    expect(selectValidationPoints(state).map((p) => p.step)).toEqual([500, 1000, 1500, 2000, 2500]);
    // The same answer for the same state: components do not re-render for nothing.
    expect(selectStepPoints(finishedState(series, 2600))).toBe(points);
  });

  it('shows the end when no step is chosen, and ignores replay while a run goes', () => {
    expect(selectLatestMetrics(finishedState(series))!.step).toBe(5000);
    expect(selectStepPoints(finishedState(series))).toBe(series.steps.points);
    const live = {
      ...finishedState(series, 100),
      run: { ...finishedState(series).run, status: 'running' },
    };
    expect(selectReplayStep(live as StudioState)).toBeUndefined();
    expect(selectStepPoints(live as StudioState)).toBe(series.steps.points);
  });
});
