/**
 * A harder synthetic image set: the ten shapes of the generated set (generated.ts), in colour,
 * on cluttered, textured backgrounds. Each sample draws, from its own random stream:
 *
 * - a background: a two-colour gradient in a random direction plus a sine grating of random
 *   period, orientation and contrast;
 * - two to four distractors (thick line segments and discs of random colours), most of them
 *   under the shape and some over it (partial occlusion);
 * - the class's shape at a random position, scale and rotation (±30°), filled with a random
 *   colour that keeps some contrast with the background, and a grating of its own;
 * - per-pixel noise of random strength on every channel.
 *
 * Colour and texture carry no class information (they are drawn the same way for every class),
 * so a network must find the shape among the clutter: a small CNN stays well below the plain
 * shapes' accuracy, which makes it a task where pruning choices show. Deterministic from its
 * options; sample i depends only on the seed, i and its label.
 */
import { deriveSeed, mulberry32 } from '../core/random';
import type { Dataset } from './dataset';
import {
  checkedShapeOptions,
  shapeCoverage,
  shapesDataset,
  shuffledLabels,
  type GeneratedShapesOptions,
} from './generated';

/** As the plain set's options; the defaults are TEXTURED_DEFAULTS (32×32 RGB, 10 classes). */
export type TexturedShapesOptions = GeneratedShapesOptions;

export const TEXTURED_DEFAULTS = { size: 32, classes: 10, samples: 10_000 } as const;

type Rgb = [number, number, number];

const SUB = 3; // supersampling of the shape per axis

function randomColour(random: () => number): Rgb {
  return [255 * random(), 255 * random(), 255 * random()];
}

function luminance(c: Rgb): number {
  return 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2];
}

/** A sine grating: value in [-1, 1] at pixel (x, y). */
interface Grating {
  kx: number;
  ky: number;
  phase: number;
  amplitude: number;
}

function randomGrating(random: () => number, maxAmplitude: number): Grating {
  const period = 2.5 + 6 * random(); // pixels
  const angle = Math.PI * random();
  return {
    kx: (2 * Math.PI * Math.cos(angle)) / period,
    ky: (2 * Math.PI * Math.sin(angle)) / period,
    phase: 2 * Math.PI * random(),
    amplitude: maxAmplitude * random(),
  };
}

function gratingAt(g: Grating, x: number, y: number): number {
  return g.amplitude * Math.sin(g.kx * x + g.ky * y + g.phase);
}

/** A distractor: a thick segment (a ≠ b) or a disc (a = b), with soft edges. */
interface Distractor {
  ax: number;
  ay: number;
  bx: number;
  by: number;
  halfWidth: number;
  colour: Rgb;
}

function randomDistractor(random: () => number, size: number): Distractor {
  const ax = size * random();
  const ay = size * random();
  const colour = randomColour(random);
  if (random() < 0.5) {
    const length = size * (0.3 + 0.5 * random());
    const angle = 2 * Math.PI * random();
    const halfWidth = 0.5 + 0.8 * random();
    return {
      ax,
      ay,
      bx: ax + length * Math.cos(angle),
      by: ay + length * Math.sin(angle),
      halfWidth,
      colour,
    };
  }
  return { ax, ay, bx: ax, by: ay, halfWidth: 1.5 + 0.08 * size * random(), colour };
}

/** Coverage in [0, 1] of pixel centre (x, y) by a distractor, anti-aliased over one pixel. */
function distractorCoverage(d: Distractor, x: number, y: number): number {
  const dx = d.bx - d.ax;
  const dy = d.by - d.ay;
  const lengthSquared = dx * dx + dy * dy;
  const t =
    lengthSquared > 0
      ? Math.min(1, Math.max(0, ((x - d.ax) * dx + (y - d.ay) * dy) / lengthSquared))
      : 0;
  const distance = Math.hypot(x - (d.ax + t * dx), y - (d.ay + t * dy));
  return Math.min(1, Math.max(0, d.halfWidth + 0.5 - distance));
}

