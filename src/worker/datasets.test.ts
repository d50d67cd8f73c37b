import { describe, expect, it } from 'vitest';
import { generateShapes } from '../data/generated';
import { generateTexturedShapes } from '../data/textured';
import { WorkerDatasets } from './datasets';

describe('WorkerDatasets: the generated set in each style', () => {
  const options = { seed: 2, classes: 5, size: 20, samples: 100 };

  it('builds the textured style in colour, and the plain one (also without a style) in grey', async () => {
    const datasets = new WorkerDatasets(() => {});
    const textured = (await datasets.build({ kind: 'generated', ...options, style: 'textured' }))
      .dataset;
    expect(textured.inputShape).toEqual([20, 20, 3]);
    expect(textured.train.x).toEqual(generateTexturedShapes(options).train.x);
    for (const spec of [{ style: 'plain' as const }, {}]) {
      const plain = (await datasets.build({ kind: 'generated', ...options, ...spec })).dataset;
      expect(plain.inputShape).toEqual([20, 20, 1]);
      expect(plain.train.x).toEqual(generateShapes(options).train.x);
    }
  });
});
