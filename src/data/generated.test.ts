import { describe, expect, it } from 'vitest';
import { DatasetError } from './dataset';
import { nearestNeighbourAccuracy } from '../testing/nearestNeighbour';
import { GENERATED_SHAPE_NAMES, generateShapes } from './generated';

describe('generateShapes', () => {
  it('is identical for identical options and differs with the seed', () => {
    const a = generateShapes({ size: 16, classes: 4, samples: 200, seed: 3 });
    const b = generateShapes({ size: 16, classes: 4, samples: 200, seed: 3 });
    const c = generateShapes({ size: 16, classes: 4, samples: 200, seed: 4 });
    expect(a.train.x).toEqual(b.train.x);
    expect(a.validation.y).toEqual(b.validation.y);
    expect(a.train.x).not.toEqual(c.train.x);
    expect(a.id).toBe('shapes-16px-4c-200n-s3');
  });

  it('honours size, classes and samples, balanced over classes, stored as uint8', () => {
    const ds = generateShapes({ size: 28, classes: 10, samples: 500, seed: 1 });
    expect(ds.inputShape).toEqual([28, 28, 1]);
    expect(ds.classNames).toEqual([...GENERATED_SHAPE_NAMES]);
    expect(ds.train.count + ds.validation.count).toBe(500);
    expect(ds.validation.count).toBe(100);
    expect(ds.train.x).toBeInstanceOf(Uint8Array);
    const perClass = new Array(10).fill(0);
    for (const y of ds.train.y) perClass[y]++;
    for (const y of ds.validation.y) perClass[y]++;
    expect(perClass).toEqual(new Array(10).fill(50));
  });

  it('draws visible shapes (ink above the background noise)', () => {
    const ds = generateShapes({ size: 16, classes: 10, samples: 100, seed: 2 });
    for (let i = 0; i < ds.train.count; i++) {
      const sample = ds.train.x.subarray(i * 256, (i + 1) * 256);
      expect(Math.max(...sample)).toBeGreaterThan(120);
      expect(sample.filter((v) => v > 100).length).toBeGreaterThan(8);
    }
  });

  it('is learnable: even 1-nearest-neighbour separates the classes', () => {
    expect(
      nearestNeighbourAccuracy(generateShapes({ classes: 4, samples: 1000, seed: 1 })),
    ).toBeGreaterThan(0.9);
    expect(
      nearestNeighbourAccuracy(generateShapes({ classes: 10, samples: 1000, seed: 1 })),
    ).toBeGreaterThan(0.75);
  });

  it('rejects out-of-range parameters', () => {
    expect(() => generateShapes({ size: 4 })).toThrow(DatasetError);
    expect(() => generateShapes({ classes: 11 })).toThrow(/classes/);
    expect(() => generateShapes({ classes: 4, samples: 7 })).toThrow(/samples/);
    expect(() => generateShapes({ validationFraction: 1 })).toThrow(/validationFraction/);
  });
});
