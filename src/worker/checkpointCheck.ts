/**
 * A stored checkpoint is untrusted: another version of the studio, another site's leftovers,
 * a browser extension or a hand edit may have written it. Before the page offers to resume
 * one, every part the resume will use is checked here, and the first problem is named in
 * words; a record that fails is discarded, never half-restored.
 */
import { analyseGraph, type AnalysedGraph } from '../core/graphAnalysis';
import { BOARDS, CUSTOM_BOARD_ID, customBoardProblems, type BoardProfile } from '../core/hardware';
import { MODEL_ZOO } from '../core/zoo';
import { assertDatasetConsistent, type Dataset } from '../data/dataset';
import { GENERATED_STYLES, LIMITS } from '../core/runLimits';
import { weightShapes, type LayerWeights, type WeightName } from '../train/network';
import type { StoredRun } from './checkpointStore';

/** The checkpoint layout this version writes and reads (TrainerCheckpoint.version). */
export const CHECKPOINT_VERSION = 1;

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const isInt = (x: unknown): x is number => Number.isInteger(x);
const isStr = (x: unknown): x is string => typeof x === 'string';
const within = (x: unknown, r: { min: number; max: number }) =>
  isNum(x) && x >= r.min && x <= r.max;
const show = (x: unknown) => {
  try {
    return JSON.stringify(x)?.slice(0, 40) ?? String(x);
  } catch {
    return typeof x;
  }
};

/** What the configuration's dataset gives the model: known without loading it. */
function expectedInput(
  config: Obj,
  dataset: Dataset | undefined,
): { inputShape: [number, number, number]; numClasses: number } | string {
  const spec = config.dataset;
  if (!isObj(spec)) return 'its configuration names no dataset';
  switch (spec.kind) {
    case 'mnist':
      return { inputShape: [28, 28, 1], numClasses: 10 };
    case 'generated': {
      const ok =
        within(spec.seed, LIMITS.seed) &&
        isInt(spec.classes) &&
        within(spec.classes, LIMITS.generatedClasses) &&
        isInt(spec.size) &&
        within(spec.size, LIMITS.generatedSize) &&
        isInt(spec.samples) &&
        within(spec.samples, LIMITS.generatedSamples) &&
        (spec.style === undefined || (GENERATED_STYLES as readonly unknown[]).includes(spec.style));
      if (!ok) return 'its generated dataset has settings outside the studio’s limits';
      const size = spec.size as number;
      const channels = spec.style === 'textured' ? 3 : 1;
      return { inputShape: [size, size, channels], numClasses: spec.classes as number };
    }
    case 'upload': {
      if (!dataset) return 'uploaded data';
      return { inputShape: dataset.inputShape, numClasses: dataset.numClasses };
    }
    default:
      return `its dataset kind ${show(spec.kind)} is not one this version knows`;
  }
}

function configProblem(config: unknown): string | undefined {
  if (!isObj(config)) return 'it has no run configuration';
  const model = MODEL_ZOO.find((m) => m.id === config.modelId);
  if (!model) return `its model ${show(config.modelId)} is not one this version knows`;
  if (!within(config.widthMultiplier, LIMITS.widthMultiplier)) {
    return `its width multiplier ${show(config.widthMultiplier)} is outside ${LIMITS.widthMultiplier.min}–${LIMITS.widthMultiplier.max}`;
  }
  if (!isStr(config.boardId)) return 'it names no board';
  if (config.boardId === CUSTOM_BOARD_ID) {
    const board = config.customBoard;
    if (!isObj(board) || !isStr(board.name)) return 'its custom board is missing';
    const problems = Object.values(customBoardProblems(board as unknown as BoardProfile));
    if (problems.length > 0) return `its custom board is not valid (${problems.join(' ')})`;
  } else if (!BOARDS.some((b) => b.id === config.boardId)) {
    return `its board ${show(config.boardId)} is not one this version knows`;
  }
  const budgets = config.budgets;
  if (!isObj(budgets)) return 'it has no budgets';
  for (const r of ['flash', 'ram', 'latency', 'macs'] as const) {
    if (budgets[r] !== undefined && !within(budgets[r], LIMITS[r])) {
      return `its ${r} budget ${show(budgets[r])} is outside ${LIMITS[r].min}–${LIMITS[r].max}`;
    }
  }
  const s = config.schedule;
  if (!isObj(s)) return 'it has no schedule';
  if (!isInt(s.totalSteps) || !within(s.totalSteps, LIMITS.totalSteps)) {
    return `its length of ${show(s.totalSteps)} steps is outside ${LIMITS.totalSteps.min}–${LIMITS.totalSteps.max}`;
  }
  if (
    !within(s.warmupFraction, LIMITS.warmupFraction) ||
    !within(s.pruneFraction, LIMITS.pruneFraction) ||
    (s.warmupFraction as number) + (s.pruneFraction as number) > 1
  ) {
    return 'its warm-up and pruning fractions are outside the studio’s limits';
  }
  if (!isInt(config.batchSize) || !within(config.batchSize, LIMITS.batchSize)) {
    return `its batch size ${show(config.batchSize)} is outside ${LIMITS.batchSize.min}–${LIMITS.batchSize.max}`;
  }
  if (!within(config.learningRate, LIMITS.learningRate)) {
    return `its learning rate ${show(config.learningRate)} is outside the studio’s limits`;
  }
  if (!isInt(config.seed) || !within(config.seed, LIMITS.seed)) {
    return `its seed ${show(config.seed)} is not a whole number in the studio’s range`;
  }
  return undefined;
}

