/**
 * Turns one stored sample into RGBA pixels for display (SampleGrid), without a DOM:
 * uint8 gray or RGB images as they are; float features (MFCCs) as a heat map, time running
 * left to right (H = frames becomes the x axis), coefficient 0 at the bottom, each sample
 * scaled to its own min…max.
 */
import type { Dataset } from './dataset';

export interface SampleImage {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

/** A perceptually ordered dark-blue → teal → yellow ramp (viridis-like, 5 stops). */
const HEAT_STOPS: [number, number, number][] = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];

export function heatColour(t: number): [number, number, number] {
  const u = Math.min(1, Math.max(0, t)) * (HEAT_STOPS.length - 1);
  const i = Math.min(HEAT_STOPS.length - 2, Math.floor(u));
  const f = u - i;
  const [a, b] = [HEAT_STOPS[i], HEAT_STOPS[i + 1]];
  return [0, 1, 2].map((c) => Math.round(a[c] + (b[c] - a[c]) * f)) as [number, number, number];
}

/**
 * The smallest of `values` (every `stride`-th from the first) and the span up to the largest,
 * 1 where they are all equal: (v − min) / range maps them onto [0, 1].
 */
export function valueSpan(values: ArrayLike<number>, stride = 1): { min: number; range: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i += stride) {
    if (values[i] < min) min = values[i];
    if (values[i] > max) max = values[i];
  }
  return { min, range: max > min ? max - min : 1 };
}

export function sampleImage(
  dataset: Dataset,
  split: 'train' | 'validation',
  index: number,
): SampleImage {
  const [h, w, c] = dataset.inputShape;
  const { x } = dataset[split];
  const n = h * w * c;
  const values = x.subarray(index * n, (index + 1) * n);
  if (x instanceof Float32Array) {
    const { min, range } = valueSpan(values, c);
    const data = new Uint8ClampedArray(h * w * 4);
    // Output image: width = frames (h), height = coefficients (w), low coefficients at the bottom.
    for (let frame = 0; frame < h; frame++) {
      for (let coeff = 0; coeff < w; coeff++) {
        const [r, g, b] = heatColour((values[(frame * w + coeff) * c] - min) / range);
        const at = ((w - 1 - coeff) * h + frame) * 4;
        data[at] = r;
        data[at + 1] = g;
        data[at + 2] = b;
        data[at + 3] = 255;
      }
    }
    return { width: h, height: w, data };
  }
  const data = new Uint8ClampedArray(h * w * 4);
  writeRgba(data, values, 0, c);
  return { width: w, height: h, data };
}

/**
 * The pixels of one picture (`rgba.length / 4` of them, `c` values each, from `offset` in
 * `values`) as opaque RGBA bytes: RGB from the first three channels where there are three or
 * more, else grey from the first; `toByte` maps a value to 0..255 (default: as it is).
 */
export function writeRgba(
  rgba: Uint8ClampedArray,
  values: ArrayLike<number>,
  offset: number,
  c: number,
  toByte: (v: number) => number = (v) => v,
): void {
  for (let p = 0; p < rgba.length / 4; p++) {
    const at = offset + p * c;
    const r = toByte(values[at]);
    rgba[p * 4] = r;
    rgba[p * 4 + 1] = c >= 3 ? toByte(values[at + 1]) : r;
    rgba[p * 4 + 2] = c >= 3 ? toByte(values[at + 2]) : r;
    rgba[p * 4 + 3] = 255;
  }
}

/** Which samples a grid of `count` shows: spread evenly over the split, in order. */
export function gridIndices(total: number, count: number): number[] {
  const n = Math.max(0, Math.min(count, total));
  return Array.from({ length: n }, (_, k) => Math.floor((k * total) / n));
}
