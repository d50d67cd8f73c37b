/**
 * Finished runs kept in localStorage. What comes back from storage is untrusted (another
 * version of the app, a browser extension, a hand edit): each run is checked field by field,
 * unreadable ones are dropped with a count, and nothing here ever throws.
 */
import { CUSTOM_BOARD_ID, customBoardProblems, type BoardProfile } from '../core/hardware';
import type { RunSummary } from '../worker/protocol';

export const SAVED_RUNS_KEY = 'pruning-studio.saved-runs.v1';
export const SAVED_RUNS_VERSION = 1;
/** Oldest runs go first beyond this; a summary is ~1–2 KB. */
export const MAX_SAVED_RUNS = 100;

type Obj = Record<string, unknown>;

const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const isStr = (x: unknown): x is string => typeof x === 'string';
const BACKENDS = ['webgpu', 'webgl', 'cpu', 'wasm'];

function isFigures(x: unknown): boolean {
  return isObj(x) && isNum(x.flash) && isNum(x.ram) && isNum(x.latency) && isNum(x.macs);
}

function isBudgets(x: unknown): boolean {
  if (!isObj(x)) return false;
  return ['flash', 'ram', 'latency', 'macs'].every((k) => x[k] === undefined || isNum(x[k]));
}

/** A custom board is usable only if every field passes the same checks as the board form. */
function isCustomBoard(x: unknown): boolean {
  return (
    isObj(x) &&
    x.id === CUSTOM_BOARD_ID &&
    isStr(x.name) &&
    Object.keys(customBoardProblems(x as unknown as BoardProfile)).length === 0
  );
}

function isConfig(x: unknown): boolean {
  return (
    isObj(x) &&
    (x.customBoard === undefined || isCustomBoard(x.customBoard)) &&
    isObj(x.dataset) &&
    isStr(x.dataset.kind) &&
    isStr(x.modelId) &&
    isNum(x.widthMultiplier) &&
    isStr(x.boardId) &&
    isBudgets(x.budgets) &&
    isObj(x.schedule) &&
    isNum(x.schedule.totalSteps) &&
    isNum(x.schedule.warmupFraction) &&
    isNum(x.schedule.pruneFraction) &&
    isNum(x.batchSize) &&
    isNum(x.learningRate) &&
    isNum(x.seed)
  );
}

function isBudgetHistory(x: unknown): boolean {
  return (
    Array.isArray(x) &&
    x.every((c) => isObj(c) && isNum(c.step) && c.step >= 0 && isBudgets(c.budgets))
  );
}

function isQuantised(x: unknown): boolean {
  return isObj(x) && isNum(x.int8Accuracy) && isNum(x.floatAccuracy) && isNum(x.samples);
}

function isReference(x: unknown): boolean {
  return isObj(x) && isNum(x.accuracy) && isNum(x.steps) && isNum(x.validationSamples);
}

function isBaseline(x: unknown): boolean {
  return (
    isObj(x) &&
    isNum(x.ratio) &&
    Array.isArray(x.keptPerGroup) &&
    x.keptPerGroup.every((g) => isObj(g) && isStr(g.name) && isNum(g.kept) && isNum(g.size)) &&
    isNum(x.accuracy) &&
    isNum(x.steps) &&
    isNum(x.validationSamples) &&
    isFigures(x.resources) &&
    isObj(x.budgets) &&
    Object.values(x.budgets).every(isNum) &&
    typeof x.fits === 'boolean'
  );
}

function isDatasetIdentity(x: unknown): boolean {
  return (
    isObj(x) &&
    isStr(x.id) &&
    isStr(x.name) &&
    Array.isArray(x.inputShape) &&
    x.inputShape.length === 3 &&
    x.inputShape.every(isNum) &&
    Array.isArray(x.classNames) &&
    x.classNames.every(isStr) &&
    isNum(x.trainCount) &&
    isNum(x.validationCount)
  );
}

/** Whether `x` has every field of a RunSummary with the right type. */
export function isRunSummary(x: unknown): x is RunSummary {
  return (
    isObj(x) &&
    isStr(x.id) &&
    (x.name === undefined || isStr(x.name)) &&
    isStr(x.finishedAt) &&
    isConfig(x.config) &&
    isStr(x.datasetName) &&
    (x.dataset === undefined || isDatasetIdentity(x.dataset)) &&
    isStr(x.modelName) &&
    isStr(x.boardName) &&
    isNum(x.validationAccuracy) &&
    (x.unprunedValidationAccuracy === undefined || isNum(x.unprunedValidationAccuracy)) &&
    (x.unprunedMeasuredAtStep === undefined || isNum(x.unprunedMeasuredAtStep)) &&
    (x.validationSamples === undefined || isNum(x.validationSamples)) &&
    (x.quantised === undefined || isQuantised(x.quantised)) &&
    (x.reference === undefined || isReference(x.reference)) &&
    (x.baseline === undefined || isBaseline(x.baseline)) &&
    isFigures(x.resources) &&
    isFigures(x.unpruned) &&
    Array.isArray(x.keptPerGroup) &&
    x.keptPerGroup.every((g) => isObj(g) && isStr(g.name) && isNum(g.kept) && isNum(g.size)) &&
    isStr(x.backend) &&
    BACKENDS.includes(x.backend) &&
    isNum(x.steps) &&
    isNum(x.durationMs) &&
    (x.budgetHistory === undefined || isBudgetHistory(x.budgetHistory))
  );
}

