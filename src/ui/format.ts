/**
 * Numbers as the user reads them: always with their unit. Bytes use 1024-based KB/MB, as
 * microcontroller datasheets do (a "320 KB SRAM" part has 327,680 bytes).
 */
import {
  RESOURCE_NAMES,
  type Budgets,
  type ResourceName,
  type RunSummary,
} from '../worker/protocol';

const KB = 1024;
const MB = 1024 * KB;

/** Three significant figures at most, no trailing zeros: 41.2, 468, 0.42. */
function sig(value: number): string {
  if (value === 0) return '0';
  const abs = Math.abs(value);
  const decimals = abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
  return String(Number(value.toFixed(decimals)));
}

/**
 * A whole count with thousands separators, as English writes it: 8,000; 1,234,567. Written by
 * hand because `toLocaleString('en')` builds an ICU number formatter on each call, which cost
 * the page a 30 ms task at the start of every run (bench/results/main-thread-profile.md).
 */
export function formatCount(count: number): string {
  if (!Number.isFinite(count)) return '–';
  const digits = String(Math.round(Math.abs(count)));
  const groups: string[] = [];
  for (let end = digits.length; end > 0; end -= 3)
    groups.unshift(digits.slice(Math.max(0, end - 3), end));
  return (count < 0 && digits !== '0' ? '-' : '') + groups.join(',');
}

/**
 * A moment in local time as `Date.toLocaleString('en-GB')` writes it: 03/12/2026, 14:05:09.
 * By hand: the first `Intl.DateTimeFormat` a page builds loads the locale's calendar data,
 * a 40 ms task as the first run finished (bench/results/main-thread-profile.md).
 */
export function formatDateTime(when: string | number): string {
  const d = new Date(when);
  if (!Number.isFinite(d.getTime())) return '–';
  const two = (n: number) => String(n).padStart(2, '0');
  return (
    `${two(d.getDate())}/${two(d.getMonth() + 1)}/${d.getFullYear()}, ` +
    `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`
  );
}

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '–';
  if (Math.abs(bytes) < KB) return `${Math.round(bytes)} B`;
  if (Math.abs(bytes) < MB) return `${sig(bytes / KB)} KB`;
  return `${sig(bytes / MB)} MB`;
}

export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  if (Math.abs(ms) >= 10_000) return `${sig(ms / 1000)} s`;
  return `${sig(ms)} ms`;
}

export function formatMacs(macs: number): string {
  if (!Number.isFinite(macs)) return '–';
  const abs = Math.abs(macs);
  if (abs < 1e3) return `${Math.round(macs)} MACs`;
  if (abs < 1e6) return `${sig(macs / 1e3)}k MACs`;
  if (abs < 1e9) return `${sig(macs / 1e6)}M MACs`;
  return `${sig(macs / 1e9)}G MACs`;
}

export function formatResource(resource: ResourceName, value: number): string {
  if (resource === 'latency') return formatMs(value);
  if (resource === 'macs') return formatMacs(value);
  return formatBytes(value);
}

/** Accuracy in [0, 1] as a percentage with one decimal. */
export function formatPercent(fraction: number): string {
  if (!Number.isFinite(fraction)) return '–';
  return `${(fraction * 100).toFixed(1)}%`;
}

/** A change between two fractions in percentage points, signed: "−1.2 pt", "+0.4 pt", "0.0 pt". */
export function formatDelta(from: number | null, to: number | null): string {
  if (from === null || to === null || !Number.isFinite(from) || !Number.isFinite(to)) return '–';
  const tenths = Math.round((to - from) * 1000);
  if (tenths === 0) return '0.0 pt';
  return `${tenths < 0 ? '−' : '+'}${(Math.abs(tenths) / 10).toFixed(1)} pt`;
}

/** A duration for "time remaining": 42 s, 3 min 05 s, 1 h 02 min. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

export const RESOURCE_LABELS: Record<ResourceName, string> = {
  flash: 'Flash',
  ram: 'RAM',
  latency: 'Latency',
  macs: 'MACs',
};

/**
 * The unit a budget's number field is typed in, and how it maps to the protocol's units
 * (bytes, ms, MACs).
 */
export const BUDGET_INPUT_UNITS: Record<ResourceName, { unit: string; scale: number }> = {
  flash: { unit: 'KB', scale: KB },
  ram: { unit: 'KB', scale: KB },
  latency: { unit: 'ms', scale: 1 },
  macs: { unit: 'M MACs', scale: 1e6 },
};

/** A figure in the budget field's unit, 3 significant figures (41.5 for 42,496 bytes). */
export function toInputUnits(resource: ResourceName, value: number): string {
  const scaled = value / BUDGET_INPUT_UNITS[resource].scale;
  return String(scaled >= 100 ? Math.round(scaled) : Number(scaled.toPrecision(3)));
}

/** Parses a typed budget; undefined for anything but a positive finite number. */
export function fromInputUnits(resource: ResourceName, text: string): number | undefined {
  if (!/^\s*(\d+\.?\d*|\.\d+)\s*$/.test(text)) return undefined;
  const value = Number(text) * BUDGET_INPUT_UNITS[resource].scale;
  if (!Number.isFinite(value) || value <= 0) return undefined;
  return resource === 'flash' || resource === 'ram' || resource === 'macs'
    ? Math.round(value)
    : value;
}

/** Slider positions are 0..SLIDER_STEPS on a log scale: budgets span orders of magnitude. */
export const SLIDER_STEPS = 1000;

export function toSliderPosition(value: number, min: number, max: number): number {
  if (!(min > 0) || !(max > min)) return 0;
  const clamped = Math.min(max, Math.max(min, value));
  return Math.round((Math.log(clamped / min) / Math.log(max / min)) * SLIDER_STEPS);
}

export function fromSliderPosition(position: number, min: number, max: number): number {
  const t = Math.min(SLIDER_STEPS, Math.max(0, position)) / SLIDER_STEPS;
  return min * Math.pow(max / min, t);
}

/** A figure that reads well after a slider move: 3 significant figures. */
export function roundForDisplay(value: number): number {
  if (value <= 0 || !Number.isFinite(value)) return value;
  return Number(value.toPrecision(3));
}

/** The budgets the run's network was pruned to, and where they moved during the run. */
export function budgetText(run: Pick<RunSummary, 'config' | 'budgetHistory'>): string {
  const text = budgetsText(run.config.budgets);
  const history = run.budgetHistory ?? [];
  if (history.length < 2) return text;
  const moves = history
    .map((c, i) => `${i === 0 ? 'Start' : `step ${c.step}`}: ${budgetsText(c.budgets)}`)
    .join('; ');
  return `${text} (changed during the run: ${moves})`;
}

export function budgetsText(budgets: Budgets): string {
  const parts = RESOURCE_NAMES.filter((r) => budgets[r] !== undefined).map(
    (r) => `${RESOURCE_LABELS[r]} ≤ ${formatResource(r, budgets[r] as number)}`,
  );
  return parts.length > 0 ? parts.join(', ') : 'no budgets';
}