/** Every weight of every layer of `analysed`, of the length its shape says, and no others. */
function weightsProblem(
  what: string,
  weights: unknown,
  analysed: AnalysedGraph,
  optional: boolean,
): string | undefined {
  if (!(weights instanceof Map)) return `its ${what} are not a layer map`;
  for (const id of weights.keys()) {
    if (!analysed.nodes.has(id as string))
      return `its ${what} name a layer ${show(id)} the model lacks`;
  }
  for (const id of analysed.topoOrder) {
    const shapes = weightShapes(analysed, analysed.nodes.get(id)!);
    const names = Object.keys(shapes) as WeightName[];
    if (names.length === 0) continue;
    const layer = weights.get(id) as LayerWeights | undefined;
    if (layer === undefined) {
      if (optional) continue;
      return `its ${what} lack layer ${id}`;
    }
    if (!isObj(layer)) return `its ${what} of layer ${id} are not readable`;
    for (const name of names) {
      const values = layer[name];
      const length = shapes[name]!.reduce((a, b) => a * b, 1);
      if (values === undefined && optional) continue;
      if (!(values instanceof Float32Array)) return `its ${what} lack ${id}.${name}`;
      if (values.length !== length) {
        return `its ${what} ${id}.${name} hold ${values.length} values where the model has ${length} (shape ${shapes[name]!.join('×')})`;
      }
    }
  }
  return undefined;
}

const numbers = (x: unknown, length: number) =>
  Array.isArray(x) && x.length === length && x.every(isNum);

function controllerProblem(state: unknown, analysed: AnalysedGraph): string | undefined {
  const groups = analysed.groups;
  if (!isObj(state)) return 'its pruning state is missing';
  if (!numbers(state.sizeProportions, groups.length)) {
    return `its pruning state has no size proportion for each of the model's ${groups.length} channel groups`;
  }
  if (
    !Array.isArray(state.importances) ||
    state.importances.length !== groups.length ||
    !state.importances.every((imp, g) => numbers(imp, groups[g].size))
  ) {
    return 'its channel importances do not match the model’s channel groups';
  }
  if (
    state.ranks !== undefined &&
    (!Array.isArray(state.ranks) ||
      state.ranks.length !== groups.length ||
      !state.ranks.every((r, g) => numbers(r, groups[g].size)))
  ) {
    return 'its channel ranks do not match the model’s channel groups';
  }
  if (!isObj(state.lambdas) || !Object.values(state.lambdas).every(isNum)) {
    return 'its budget multipliers are not numbers';
  }
  const adam = state.adam;
  if (!isObj(adam) || !numbers(adam.m, groups.length) || !numbers(adam.v, groups.length)) {
    return 'its size-proportion optimiser state does not match the model';
  }
  if (!isInt(state.observedSteps)) return 'its pruning state has no step count';
  return undefined;
}

/** The graph a removed (physically pruned) checkpoint trains: the model's, narrower. */
function prunedGraphProblem(
  checkpoint: Obj,
  original: AnalysedGraph,
): { analysed: AnalysedGraph } | string {
  const kept = checkpoint.keptAtRemoval;
  if (
    !Array.isArray(kept) ||
    kept.length !== original.groups.length ||
    !kept.every(
      (k, g) =>
        Array.isArray(k) &&
        k.length >= 1 &&
        k.length <= original.groups[g].size &&
        k.every((c) => isInt(c) && c >= 0 && c < original.groups[g].size),
    )
  ) {
    return 'its kept channels do not match the model’s channel groups';
  }
  let analysed: AnalysedGraph;
  try {
    analysed = analyseGraph(checkpoint.graph as AnalysedGraph['graph']);
  } catch (err) {
    return `its pruned network is not a valid graph (${err instanceof Error ? err.message : String(err)})`;
  }
  const ids = (a: AnalysedGraph) => [...a.nodes.keys()].sort().join(',');
  if (ids(analysed) !== ids(original)) return 'its pruned network is not this model';
  const out = (a: AnalysedGraph) => a.shapes.get(a.graph.output)?.join('×');
  if (out(analysed) !== out(original)) return 'its pruned network has other outputs than the model';
  const sizes = (a: AnalysedGraph) => a.groups.map((g) => g.size);
  if (sizes(analysed).some((s, g) => s !== kept[g].length)) {
    return 'its pruned network does not keep the channels it says it kept';
  }
  return { analysed };
}

