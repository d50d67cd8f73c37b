import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyseGraph } from '../core/graphAnalysis';
import { zooModel } from '../core/zoo';
import { generateShapes } from '../data/generated';
import { runFloat } from '../export/reference';
import { createResourceEstimator } from '../train/estimator';
import { PruningTrainer } from '../train/trainer';
import { RunExporter } from './exports';
import type { RunSummary } from './protocol';
import { testTrainerSettings } from '../testing/trainerSettings';
import { loadTfjsZip } from '../testing/tfjsZip';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('RunExporter', () => {
  it('exports exactly the in-studio pruned model: float reference and TF.js agree with it', async () => {
    const dataset = generateShapes({ size: 12, classes: 3, samples: 300, seed: 2 });
    const analysed = analyseGraph(
      zooModel('mobilenetv2').build({
        inputShape: [12, 12, 1],
        numClasses: 3,
        widthMultiplier: 0.25,
      }),
    );
    const estimator = createResourceEstimator(analysed, 'stm32f746g-disco');
    const unpruned = estimator.report(analysed.groups.map((g) => g.size)).values;
    const trainer = new PruningTrainer(
      analysed,
      dataset,
      testTrainerSettings({
        totalSteps: 12,
        warmupFraction: 0.25,
        batchSize: 8,
        seed: 4,
        budgets: { flash: unpruned.flash * 0.7 },
        validationSamples: 50,
      }),
      estimator,
    );
    while (!trainer.done) await trainer.trainStep();
    expect(trainer.removed).toBe(true);
    const summary = { modelName: 'MobileNetV2-style' } as RunSummary;
    const exporter = new RunExporter(trainer, summary);
    const model = await exporter.exportable();

    const count = 6;
    const x = new Float32Array(count * 144);
    const { scale, offset } = dataset.normalisation;
    for (let i = 0; i < x.length; i++) x[i] = dataset.validation.x[i] * scale + offset;
    const input = tf.tensor4d(x, [count, 12, 12, 1]);
    const inStudio = tf.tidy(() => trainer.network.forward(input, false).logits);
    const studio = await inStudio.data();
    const reference = runFloat(model, x, count);
    const maxDiff = (a: ArrayLike<number>) =>
      Math.max(...Array.from(studio, (v, i) => Math.abs(v - a[i])));
    expect(maxDiff(reference)).toBeLessThan(1e-4);

    const loaded = await loadTfjsZip((await exporter.file('tfjs')).bytes);
    const predicted = tf.tidy(() => loaded.predict(input) as tf.Tensor);
    const fromTfjs = await predicted.data();
    // The layers model ends in the logits too, or in their softmax: compare top-1 and values.
    const logits = fromTfjs.length === studio.length ? fromTfjs : undefined;
    expect(logits).toBeDefined();
    expect(maxDiff(logits!)).toBeLessThan(1e-4);
    tf.dispose([input, inStudio, predicted]);
    loaded.dispose();
    trainer.dispose();
  });
});
