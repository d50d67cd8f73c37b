/**
 * The configuration slice: dataset, model, board, budgets, schedule and training settings,
 * with the provisional estimate and the budgets a board preset fills in (see BudgetRefill).
 * A change during a run reaches the worker only where the run can take it (the budgets).
 */
import {
  CUSTOM_BOARD_ID,
  customBoardProblems,
  defaultCustomBoard,
  type BoardProfile,
} from '../core/hardware';
import { zooModel } from '../core/zoo';
import type {
  BackendSetting,
  Budgets,
  ResourceName,
  RunConfig,
  ScheduleConfig,
} from '../worker/protocol';
import { boardFor } from './boards';
import { defaultBudgets, modelShrink, roundBudget } from './budgets';
import {
  DEFAULT_GENERATED,
  DEFAULT_TEXTURED,
  expectedInput,
  type DatasetChoice,
  type StudioConfig,
} from './config';
import { loadDataset, loadDatasetSoon } from './datasetSlice';
import { estimateModel } from './estimate';
import { encodeConfigHash, parseConfigHash } from './hash';
import { isActive, send, type Ctx, type SliceContext } from './sliceContext';
import type { StudioData, UploadSelection } from './store';
import { notify } from './viewSlice';

/** Settings sent with `setBudgets` wait this long for the slider to settle. */
export const BUDGET_DEBOUNCE_MS = 150;

export function modelDefaults(modelId: string) {
  try {
    const m = zooModel(modelId);
    return { input: m.defaultInput, classes: m.defaultClasses };
  } catch {
    return { input: [28, 28, 1] as [number, number, number], classes: 10 };
  }
}

/** The input the configured model will see: the loaded dataset's, else the expected one. */
export function inputFor(state: Pick<StudioData, 'config' | 'dataset'>) {
  const summary = state.dataset.summary;
  if (summary && !state.dataset.loading && state.config.dataset.kind === 'upload') {
    return { inputShape: summary.inputShape, numClasses: summary.numClasses };
  }
  return expectedInput(state.config.dataset, modelDefaults(state.config.modelId));
}

/** Budgets a board preset proposes for a configuration (no estimate: keep the old ones). */
export function presetBudgets(config: Omit<StudioConfig, 'budgets'>, fallback: Budgets = {}) {
  const input = expectedInput(config.dataset, modelDefaults(config.modelId));
  const board = boardFor(config);
  const estimate = estimateModel(
    config.modelId,
    config.widthMultiplier,
    input.inputShape,
    input.numClasses,
    board,
  );
  return estimate
    ? defaultBudgets(board, estimate.unpruned, estimate.smallest, modelShrink(config.modelId))
    : fallback;
}

/**
 * What a configuration change does to the budgets (the estimate is always recomputed):
 * - 'keep': nothing (the user's own edit, or a change that does not move the defaults yet);
 * - 'rebase': the budgets stay, and the defaults they are compared with become the ones of
 *   the new configuration (a link or a resumed run: a budget it names that differs from the
 *   preset counts as the user's);
 * - 'follow': the budgets the user did not set move to the new defaults (model, board, width,
 *   dataset changes); one the user set (it differs from the defaults it was filled from,
 *   'none' included) stays;
 * - 'reset': every budget goes back to the defaults (the Reset button).
 */
export type BudgetRefill = 'keep' | 'rebase' | 'follow' | 'reset';

const BUDGET_RESOURCES = ['flash', 'ram', 'latency', 'macs'] as const;

/** Budgets after a 'follow': `defaults` where `budgets` still holds `previous`'s value. */
export function followDefaults(budgets: Budgets, previous: Budgets, defaults: Budgets): Budgets {
  const next: Budgets = {};
  for (const r of BUDGET_RESOURCES) {
    const value = budgets[r] === previous[r] ? defaults[r] : budgets[r];
    if (value !== undefined) next[r] = value;
  }
  return next;
}

