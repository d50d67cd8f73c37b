/**
 * A synthetic image set for instant demos and tests: grayscale shapes and patterns, the same
 * for the same parameters. Each sample is a shape of its class drawn with random position,
 * scale, rotation (±15°), stroke width and brightness over a noisy background, anti-aliased by
 * 4×4 supersampling. The classes differ in topology (ring vs. square vs. stripes …) rather
 * than in fine detail, so a small CNN separates them in a few hundred steps.
 */
import { deriveSeed, mulberry32, shuffleInPlace } from '../core/random';
import { stratifiedSplit, gatherSplit } from './batches';
import { DatasetError, assertDatasetConsistent, type Dataset } from './dataset';

/** Class names in label order; `classes` picks the first N. */
export const GENERATED_SHAPE_NAMES = [
  'ring',
  'square',
  'triangle',
  'plus',
  'cross',
  'h-stripes',
  'v-stripes',
  'frame',
  'corner',
  'checker',
] as const;

export interface GeneratedShapesOptions {
  /** Image side in pixels (square images), 8..64. Default 16. */
  size?: number;
  /** Number of classes, 2..10. Default 4. */
  classes?: number;
  /** Total samples (train + validation), balanced over the classes. Default 2,000. */
  samples?: number;
  seed?: number;
  /** Share of each class held out for validation. Default 0.2. */
  validationFraction?: number;
}

/**
 * Whether local point (u, v) ∈ [-1, 1]² lies inside shape `label`; v grows downwards.
 * `t` is the stroke width in the same units.
 */
export function insideShape(label: number, u: number, v: number, t: number): boolean {
  const au = Math.abs(u);
  const av = Math.abs(v);
  const box = Math.max(au, av);
  switch (label) {
    case 0: // ring
      return Math.abs(Math.hypot(u, v) - 0.75) < t / 2;
    case 1: // filled square
      return box < 0.7;
    case 2: // filled triangle, apex up
      return v > -0.8 && v < 0.8 && au < ((v + 0.8) / 1.6) * 0.9;
    case 3: // plus
      return (au < t / 2 && av < 0.9) || (av < t / 2 && au < 0.9);
    case 4: // diagonal cross
      return box < 0.85 && (Math.abs(u - v) < t * 0.7 || Math.abs(u + v) < t * 0.7);
    case 5: // horizontal stripes
      return box < 0.9 && Math.floor(((v + 0.9) / 1.8) * 4) % 2 === 0;
    case 6: // vertical stripes
      return box < 0.9 && Math.floor(((u + 0.9) / 1.8) * 4) % 2 === 0;
    case 7: // square outline
      return box < 0.85 && box > 0.85 - t;
    case 8: // corner (an L)
      return (au < 0.85 && v > 0.85 - t && v < 0.85) || (av < 0.85 && u > -0.85 && u < -0.85 + t);
    case 9: // 2×2 checkerboard
      return box < 0.85 && u < 0 !== v < 0;
    default:
      return false;
  }
}

export function checkInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new DatasetError(
      `generated set: ${name} must be an integer in ${min}..${max}, got ${value}`,
    );
  }
}

/** Builds the generated shapes set; identical output for identical options. */
export function generateShapes(options: GeneratedShapesOptions = {}): Dataset {
  const size = options.size ?? 16;
  const classes = options.classes ?? 4;
  const samples = options.samples ?? 2000;
  const seed = options.seed ?? 1;
  const validationFraction = options.validationFraction ?? 0.2;
  checkInteger('size', size, 8, 64);
  checkInteger('classes', classes, 2, GENERATED_SHAPE_NAMES.length);
  checkInteger('samples', samples, 2 * classes, 200_000);
  if (!(validationFraction > 0 && validationFraction < 1)) {
    throw new DatasetError(
      `generated set: validationFraction must be in (0, 1), got ${validationFraction}`,
    );
  }

  const pixels = size * size;
  const x = new Uint8Array(samples * pixels);
  const labels = new Uint8Array(samples);
  for (let i = 0; i < samples; i++) labels[i] = i % classes;
  shuffleInPlace(labels, mulberry32(deriveSeed(seed, 0x5a3e)));

  const SUB = 4; // supersampling per axis
  const coverage = new Float32Array(pixels);
  for (let i = 0; i < samples; i++) {
    // One stream per sample, so sample i does not depend on how the others were drawn.
    const random = mulberry32(deriveSeed(seed, i));
    const label = labels[i];
    const radius = size * (0.28 + 0.17 * random()); // half the shape's extent, in pixels
    const margin = radius * 0.95;
    const cx = margin + (size - 2 * margin) * random();
    const cy = margin + (size - 2 * margin) * random();
    const angle = ((random() - 0.5) * Math.PI) / 6;
    const cos = Math.cos(angle);
    const sin = Math.sin(angle);
    const stroke = Math.max(0.22, 2.2 / radius) * (0.9 + 0.4 * random());
    const ink = 150 + 105 * random();
    const noise = 25 * random();
    coverage.fill(0);
    for (let py = 0; py < size; py++) {
      for (let px = 0; px < size; px++) {
        let hits = 0;
        for (let sy = 0; sy < SUB; sy++) {
          for (let sx = 0; sx < SUB; sx++) {
            const dx = (px + (sx + 0.5) / SUB - cx) / radius;
            const dy = (py + (sy + 0.5) / SUB - cy) / radius;
            const u = cos * dx + sin * dy;
            const v = -sin * dx + cos * dy;
            if (insideShape(label, u, v, stroke)) hits++;
          }
        }
        coverage[py * size + px] = hits / (SUB * SUB);
      }
    }
    const base = i * pixels;
    for (let p = 0; p < pixels; p++) {
      const value = coverage[p] * ink + noise * random();
      x[base + p] = value > 255 ? 255 : Math.round(value);
    }
  }

  const split = stratifiedSplit(labels, classes, validationFraction, deriveSeed(seed, 0x5917));
  const dataset: Dataset = {
    id: `shapes-${size}px-${classes}c-${samples}n-s${seed}`,
    name: `Generated shapes (${classes} classes, ${size}×${size})`,
    source: 'generated',
    inputShape: [size, size, 1],
    numClasses: classes,
    classNames: GENERATED_SHAPE_NAMES.slice(0, classes),
    train: gatherSplit(x, labels, pixels, split.train),
    validation: gatherSplit(x, labels, pixels, split.validation),
    normalisation: { scale: 1 / 255, offset: 0 },
  };
  assertDatasetConsistent(dataset);
  return dataset;
}
