/**
 * Axis ticks people read at a glance: 0 and evenly spaced round numbers (1, 2, 2.5 or 5 times a
 * power of ten) that cover the data, each label distinct. Recharts' own tick choice gave
 * 0/146/293/512 KB and "3e-2, 3e-2, 2e-2"; the charts pass these ticks explicitly.
 */

/** The round step for about `count` intervals over [0, max]. */
export function niceStep(max: number, count = 5): number {
  if (!(max > 0) || !Number.isFinite(max)) return 1;
  const raw = max / Math.max(1, count);
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  const mantissa = [1, 2, 2.5, 5, 10].find((m) => m * power >= raw * (1 - 1e-9)) ?? 10;
  return mantissa * power;
}

/** Decimals that write every multiple of `step` exactly (0.25 → 2, 500 → 0). */
export function stepDecimals(step: number): number {
  for (let d = 0; d < 20; d++) {
    if (Math.abs(Number(step.toFixed(d)) - step) <= step * 1e-9) return d;
  }
  return 20;
}

/** Ticks 0, step, 2·step, … up to the first at or above `max` (at least [0, step]). */
export function niceTicks(max: number, count = 5): number[] {
  const step = niceStep(max, count);
  const decimals = stepDecimals(step);
  const n = Math.max(1, Math.ceil(max / step - 1e-9));
  return Array.from({ length: n + 1 }, (_, i) => Number((i * step).toFixed(decimals)));
}

export interface ScaledTicks {
  ticks: number[];
  /** Ticks are written as value / 10^exponent ("×10⁻³" beside the axis); 0 for plain numbers. */
  exponent: number;
  format: (value: number) => string;
}

const SUPERSCRIPT: Record<string, string> = {
  '-': '⁻',
  '0': '⁰',
  '1': '¹',
  '2': '²',
  '3': '³',
  '4': '⁴',
  '5': '⁵',
  '6': '⁶',
  '7': '⁷',
  '8': '⁸',
  '9': '⁹',
};

/** "×10⁻³": the factor a scaled axis' labels are multiplied by. */
export function powerOfTen(exponent: number): string {
  return `×10${[...String(exponent)].map((c) => SUPERSCRIPT[c] ?? c).join('')}`;
}

/**
 * Ticks for values of any magnitude: very small or large ones share one power of ten, so the
 * labels stay short and distinct (0, 0.5, 1, 1.5 with "×10⁻²") instead of rounding together.
 */
export function scaledTicks(max: number, count = 5): ScaledTicks {
  const ticks = niceTicks(max, count);
  const top = ticks[ticks.length - 1];
  const exponent = top > 0 && (top < 0.1 || top >= 1e5) ? Math.floor(Math.log10(top)) : 0;
  const scale = Math.pow(10, exponent);
  const decimals = stepDecimals(Number(((ticks[1] - ticks[0]) / scale).toPrecision(6)));
  return {
    ticks,
    exponent,
    format: (value: number) => String(Number((value / scale).toFixed(decimals))),
  };
}

/** Ticks along a run's steps: round steps within [0, total] (the axis ends at the run's end). */
export function stepTicks(total: number, count = 5): number[] {
  return niceTicks(total, count).filter((t) => t <= total);
}
