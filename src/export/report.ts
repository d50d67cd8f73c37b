/**
 * Export report: what was deployed, against which board and budgets, at what cost and accuracy.
 * Takes the numbers as input (core estimates them) and formats them with units.
 */
import { scopeLabel, type TimelineBuffer } from '../core/arenaTimeline';
import { ExportError } from './model';

export interface ReportInput {
  modelName: string;
  board: { name: string; core?: string; clockMHz?: number };
  /** The budgets the final network was pruned to. */
  budgets: { flashBytes?: number; ramBytes?: number; latencyMs?: number };
  /**
   * Every budget change of the run from its Start budgets, with the step it applied from
   * (the last entry equals `budgets`); listed when the budgets moved during the run.
   */
  budgetHistory?: {
    step: number;
    budgets: { flashBytes?: number; ramBytes?: number; latencyMs?: number };
  }[];
  estimates: { flashBytes: number; ramBytes: number; latencyMs: number; macs: number };
  /** Per prunable layer (or channel group): channels kept of the original count. */
  channels: { layer: string; kept: number; original: number }[];
  /** Fractions in [0, 1]; absent when not measured. */
  accuracy: { beforePruning?: number; afterPruning?: number; afterInt8?: number };
  /** Size of the written .tflite, when one was written. */
  tfliteBytes?: number;
  /** What firmware needs to run the file (the same facts the C module's headers hold). */
  deployment?: DeploymentFacts;
  /** The dataset the run trained on: name, input shape, classes in label order, sample counts. */
  dataset?: DatasetIdentity;
  /** The int8 model next to its float original, sample by sample (same samples as afterInt8). */
  int8Comparison?: Int8Comparison;
  /** What each accuracy was measured on (network, step, samples). */
  accuracyMeasured?: Partial<
    Record<
      'beforePruning' | 'afterPruning' | 'afterInt8',
      { network: string; step: number; samples?: number }
    >
  >;
  warnings?: string[];
  /** ISO date; default now. */
  createdAt?: string;
}

export interface QuantisationFacts {
  shape: number[];
  scale: number;
  zeroPoint: number;
}

export interface DeploymentFacts {
  /** TFLite operators the firmware's resolver must register, in first-use order. */
  operators: string[];
  arena: {
    /** kTensorArenaSize of the C module: the smallest working arena + margin, 16-aligned. */
    tensorArenaBytes: number;
    plannedActivationBytes: number;
    scratchBytes: number;
    persistentBytes: number;
    planningBytes: number;
    marginBytes: number;
    peakOperator: string;
    /** Operator labels in the deployed execution order (scope k + 1 is operator k). */
    operatorOrder: string[];
    /** The memory planner's layout: every planned buffer, its offset and lifetime. */
    buffers: TimelineBuffer[];
  };
  input: QuantisationFacts;
  output: QuantisationFacts;
  /** Class names in output order. */
  classes: string[];
  normalisation: { scale: number; offset: number };
}

/** One sample on which the float and int8 outputs differ. */
export interface OutputDifference {
  /** Index in the validation split. */
  sample: number;
  label: number;
  floatClass: number;
  int8Class: number;
  /** Probability of the true class, float and int8 (softmax output, dequantised). */
  floatProbability: number;
  int8Probability: number;
  /** Largest |p_float − p_int8| over the classes. */
  maxDifference: number;
}

/** The exported int8 model against its float original, on the same validation samples. */
export interface Int8Comparison {
  samples: number;
  floatAccuracy: number;
  int8Accuracy: number;
  /** Samples whose top class differs between the two. */
  disagreements: number;
  /** Per class in label order: recall of each (null: no sample of the class). */
  perClass: {
    className: string;
    samples: number;
    floatRecall: number | null;
    int8Recall: number | null;
  }[];
  /** The samples that differ most: those whose top class changed, then by maxDifference. */
  largestDifferences: OutputDifference[];
}

export interface ExportReport {
  json: string;
  text: string;
}

