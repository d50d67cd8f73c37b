/**
 * Chart series that stay bounded however long a run is: when a series reaches its cap it keeps
 * every other point and from then on accepts every other step (a decimating buffer). The
 * charts therefore always span the whole run at an even resolution of at most `cap` points.
 */
import type { Phase, StepMetrics } from '../worker/protocol';

export const SERIES_CAP = 500;
/**
 * Whole snapshots (π, importances, masks, per-layer figures) kept for replay: fewer than the
 * scalar points, as each holds every channel; a 5,000-step run stays within a few MB.
 */
export const SNAPSHOT_CAP = 100;

export interface DecimatedSeries<T> {
  points: T[];
  /** Points offered so far (accepted or not). */
  offered: number;
  /** Every `stride`-th offered point is kept. */
  stride: number;
}

export function emptySeries<T>(): DecimatedSeries<T> {
  return { points: [], offered: 0, stride: 1 };
}

/** A new series with `point` offered; `cap` must be even so strides stay aligned. */
export function appendDecimated<T>(
  series: DecimatedSeries<T>,
  point: T,
  cap = SERIES_CAP,
): DecimatedSeries<T> {
  const offered = series.offered + 1;
  if (series.offered % series.stride !== 0) return { ...series, offered };
  let points = [...series.points, point];
  let stride = series.stride;
  if (points.length >= cap + 1) {
    points = points.filter((_, i) => i % 2 === 0);
    stride *= 2;
  }
  return { points, offered, stride };
}

/** One step of the run as the charts draw it. */
export interface StepPoint {
  step: number;
  phase: Phase;
  loss: number;
  accuracy: number;
  flash: number;
  ram: number;
  latency: number;
  macs: number;
  /** π per channel group, in the order of `RunSeries.groupNames`. */
  pi: number[];
}

export interface ValidationPoint {
  step: number;
  accuracy: number;
}

export interface RunSeries {
  steps: DecimatedSeries<StepPoint>;
  validation: DecimatedSeries<ValidationPoint>;
  /** Names of the prunable groups, the lines of the π chart. */
  groupNames: string[];
  /** The worker's metrics at a coarser resolution, for replay (absent in older saved runs). */
  snapshots?: DecimatedSeries<StepMetrics>;
}

export function emptyRunSeries(): RunSeries {
  return {
    steps: emptySeries(),
    validation: emptySeries(),
    groupNames: [],
    snapshots: emptySeries(),
  };
}

/** The recorded metrics of the latest step at or before `step` (replay), if any. */
export function snapshotAt(series: RunSeries, step: number): StepMetrics | undefined {
  const points = series.snapshots?.points ?? [];
  let found: StepMetrics | undefined;
  for (const p of points) {
    if (p.step > step) break;
    found = p;
  }
  return found;
}

export function appendMetrics(series: RunSeries, m: StepMetrics, cap = SERIES_CAP): RunSeries {
  const prunable = m.groups.filter((g) => g.prunable);
  const names = prunable.map((g) => g.name);
  const sameGroups =
    names.length === series.groupNames.length && names.every((n, i) => n === series.groupNames[i]);
  const groupNames = sameGroups ? series.groupNames : names;
  const byName = new Map(prunable.map((g) => [g.name, g.sizeProportion]));
  const point: StepPoint = {
    step: m.step,
    phase: m.phase,
    loss: m.loss,
    accuracy: m.accuracy,
    flash: m.resources.flash,
    ram: m.resources.ram,
    latency: m.resources.latency,
    macs: m.resources.macs,
    pi: groupNames.map((n) => byName.get(n) ?? Number.NaN),
  };
  return {
    steps: appendDecimated(series.steps, point, cap),
    validation:
      m.validationAccuracy === undefined
        ? series.validation
        : appendDecimated(series.validation, { step: m.step, accuracy: m.validationAccuracy }, cap),
    groupNames,
    snapshots: appendDecimated(series.snapshots ?? emptySeries(), m, SNAPSHOT_CAP),
  };
}