function blend(pixel: Rgb, colour: Rgb, alpha: number): void {
  for (let c = 0; c < 3; c++) pixel[c] += alpha * (colour[c] - pixel[c]);
}

/** Builds the textured shapes set; identical output for identical options. */
export function generateTexturedShapes(options: TexturedShapesOptions = {}): Dataset {
  const { size, classes, samples, seed, validationFraction } = checkedShapeOptions(
    options,
    TEXTURED_DEFAULTS,
  );
  const pixels = size * size;
  const sampleLength = pixels * 3;
  const x = new Uint8Array(samples * sampleLength);
  const labels = shuffledLabels(samples, classes, deriveSeed(seed, 0x7e47));

  const coverage = new Float32Array(pixels);
  const pixel: Rgb = [0, 0, 0];
  for (let i = 0; i < samples; i++) {
    const random = mulberry32(deriveSeed(deriveSeed(seed, 0x7e48), i));
    const label = labels[i];

    const backA = randomColour(random);
    const backB = randomColour(random);
    const gradientAngle = 2 * Math.PI * random();
    const gx = Math.cos(gradientAngle) / size;
    const gy = Math.sin(gradientAngle) / size;
    const backGrating = randomGrating(random, 45);
    const distractors = Array.from({ length: 2 + Math.floor(3 * random()) }, () =>
      randomDistractor(random, size),
    );
    const over = distractors.map(() => random() < 0.3);

    // The shape: as in the plain set, but rotated further and in a colour of its own.
    const radius = size * (0.25 + 0.17 * random());
    const margin = radius * 0.9;
    const cx = margin + (size - 2 * margin) * random();
    const cy = margin + (size - 2 * margin) * random();
    const angle = ((random() - 0.5) * Math.PI) / 3;
    const stroke = Math.max(0.22, 2.2 / radius) * (0.9 + 0.4 * random());
    const backMean: Rgb = [0, 1, 2].map((c) => (backA[c] + backB[c]) / 2) as Rgb;
    let ink = randomColour(random);
    for (let tries = 0; tries < 8 && Math.abs(luminance(ink) - luminance(backMean)) < 45; tries++) {
      ink = randomColour(random);
    }
    const inkGrating = randomGrating(random, 35);
    const noise = 8 + 30 * random();

    shapeCoverage(coverage, size, label, { cx, cy, radius, angle, stroke }, SUB);

    const base = i * sampleLength;
    for (let py = 0; py < size; py++) {
      for (let px = 0; px < size; px++) {
        const centreX = px + 0.5;
        const centreY = py + 0.5;
        const along = Math.min(
          1,
          Math.max(0, 0.5 + (centreX - size / 2) * gx + (centreY - size / 2) * gy),
        );
        const back = gratingAt(backGrating, centreX, centreY);
        for (let c = 0; c < 3; c++) pixel[c] = backA[c] + along * (backB[c] - backA[c]) + back;
        distractors.forEach((d, k) => {
          if (!over[k]) blend(pixel, d.colour, distractorCoverage(d, centreX, centreY));
        });
        const a = coverage[py * size + px];
        if (a > 0) {
          const tone = gratingAt(inkGrating, centreX, centreY);
          blend(pixel, [ink[0] + tone, ink[1] + tone, ink[2] + tone], a);
        }
        distractors.forEach((d, k) => {
          if (over[k]) blend(pixel, d.colour, distractorCoverage(d, centreX, centreY));
        });
        const out = base + (py * size + px) * 3;
        for (let c = 0; c < 3; c++) {
          const value = Math.round(pixel[c] + noise * (2 * random() - 1));
          x[out + c] = value < 0 ? 0 : value > 255 ? 255 : value;
        }
      }
    }
  }

  return shapesDataset(
    {
      id: `textured-${size}px-${classes}c-${samples}n-s${seed}`,
      name: `Textured shapes (${classes} classes, ${size}×${size} colour)`,
      inputShape: [size, size, 3],
      numClasses: classes,
    },
    x,
    labels,
    validationFraction,
    deriveSeed(seed, 0x7e49),
  );
}
