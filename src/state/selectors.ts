/**
 * Selectors for components: each returns a value already in the store or a primitive, so a
 * component re-renders only when what it draws changes (zustand compares with Object.is).
 */
import type { ResourceName } from '../worker/protocol';
import { boardFor } from './boards';
import { snapshotAt, type StepPoint, type ValidationPoint } from './series';
import type { StudioData } from './store';

export const selectConfig = (s: StudioData) => s.config;
export const selectBudgets = (s: StudioData) => s.config.budgets;
export const selectBoard = (s: StudioData) => boardFor(s.config);
export const selectEstimate = (s: StudioData) => s.estimate;
export const selectRunStatus = (s: StudioData) => s.run.status;
/** The step a finished run is replayed at (undefined: its end, or a live run). */
export const selectReplayStep = (s: StudioData): number | undefined =>
  s.run.status === 'finished' && s.run.latest && s.view.replayStep !== undefined
    ? Math.min(s.view.replayStep, s.run.latest.step)
    : undefined;

/** The metrics the charts show: the latest, or those recorded at the replayed step. */
export const selectLatestMetrics = (s: StudioData) => {
  const step = selectReplayStep(s);
  if (step === undefined || step >= (s.run.latest?.step ?? 0)) return s.run.latest;
  return snapshotAt(s.run.series, step) ?? s.run.latest;
};

/** `points` up to `step`; the same array for the same input, so components do not re-render. */
function upTo<T extends { step: number }>() {
  let last: { points: T[]; step: number | undefined; out: T[] } | undefined;
  return (points: T[], step: number | undefined): T[] => {
    if (step === undefined) return points;
    if (last && last.points === points && last.step === step) return last.out;
    const out = points.filter((p) => p.step <= step);
    last = { points, step, out };
    return out;
  };
}
const stepsUpTo = upTo<StepPoint>();
const validationUpTo = upTo<ValidationPoint>();

export const selectStepPoints = (s: StudioData) =>
  stepsUpTo(s.run.series.steps.points, selectReplayStep(s));
export const selectValidationPoints = (s: StudioData) =>
  validationUpTo(s.run.series.validation.points, selectReplayStep(s));
export const selectGroupNames = (s: StudioData) => s.run.series.groupNames;
export const selectSavedRuns = (s: StudioData) => s.savedRuns;
export const selectNotices = (s: StudioData) => s.notices;
export const selectDataset = (s: StudioData) => s.dataset;
export const selectView = (s: StudioData) => s.view;

export const selectIsRunActive = (s: StudioData) =>
  s.run.status === 'starting' || s.run.status === 'running' || s.run.status === 'paused';

export const selectCanExport = (s: StudioData) =>
  s.run.status === 'finished' && s.run.summary !== undefined;

/** The worker's current figure for a resource, once a run reports one. */
export const selectCurrentFigure = (resource: ResourceName) => (s: StudioData) =>
  s.run.latest?.resources[resource];

/** The unpruned figure: the worker's when a run reported it, else the provisional estimate. */
export const selectUnprunedFigure = (resource: ResourceName) => (s: StudioData) =>
  s.run.latest?.unpruned[resource] ?? s.estimate?.unpruned[resource];

export const selectSmallestFigure = (resource: ResourceName) => (s: StudioData) =>
  s.estimate?.smallest[resource];

/**
 * Why leaving the page now would lose work (the page then asks before unloading): a run that
 * has not finished, or a finished run not yet kept in this browser.
 */
export const selectUnloadWarning = (s: StudioData): string | undefined => {
  if (selectIsRunActive(s)) return 'A run is in progress: leaving the page interrupts it.';
  if (s.run.status === 'finished' && s.run.summary && s.run.kept !== 'saved') {
    return 'The finished run is not kept in this browser yet: leaving the page loses it.';
  }
  return undefined;
};

/**
 * Why the shown run's clips cannot be played, or undefined when they can: the worker holds
 * only the run it finished in this page (a reopened or imported run has no files behind it).
 */
export const selectSampleAudioProblem = (s: StudioData): string | undefined =>
  s.run.summary !== undefined && s.run.summary.id === s.liveRunId
    ? undefined
    : 'Not playable: this run’s clips are not loaded in this page (choose its folder again and rerun to listen).';