/**
 * Why a stored run cannot be resumed, or undefined when every part of it fits the model its
 * configuration builds for its dataset (an error building that model is a problem too).
 */
export function storedRunProblem(value: unknown): string | undefined {
  if (!isObj(value)) return 'it is not a checkpoint record';
  const checkpoint = value.checkpoint;
  if (!isObj(checkpoint)) return 'it holds no checkpoint';
  if (checkpoint.version !== CHECKPOINT_VERSION) {
    return `it was written by another version of the studio (checkpoint format ${show(checkpoint.version)}, this one reads ${CHECKPOINT_VERSION})`;
  }
  if (!isStr(value.modelName) || !isStr(value.datasetName) || !isStr(value.savedAt)) {
    return 'it does not name its model, dataset and time';
  }
  const problem = configProblem(value.config);
  if (problem) return problem;
  const config = value.config as Obj;
  const totalSteps = (config.schedule as Obj).totalSteps as number;
  const step = checkpoint.step;
  if (!isInt(step) || step < 0 || step > totalSteps) {
    return `its step ${show(step)} is not between 0 and the run's ${totalSteps} steps`;
  }
  let dataset: Dataset | undefined;
  if (value.dataset !== undefined) {
    if (!isObj(value.dataset)) return 'its kept dataset is not readable';
    try {
      assertDatasetConsistent(value.dataset as unknown as Dataset);
    } catch (err) {
      return `its kept dataset is not consistent (${err instanceof Error ? err.message : String(err)})`;
    }
    dataset = value.dataset as unknown as Dataset;
  }
  const input = expectedInput(config, dataset);
  if (typeof input === 'string') {
    if (input === 'uploaded data') {
      return (
        `its uploaded dataset "${value.datasetName}" was not kept with it (uploads over ` +
        `${STORED_DATASET_LIMIT_TEXT} are not), so nothing can be restored: upload ` +
        `"${value.datasetName}" again and start a new run`
      );
    }
    return input;
  }
  let original: AnalysedGraph;
  try {
    const model = MODEL_ZOO.find((m) => m.id === config.modelId)!;
    original = analyseGraph(
      model.build({
        inputShape: input.inputShape,
        numClasses: input.numClasses,
        widthMultiplier: config.widthMultiplier as number,
      }),
    );
  } catch (err) {
    return `its model cannot be built for its dataset (${err instanceof Error ? err.message : String(err)})`;
  }
  if (typeof checkpoint.removed !== 'boolean') return 'it does not say whether it was pruned';
  let trained = original;
  if (checkpoint.removed) {
    const pruned = prunedGraphProblem(checkpoint, original);
    if (typeof pruned === 'string') return pruned;
    trained = pruned.analysed;
  }
  const weights = weightsProblem('weights', checkpoint.weights, trained, false);
  if (weights) return weights;
  const optimizer = checkpoint.optimizer;
  if (!isObj(optimizer) || !isInt(optimizer.step)) return 'its optimiser state is missing';
  const moments =
    weightsProblem('optimiser moments', optimizer.m, trained, true) ??
    weightsProblem('optimiser moments', optimizer.v, trained, true);
  if (moments) return moments;
  const controller = controllerProblem(checkpoint.controller, original);
  if (controller) return controller;
  const budgets = checkpoint.budgets;
  if (
    !isObj(budgets) ||
    !(['flash', 'ram', 'latency', 'macs'] as const).every(
      (r) => budgets[r] === undefined || within(budgets[r], LIMITS[r]),
    )
  ) {
    return 'its budgets are not valid';
  }
  if (!within(checkpoint.learningRate, { min: 0, max: LIMITS.learningRate.max })) {
    return `its learning rate ${show(checkpoint.learningRate)} is not valid`;
  }
  if (!isNum(checkpoint.activeMs) || checkpoint.activeMs < 0) return 'its timing is not valid';
  if (
    checkpoint.lastValidationAccuracy !== undefined &&
    !within(checkpoint.lastValidationAccuracy, { min: 0, max: 1 })
  ) {
    return 'its validation accuracy is not valid';
  }
  return undefined;
}

/** Why `weights` do not fit the network `analysed` describes, or undefined. */
export function weightsFitProblem(weights: unknown, analysed: AnalysedGraph): string | undefined {
  return weightsProblem('weights', weights, analysed, false);
}

/** Uploaded datasets up to this size are stored with the checkpoint so a reload can resume. */
export const STORED_DATASET_LIMIT = 256 * 1024 * 1024;
const STORED_DATASET_LIMIT_TEXT = '256 MiB';

/** The stored run as the resume will use it, or why it cannot be used. */
export function validStoredRun(value: unknown): StoredRun | string {
  try {
    return storedRunProblem(value) ?? (value as StoredRun);
  } catch (err) {
    // A check that itself fails on a strange record is still a reason, in words.
    return `it could not be read (${err instanceof Error ? err.message : String(err)})`;
  }
}
