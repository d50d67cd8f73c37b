/**
 * Export report: what was deployed, against which board and budgets, at what cost and accuracy.
 * Takes the numbers as input (core estimates them) and formats them with units.
 */
import { ExportError } from './model';

export interface ReportInput {
  modelName: string;
  board: { name: string; core?: string; clockMHz?: number };
  budgets: { flashBytes?: number; ramBytes?: number; latencyMs?: number };
  estimates: { flashBytes: number; ramBytes: number; latencyMs: number; macs: number };
  /** Per prunable layer (or channel group): channels kept of the original count. */
  channels: { layer: string; kept: number; original: number }[];
  /** Fractions in [0, 1]; absent when not measured. */
  accuracy: { beforePruning?: number; afterPruning?: number; afterInt8?: number };
  /** Size of the written .tflite, when one was written. */
  tfliteBytes?: number;
  warnings?: string[];
  /** ISO date; default now. */
  createdAt?: string;
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

export function buildReport(input: ReportInput | undefined): ExportReport {
  if (!input) throw new ExportError('Nothing to report: no export results were given.');
  const createdAt = input.createdAt ?? new Date().toISOString();
  const { estimates: e, budgets: b, accuracy: a } = input;
  const data = {
    format: 'pruning-studio-export-report',
    version: 1,
    createdAt,
    modelName: input.modelName,
    board: input.board,
    budgets: input.budgets,
    estimates: input.estimates,
    tfliteBytes: input.tfliteBytes,
    channels: input.channels.map((c) => ({
      ...c,
      keptFraction: c.original > 0 ? c.kept / c.original : 0,
    })),
    accuracy: input.accuracy,
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
  if (data.warnings.length > 0) lines.push('', 'Warnings', ...data.warnings.map((w) => `  - ${w}`));
  return { json: JSON.stringify(data, null, 2), text: `${lines.join('\n')}\n` };
}
