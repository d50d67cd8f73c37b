import { describe, expect, it } from 'vitest';
import { DatasetError, type Dataset } from './dataset';
import { nearestNeighbourAccuracy } from '../testing/nearestNeighbour';
import { GENERATED_SHAPE_NAMES, generateShapes } from './generated';
import { generateTexturedShapes } from './textured';

/** Accuracy of the nearest class centroid of each sample's mean colour (R, G, B). */
function meanColourAccuracy(ds: Dataset): number {
  const pixels = ds.inputShape[0] * ds.inputShape[1];
  const meanColour = (x: Uint8Array | Float32Array, i: number) => {
    const sum = [0, 0, 0];
    for (let p = 0; p < pixels; p++)
      for (let c = 0; c < 3; c++) sum[c] += x[(i * pixels + p) * 3 + c];
    return sum.map((s) => s / pixels);
  };
  const centroids = Array.from({ length: ds.numClasses }, () => [0, 0, 0, 0]);
  for (let i = 0; i < ds.train.count; i++) {
    const m = meanColour(ds.train.x, i);
    const k = centroids[ds.train.y[i]];
    for (let c = 0; c < 3; c++) k[c] += m[c];
    k[3] += 1;
  }
  let correct = 0;
  for (let i = 0; i < ds.validation.count; i++) {
    const m = meanColour(ds.validation.x, i);
    let best = Infinity;
    let label = -1;
    centroids.forEach((k, y) => {
      const d = [0, 1, 2].reduce((s, c) => s + (m[c] - k[c] / k[3]) ** 2, 0);
      if (d < best) [best, label] = [d, y];
    });
    if (label === ds.validation.y[i]) correct++;
  }
  return correct / ds.validation.count;
}

describe('generateTexturedShapes', () => {
  it('is identical for identical options and differs with the seed', () => {
    const a = generateTexturedShapes({ samples: 20, seed: 3 });
    const b = generateTexturedShapes({ samples: 20, seed: 3 });
    const c = generateTexturedShapes({ samples: 20, seed: 4 });
    expect(a.train.x).toEqual(b.train.x);
    expect(a.validation.y).toEqual(b.validation.y);
    expect(a.train.x).not.toEqual(c.train.x);
    expect(a.id).toBe('textured-32px-10c-20n-s3');
  });

  it('makes 32×32 RGB images of the ten shapes, balanced over the classes', () => {
    const ds = generateTexturedShapes({ samples: 200, seed: 1 });
    expect(ds.inputShape).toEqual([32, 32, 3]);
    expect(ds.numClasses).toBe(10);
    expect(ds.classNames).toEqual([...GENERATED_SHAPE_NAMES]);
    expect(ds.train.x).toBeInstanceOf(Uint8Array);
    expect(ds.train.x.length).toBe(ds.train.count * 32 * 32 * 3);
    expect(ds.validation.count).toBe(40);
    const perClass = new Array(10).fill(0);
    for (const y of [...ds.train.y, ...ds.validation.y]) perClass[y]++;
    expect(perClass).toEqual(new Array(10).fill(20));
  });

  it('is in colour: the channels of a sample differ', () => {
    const ds = generateTexturedShapes({ samples: 20, seed: 2 });
    const pixels = 32 * 32;
    for (let i = 0; i < ds.train.count; i++) {
      let differing = 0;
      for (let p = 0; p < pixels; p++) {
        const o = (i * pixels + p) * 3;
        const x = ds.train.x;
        if (Math.abs(x[o] - x[o + 1]) > 20 || Math.abs(x[o + 1] - x[o + 2]) > 20) differing++;
      }
      expect(differing).toBeGreaterThan(pixels / 4);
    }
  });

  it('carries the class in the shape only: mean colour predicts it no better than chance', () => {
    const ds = generateTexturedShapes({ samples: 1000, seed: 5 });
    // Chance is 10 %; 200 validation samples give a standard deviation of about 2 points.
    expect(meanColourAccuracy(ds)).toBeLessThan(0.17);
  });

  it('is much harder than the plain shapes for a pixel-matching classifier', () => {
    const plain = generateShapes({ size: 32, classes: 10, samples: 400, seed: 1 });
    const textured = generateTexturedShapes({ samples: 400, seed: 1 });
    const plainAccuracy = nearestNeighbourAccuracy(plain);
    const texturedAccuracy = nearestNeighbourAccuracy(textured);
    expect(plainAccuracy).toBeGreaterThan(0.3);
    expect(texturedAccuracy).toBeLessThan(0.2);
  });

  it('rejects bad options with a dataset error naming the option', () => {
    expect(() => generateTexturedShapes({ size: 7 })).toThrow(DatasetError);
    expect(() => generateTexturedShapes({ size: 65 })).toThrow(/size must be an integer in 8..64/);
    expect(() => generateTexturedShapes({ classes: 11 })).toThrow(/classes/);
    expect(() => generateTexturedShapes({ samples: 3 })).toThrow(/samples/);
    expect(() => generateTexturedShapes({ samples: 100, validationFraction: 1 })).toThrow(
      /validationFraction/,
    );
  });
});
