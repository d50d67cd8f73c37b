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

function checkInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new DatasetError(
      `generated set: ${name} must be an integer in ${min}..${max}, got ${value}`,
    );
  }
}

/** A generated set's options with the defaults filled in, checked (DatasetError otherwise). */
export function checkedShapeOptions(
  options: GeneratedShapesOptions,
  defaults: { size: number; classes: number; samples: number },
) {
  const size = options.size ?? defaults.size;
  const classes = options.classes ?? defaults.classes;
  const samples = options.samples ?? defaults.samples;
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
  return { size, classes, samples, seed, validationFraction };
}

/** `samples` labels balanced over `classes`, in an order shuffled from `seed`. */
export function shuffledLabels(samples: number, classes: number, seed: number): Uint8Array {
  const labels = new Uint8Array(samples);
  for (let i = 0; i < samples; i++) labels[i] = i % classes;
  return shuffleInPlace(labels, mulberry32(seed));
}

/** Where one shape lies on the image: centre, half-extent, rotation and stroke width (pixels). */
export interface ShapePlacement {
  cx: number;
  cy: number;
  radius: number;
  angle: number;
  stroke: number;
}

/**
 * The share of each pixel that shape `label` covers (sub × sub samples per pixel), written
 * into `coverage` (size × size, row-major).
 */
export function shapeCoverage(
  coverage: Float32Array,
  size: number,
  label: number,
  at: ShapePlacement,
  sub: number,
): void {
  const cos = Math.cos(at.angle);
  const sin = Math.sin(at.angle);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let hits = 0;
      for (let sy = 0; sy < sub; sy++) {
        for (let sx = 0; sx < sub; sx++) {
          const dx = (px + (sx + 0.5) / sub - at.cx) / at.radius;
          const dy = (py + (sy + 0.5) / sub - at.cy) / at.radius;
          if (insideShape(label, cos * dx + sin * dy, -sin * dx + cos * dy, at.stroke)) hits++;
        }
      }
      coverage[py * size + px] = hits / (sub * sub);
    }
  }
}

/** The dataset of a generated set: its stratified split, gathered, and checked. */
export function shapesDataset(
  identity: Pick<Dataset, 'id' | 'name' | 'inputShape' | 'numClasses'>,
  x: Uint8Array,
  labels: Uint8Array,
  validationFraction: number,
  splitSeed: number,
): Dataset {
  const [h, w, c] = identity.inputShape;
  const split = stratifiedSplit(labels, identity.numClasses, validationFraction, splitSeed);
  const dataset: Dataset = {
    ...identity,
    source: 'generated',
    classNames: GENERATED_SHAPE_NAMES.slice(0, identity.numClasses),
    train: gatherSplit(x, labels, h * w * c, split.train),
    validation: gatherSplit(x, labels, h * w * c, split.validation),
    normalisation: { scale: 1 / 255, offset: 0 },
  };
  assertDatasetConsistent(dataset);
  return dataset;
}

/** Builds the generated shapes set; identical output for identical options. */
export function generateShapes(options: GeneratedShapesOptions = {}): Dataset {
  const { size, classes, samples, seed, validationFraction } = checkedShapeOptions(options, {
    size: 16,
    classes: 4,
    samples: 2000,
  });
  const pixels = size * size;
  const x = new Uint8Array(samples * pixels);
  const labels = shuffledLabels(samples, classes, deriveSeed(seed, 0x5a3e));

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
    const stroke = Math.max(0.22, 2.2 / radius) * (0.9 + 0.4 * random());
    const ink = 150 + 105 * random();
    const noise = 25 * random();
    shapeCoverage(coverage, size, label, { cx, cy, radius, angle, stroke }, SUB);
    const base = i * pixels;
    for (let p = 0; p < pixels; p++) {
      const value = coverage[p] * ink + noise * random();
      x[base + p] = value > 255 ? 255 : Math.round(value);
    }
  }

  return shapesDataset(
    {
      id: `shapes-${size}px-${classes}c-${samples}n-s${seed}`,
      name: `Generated shapes (${classes} classes, ${size}×${size})`,
      inputShape: [size, size, 1],
      numClasses: classes,
    },
    x,
    labels,
    validationFraction,
    deriveSeed(seed, 0x5917),
  );
}