/** Bytes as "12.3 KB" (1 KB = 1024 B, as board datasheets count memory). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(2)} MB`;
}

export function formatMs(ms: number): string {
  return ms < 10
    ? `${ms.toFixed(2)} ms`
    : ms < 1000
      ? `${ms.toFixed(1)} ms`
      : `${(ms / 1000).toFixed(2)} s`;
}

export function formatMacs(macs: number): string {
  if (macs < 1e3) return `${macs} MACs`;
  if (macs < 1e6) return `${(macs / 1e3).toFixed(1)} K MACs`;
  if (macs < 1e9) return `${(macs / 1e6).toFixed(2)} M MACs`;
  return `${(macs / 1e9).toFixed(2)} G MACs`;
}

export function formatPercent(fraction: number | undefined): string {
  return fraction === undefined || !Number.isFinite(fraction)
    ? 'not measured'
    : `${(fraction * 100).toFixed(2)} %`;
}

function againstBudget(
  value: string,
  used: number,
  budget: number | undefined,
  format: (n: number) => string,
): string {
  if (budget === undefined || !(budget > 0)) return `${value} (no budget)`;
  const pct = (100 * used) / budget;
  return `${value} of ${format(budget)} budget (${pct.toFixed(1)} %${used > budget ? ', OVER BUDGET' : ''})`;
}

/** "Budgets during the run" lines, when they moved after Start (else nothing). */
function budgetChanges(history: ReportInput['budgetHistory']): string[] {
  if (!history || history.length < 2) return [];
  const text = (b: NonNullable<ReportInput['budgetHistory']>[number]['budgets']) =>
    [
      b.flashBytes !== undefined ? `flash ≤ ${formatBytes(b.flashBytes)}` : '',
      b.ramBytes !== undefined ? `RAM ≤ ${formatBytes(b.ramBytes)}` : '',
      b.latencyMs !== undefined ? `latency ≤ ${formatMs(b.latencyMs)}` : '',
    ]
      .filter(Boolean)
      .join(', ') || 'no budgets';
  return [
    '',
    'Budgets during the run (the network was pruned to the last)',
    ...history.map((c, i) => `  ${i === 0 ? 'Start' : `Step ${c.step}`}: ${text(c.budgets)}`),
  ];
}