/** Recomputes the provisional estimate after a configuration or dataset change. */
export function withEstimate<S extends StudioData>(state: S, refill: BudgetRefill): S {
  const input = inputFor(state);
  const board = boardFor(state.config);
  const estimate = estimateModel(
    state.config.modelId,
    state.config.widthMultiplier,
    input.inputShape,
    input.numClasses,
    board,
  );
  const defaults =
    estimate &&
    defaultBudgets(board, estimate.unpruned, estimate.smallest, modelShrink(state.config.modelId));
  let budgets = state.config.budgets;
  let budgetDefaults = state.budgetDefaults;
  if (defaults && refill !== 'keep') {
    if (refill === 'reset' || (refill === 'follow' && !budgetDefaults)) budgets = defaults;
    else if (refill === 'follow') budgets = followDefaults(budgets, budgetDefaults!, defaults);
    budgetDefaults = defaults;
  }
  return {
    ...state,
    estimate,
    estimateInput: input,
    budgetDefaults,
    config: { ...state.config, budgets },
  };
}

export const setConfig = (
  { set }: Ctx<'set'>,
  change: Partial<StudioConfig>,
  refill: BudgetRefill,
) => set((s) => withEstimate({ ...s, config: { ...s.config, ...change } }, refill));

/** The notice for the invalid settings of a link. */
export const linkProblemsMessage = (problems: string[]) =>
  `Some settings in the link were not valid and use their defaults instead: ${problems.join(' ')}`;

/** Replaces the configuration by the one in a link; problems become a notice. */
export function applyHash(ctx: SliceContext, hash: string) {
  const { get, set, env } = ctx;
  const { config, problems } = parseConfigHash(hash, (c) => presetBudgets(c));
  if (isActive(get().run.status)) {
    // The run goes on with its own settings: the page keeps showing them, and the link.
    if (encodeConfigHash(config) === encodeConfigHash(get().config)) return;
    env.writeHash?.(encodeConfigHash(get().config));
    notify(
      ctx,
      'warning',
      'A run is going, so the settings of the new link were not applied. Stop the run, then open the link again.',
    );
    return;
  }
  const datasetChanged = JSON.stringify(config.dataset) !== JSON.stringify(get().config.dataset);
  set((s) => withEstimate({ ...s, config }, 'rebase'));
  if (problems.length > 0) notify(ctx, 'warning', linkProblemsMessage(problems));
  if (datasetChanged) loadDataset(ctx);
}

export function setDatasetKind(ctx: SliceContext, kind: DatasetChoice['kind']) {
  const current = ctx.get().config.dataset;
  if (current.kind === kind) return;
  let dataset: DatasetChoice;
  if (kind === 'mnist') dataset = { kind: 'mnist' };
  else if (kind === 'generated') dataset = { kind: 'generated', ...DEFAULT_GENERATED };
  else dataset = { kind: 'upload', format: ctx.get().upload?.format ?? 'image-folder' };
  setConfig(ctx, { dataset }, 'follow');
  loadDataset(ctx);
}

export function setGeneratedOptions(
  ctx: SliceContext,
  options: Partial<Omit<Extract<DatasetChoice, { kind: 'generated' }>, 'kind'>>,
) {
  const current = ctx.get().config.dataset;
  const style = options.style ?? (current.kind === 'generated' ? current.style : undefined);
  const styleDefaults = style === 'textured' ? DEFAULT_TEXTURED : DEFAULT_GENERATED;
  // Another style starts from its own defaults (the textured set is 32×32, ten classes).
  const base =
    current.kind === 'generated' && (current.style ?? 'plain') === (style ?? 'plain')
      ? current
      : { ...styleDefaults };
  setConfig(ctx, { dataset: { ...base, ...options, kind: 'generated' } }, 'follow');
  loadDatasetSoon(ctx);
}

export function setUpload(ctx: SliceContext, selection: UploadSelection) {
  ctx.set({ upload: selection });
  setConfig(ctx, { dataset: { kind: 'upload', format: selection.format } }, 'keep');
  if (selection.files.length > 0) loadDataset(ctx);
}

export const setModel = (ctx: Ctx<'set'>, modelId: string) => setConfig(ctx, { modelId }, 'follow');

export const setWidthMultiplier = (ctx: Ctx<'set'>, widthMultiplier: number) =>
  setConfig(ctx, { widthMultiplier }, 'follow');