export interface LoadedRuns {
  runs: RunSummary[];
  /** Set when something stored could not be used; the page shows it as a notice. */
  problem?: string;
}

export function parseSavedRuns(text: string | null): LoadedRuns {
  if (text === null || text === '') return { runs: [] };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { runs: [], problem: 'The saved runs in this browser are unreadable and were ignored.' };
  }
  if (!isObj(data) || data.version !== SAVED_RUNS_VERSION || !Array.isArray(data.runs)) {
    return {
      runs: [],
      problem: 'The saved runs in this browser are in an unknown format and were ignored.',
    };
  }
  const runs = data.runs.filter(isRunSummary);
  const dropped = data.runs.length - runs.length;
  return dropped === 0
    ? { runs }
    : {
        runs,
        problem: `${dropped} saved run${dropped === 1 ? ' was' : 's were'} unreadable and ignored.`,
      };
}

/** JSON for storage; uploaded files are not stored (only their format). */
export function serialiseSavedRuns(runs: readonly RunSummary[]): string {
  const stored = runs
    .slice(-MAX_SAVED_RUNS)
    .map((run) =>
      run.config.dataset.kind === 'upload'
        ? { ...run, config: { ...run.config, dataset: { ...run.config.dataset, files: [] } } }
        : run,
    );
  return JSON.stringify({ version: SAVED_RUNS_VERSION, runs: stored });
}

/**
 * Storage for a browser that refuses it (localStorage blocked, or absent): every access throws
 * the browser's reason, so loading and saving say so instead of failing silently.
 */
export function unavailableStorage(reason: unknown): Pick<Storage, 'getItem' | 'setItem'> {
  const fail = (): never => {
    throw reason instanceof Error ? reason : new Error('localStorage is not available');
  };
  return { getItem: fail, setItem: fail };
}

export function loadSavedRuns(storage: Pick<Storage, 'getItem'> | undefined): LoadedRuns {
  try {
    return parseSavedRuns(storage?.getItem(SAVED_RUNS_KEY) ?? null);
  } catch {
    return {
      runs: [],
      problem:
        'This browser does not let the page keep data (site storage is blocked or unavailable): ' +
        'saved runs and settings will not survive a reload.',
    };
  }
}

/** What one tab changes in the run list: runs added or changed, and runs deleted. */
export interface SavedRunsChange {
  put?: readonly RunSummary[];
  remove?: readonly string[];
}

/**
 * Applies a change to the run list as it is stored now, not as this tab last read it: another
 * tab may have added or deleted runs since, and a whole-list write would undo that. Returns the
 * merged list (what every tab now sees), or the problem when storage refuses; never throws.
 */
export function updateSavedRuns(
  storage: Pick<Storage, 'getItem' | 'setItem'> | undefined,
  change: SavedRunsChange,
): { runs?: RunSummary[]; problem?: string } {
  if (!storage) return {};
  let stored: RunSummary[];
  try {
    stored = parseSavedRuns(storage.getItem(SAVED_RUNS_KEY)).runs;
  } catch {
    return { problem: 'Could not save the run list in this browser (storage full or disabled).' };
  }
  const removed = new Set(change.remove ?? []);
  const put = new Map((change.put ?? []).map((r) => [r.id, r]));
  // Changed runs keep their place; new ones go by when they finished.
  const known = new Set(stored.map((r) => r.id));
  const runs = [
    ...stored.filter((r) => !removed.has(r.id)).map((r) => put.get(r.id) ?? r),
    ...[...put.values()].filter((r) => !removed.has(r.id) && !known.has(r.id)),
  ].sort((a, b) => a.finishedAt.localeCompare(b.finishedAt));
  const problem = storeSavedRuns(storage, runs);
  return problem ? { problem } : { runs: runs.slice(-MAX_SAVED_RUNS) };
}

/** Returns a problem message when storage refuses (quota, private mode); never throws. */
export function storeSavedRuns(
  storage: Pick<Storage, 'setItem'> | undefined,
  runs: readonly RunSummary[],
): string | undefined {
  try {
    storage?.setItem(SAVED_RUNS_KEY, serialiseSavedRuns(runs));
    return undefined;
  } catch {
    return 'Could not save the run list in this browser (storage full or disabled).';
  }
}