export function buildReport(input: ReportInput | undefined): ExportReport {
  if (!input) throw new ExportError('Nothing to report: no export results were given.');
  const createdAt = input.createdAt ?? new Date().toISOString();
  const { estimates: e, budgets: b, accuracy: a } = input;
  const data = {
    format: 'pruning-studio-export-report',
    version: 1,
    createdAt,
    modelName: input.modelName,
    dataset: input.dataset,
    board: input.board,
    budgets: input.budgets,
    budgetHistory: input.budgetHistory,
    estimates: input.estimates,
    tfliteBytes: input.tfliteBytes,
    deployment: input.deployment,
    channels: input.channels.map((c) => ({
      ...c,
      keptFraction: c.original > 0 ? c.kept / c.original : 0,
    })),
    accuracy: input.accuracy,
    accuracyMeasured: input.accuracyMeasured,
    int8Comparison: input.int8Comparison,
    warnings: input.warnings ?? [],
  };
  const width = Math.max(5, ...input.channels.map((c) => c.layer.length));
  const kept = input.channels.reduce((s, c) => s + c.kept, 0);
  const original = input.channels.reduce((s, c) => s + c.original, 0);
  const board = [
    input.board.name,
    input.board.core,
    input.board.clockMHz ? `${input.board.clockMHz} MHz` : '',
  ]
    .filter(Boolean)
    .join(', ');
  const lines = [
    `Pruning Studio export report: ${input.modelName}`,
    `Created: ${createdAt}`,
    `Board:   ${board}`,
    '',
    'Resources (estimated, int8, TFLite Micro)',
    `  Flash:    ${againstBudget(formatBytes(e.flashBytes), e.flashBytes, b.flashBytes, formatBytes)}`,
    `  RAM:      ${againstBudget(formatBytes(e.ramBytes), e.ramBytes, b.ramBytes, formatBytes)}`,
    `  Latency:  ${againstBudget(formatMs(e.latencyMs), e.latencyMs, b.latencyMs, formatMs)}`,
    `  Compute:  ${formatMacs(e.macs)} per inference`,
    ...budgetChanges(input.budgetHistory),
    ...(input.tfliteBytes !== undefined
      ? [`  .tflite:  ${formatBytes(input.tfliteBytes)} (${input.tfliteBytes} B) written`]
      : []),
    '',
    'Accuracy',
    `  Before pruning:      ${formatPercent(a.beforePruning)}`,
    `  After pruning:       ${formatPercent(a.afterPruning)}`,
    `  After int8:          ${formatPercent(a.afterInt8)}`,
    '',
    `Channels kept (${kept} of ${original}${original > 0 ? `, ${((100 * kept) / original).toFixed(1)} %` : ''})`,
    ...input.channels.map(
      (c) =>
        `  ${c.layer.padEnd(width)}  ${String(c.kept).padStart(4)} / ${String(c.original).padEnd(4)} ` +
        `(${c.original > 0 ? ((100 * c.kept) / c.original).toFixed(0) : '0'} %)`,
    ),
  ];
  const c = input.int8Comparison;
  if (c) {
    const pct = (v: number | null) =>
      v === null ? '   –  ' : `${(v * 100).toFixed(1).padStart(5)}%`;
    const delta = (f: number | null, q: number | null) =>
      f === null || q === null
        ? ''
        : `${q - f >= 0 ? '+' : '−'}${Math.abs((q - f) * 100).toFixed(1)} pt`;
    const nameWidth = Math.max(5, ...c.perClass.map((k) => k.className.length));
    const name = (i: number) => c.perClass[i]?.className ?? String(i);
    lines.push(
      '',
      `Float vs int8 (same ${c.samples} validation samples)`,
      `  Accuracy:  float ${formatPercent(c.floatAccuracy)}, int8 ${formatPercent(c.int8Accuracy)}; ` +
        `top class differs on ${c.disagreements} sample${c.disagreements === 1 ? '' : 's'}`,
      `  ${'Class'.padEnd(nameWidth)}  float   int8   delta (recall)`,
      ...c.perClass.map(
        (k) =>
          `  ${k.className.padEnd(nameWidth)}  ${pct(k.floatRecall)} ${pct(k.int8Recall)}  ${delta(k.floatRecall, k.int8Recall)}`,
      ),
      '  Largest output differences (max |p float − p int8| over the classes)',
      ...c.largestDifferences.map(
        (x) =>
          `  #${x.sample + 1} (${name(x.label)}): float says ${name(x.floatClass)}, int8 ${name(x.int8Class)}; ` +
          `max difference ${x.maxDifference.toFixed(3)}`,
      ),
    );
  }
  const d = input.deployment;
  if (d) {
    lines.push(
      '',
      'TensorFlow Lite Micro',
      `  Operators:  ${d.operators.join(', ')} (MicroMutableOpResolver<${d.operators.length}>)`,
      `  Arena:      ${d.arena.tensorArenaBytes} B (kTensorArenaSize) = max(planned ` +
        `${d.arena.plannedActivationBytes} B incl. ${d.arena.scratchBytes} B kernel scratch + ` +
        `persistent ${d.arena.persistentBytes} B, planning ${d.arena.planningBytes} B) + ` +
        `${d.arena.marginBytes} B margin; peak at ${d.arena.peakOperator}`,
      `  Input:      int8 [${d.input.shape.join(', ')}], scale ${d.input.scale}, zero point ${d.input.zeroPoint}`,
      `  Output:     int8 [${d.output.shape.join(', ')}], scale ${d.output.scale}, zero point ${d.output.zeroPoint}`,
      `  Classes:    ${d.classes.map((k, i) => `${i} ${k}`).join(', ')}`,
      '',
      `Arena plan (offset, bytes, live from operator to operator; scope 0 is the input)`,
      ...d.arena.buffers.map(
        (b) =>
          `  ${String(b.offset).padStart(7)}  ${String(b.alignedBytes).padStart(7)} B  ` +
          `${b.name}${b.kind === 'scratch' ? ' (scratch)' : ''}: ` +
          `${scopeLabel(d.arena.operatorOrder, b.firstUse)} → ${scopeLabel(d.arena.operatorOrder, b.lastUse)}`,
      ),
    );
  }
  if (data.warnings.length > 0) lines.push('', 'Warnings', ...data.warnings.map((w) => `  - ${w}`));
  return { json: JSON.stringify(data, null, 2), text: `${lines.join('\n')}\n` };
}
/** What names a dataset in a saved run, an export report and a run file. */
export interface DatasetIdentity {
  id: string;
  name: string;
  inputShape: [number, number, number];
  /** In label order: class i is classNames[i]. */
  classNames: string[];
  trainCount: number;
  validationCount: number;
}