export const setBoard = (ctx: Ctx<'get' | 'set'>, boardId: string) =>
  setConfig(
    ctx,
    boardId === CUSTOM_BOARD_ID
      ? { boardId, customBoard: ctx.get().config.customBoard ?? defaultCustomBoard() }
      : { boardId },
    'follow',
  );

/** Selects a custom board (checked here: a board with problems changes nothing but a notice). */
export function setCustomBoard(ctx: Ctx<'set'>, customBoard: BoardProfile) {
  const problems = Object.values(customBoardProblems(customBoard));
  if (problems.length > 0) {
    notify(ctx, 'error', `The custom board was not changed: ${problems.join(' ')}`);
    return;
  }
  setConfig(ctx, { boardId: CUSTOM_BOARD_ID, customBoard }, 'follow');
}

const sendBudgets = (ctx: Ctx<'get' | 'link'>) =>
  send(ctx, { type: 'setBudgets', budgets: { ...ctx.get().config.budgets } });

/** undefined (or no positive number) removes the limit. During a run the worker is told (debounced). */
export function setBudget(
  ctx: Ctx<'get' | 'set' | 'link' | 'timers'>,
  resource: ResourceName,
  value: number | undefined,
) {
  const { get, link, timers } = ctx;
  const budgets = { ...get().config.budgets };
  if (value === undefined || !Number.isFinite(value) || value <= 0) delete budgets[resource];
  else budgets[resource] = roundBudget(resource, value);
  setConfig(ctx, { budgets }, 'keep');
  if (!isActive(get().run.status)) return;
  if (link.budgetTimer !== undefined) timers.clear(link.budgetTimer);
  link.budgetTimer = timers.set(() => {
    link.budgetTimer = undefined;
    sendBudgets(ctx);
  }, BUDGET_DEBOUNCE_MS);
}

export function resetBudgets(ctx: Ctx<'get' | 'set' | 'link'>) {
  setConfig(ctx, {}, 'reset');
  if (isActive(ctx.get().run.status)) sendBudgets(ctx);
}

export const setSchedule = (ctx: Ctx<'get' | 'set'>, schedule: Partial<ScheduleConfig>) =>
  setConfig(ctx, { schedule: { ...ctx.get().config.schedule, ...schedule } }, 'keep');

export const setTraining = (
  ctx: Ctx<'set'>,
  options: Partial<Pick<StudioConfig, 'batchSize' | 'learningRate' | 'seed'>>,
) => setConfig(ctx, options, 'keep');

/** 'auto' measures the backends and takes the fastest; applies between runs. */
export function setBackendChoice(ctx: Ctx<'get' | 'set' | 'link'>, choice: BackendSetting) {
  if (isActive(ctx.get().run.status)) return;
  setConfig(ctx, { backend: choice }, 'keep');
  ctx.set((s) => ({ backend: { ...s.backend, active: undefined, timings: undefined } }));
  send(ctx, { type: 'chooseBackend', choice });
}

/**
 * A resumed run's settings become the page's (board, model, schedule, budgets in force):
 * the sliders then edit that run's budgets, not the defaults of a fresh page.
 */
export function showResumedConfig(ctx: Ctx<'get' | 'set' | 'env'>, run: RunConfig) {
  const current = ctx.get().config;
  const d = run.dataset;
  const dataset: DatasetChoice =
    d.kind === 'upload'
      ? {
          kind: 'upload',
          format:
            d.format ??
            (current.dataset.kind === 'upload' ? current.dataset.format : 'image-folder'),
        }
      : d;
  setConfig(
    ctx,
    {
      dataset,
      modelId: run.modelId,
      widthMultiplier: run.widthMultiplier,
      boardId: run.boardId,
      ...(run.customBoard ? { customBoard: { ...run.customBoard } } : {}),
      budgets: { ...run.budgets },
      schedule: { ...run.schedule },
      batchSize: run.batchSize,
      learningRate: run.learningRate,
      seed: run.seed,
    },
    'rebase',
  );
  ctx.env.writeHash?.(encodeConfigHash(ctx.get().config));
}
