import * as tf from '@tensorflow/tfjs';
import { strFromU8, unzipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyseExportable } from './model';
import { runFloat } from './reference';
import { buildLayersModel, exportTfjsModel } from './tfjs';
import { randomInputs, testModels } from '../testing/exportModels';

const BATCH = 3;

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function inputShape(model: ReturnType<typeof testModels>[number]): number[] {
  const node = model.graph.nodes.find((n) => n.op === 'input');
  return node && node.op === 'input' ? [...node.shape] : [];
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('float reference forward pass', () => {
  for (const model of testModels(11)) {
    it(`matches tfjs (cpu) within 1e-4 on the '${model.graph.name}' model`, () => {
      const x = randomInputs(model, BATCH, 5);
      const ours = runFloat(model, x, BATCH);
      const layers = buildLayersModel(model);
      const theirs = tf.tidy(() =>
        (layers.predict(tf.tensor(x, [BATCH, ...inputShape(model)])) as tf.Tensor).dataSync(),
      );
      layers.dispose();
      const outSize = analyseExportable(model)
        .shapes.get(model.graph.output)
        ?.reduce((a, b) => a * b, 1);
      expect(ours.length).toBe(BATCH * (outSize as number));
      expect(maxAbsDiff(ours, theirs)).toBeLessThanOrEqual(1e-4);
    });
  }
});

describe('TF.js layers-model export', () => {
  for (const model of testModels(23).slice(0, 6)) {
    it(`round-trips through model.json + weights.bin zip ('${model.graph.name}')`, async () => {
      const files = await exportTfjsModel(model);
      const unzipped = unzipSync(files.zip);
      expect(Object.keys(unzipped).sort()).toEqual(['model.json', 'weights.bin']);
      const json = JSON.parse(strFromU8(unzipped['model.json']));
      expect(json.format).toBe('layers-model');
      expect(json.weightsManifest[0].paths).toEqual(['./weights.bin']);
      const bin = unzipped['weights.bin'];
      const loaded = await tf.loadLayersModel(
        tf.io.fromMemory({
          modelTopology: json.modelTopology,
          weightSpecs: json.weightsManifest[0].weights,
          weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
        }),
      );
      const x = randomInputs(model, BATCH, 9);
      const theirs = tf.tidy(() =>
        (loaded.predict(tf.tensor(x, [BATCH, ...inputShape(model)])) as tf.Tensor).dataSync(),
      );
      loaded.dispose();
      expect(maxAbsDiff(runFloat(model, x, BATCH), theirs)).toBeLessThanOrEqual(1e-4);
    });
  }

  it('refuses to export when there is no model', async () => {
    await expect(exportTfjsModel(undefined)).rejects.toThrow(/Nothing to export/);
  });
});
