import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyseGraph } from '../core/graphAnalysis';
import { zooModel } from '../core/zoo';
import { generateShapes } from '../data/generated';
import { createResourceEstimator } from './estimator';
import {
  confusionCounts,
  evaluateFloatModel,
  evaluateModel,
  floatPredictor,
  toEvaluationMessage,
  type PredictClasses,
} from './evaluation';
import { PruningTrainer } from './trainer';
import { testTrainerSettings } from '../testing/trainerSettings';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Ten samples of three classes, one value each: the value is the sample's index. */
const split = {
  x: Float32Array.from({ length: 10 }, (_, i) => i),
  y: Uint8Array.from([0, 0, 0, 0, 1, 1, 1, 2, 2, 2]),
  count: 10,
};
const tiny = { inputShape: [1, 1, 1] as [number, number, number], numClasses: 3 };

/** Predicts from the (normalised) value: index 3 and 9 are wrong, everything else right. */
const wrongOn: PredictClasses = async (x) =>
  Array.from(x, (v) => {
    const index = Math.round((v - 1) / 2); // undoes the normalisation below
    if (index === 3) return 2;
    if (index === 9) return 1;
    return split.y[index];
  });

describe('confusion matrix', () => {
  it('counts (true, predicted) pairs and derives accuracy, precision and recall', async () => {
    const r = await confusionCounts(
      wrongOn,
      split,
      { ...tiny, normalisation: { scale: 2, offset: 1 } },
      { batchSize: 4 },
    );
    // rows: true class; columns: predicted class.
    expect(r.counts).toEqual([3, 0, 1, 0, 3, 0, 0, 1, 2]);
    expect(r.total).toBe(10);
    expect(r.accuracy).toBeCloseTo(0.8, 10);
    expect(r.recall).toEqual([0.75, 1, 2 / 3]);
    expect(r.precision).toEqual([1, 0.75, 2 / 3]);
    expect(r.cellSamples[0 * 3 + 2]).toEqual([3]);
    expect(r.cellSamples[2 * 3 + 1]).toEqual([9]);
    expect(r.cellSamples[0]).toEqual([0, 1, 2]);
  });

  it('keeps at most `perCell` samples per cell and says null where a ratio has no samples', async () => {
    const all0: PredictClasses = async (_x, count) => new Array<number>(count).fill(0);
    const r = await confusionCounts(
      all0,
      split,
      { ...tiny, numClasses: 4, normalisation: { scale: 1, offset: 0 } },
      { perCell: 2 },
    );
    expect(r.cellSamples[0]).toEqual([0, 1]);
    expect(r.precision).toEqual([0.4, null, null, null]);
    expect(r.recall).toEqual([1, 0, 0, null]);
  });

  it('refuses a predictor that answers for the wrong number of samples or classes', async () => {
    const data = { ...tiny, normalisation: { scale: 1, offset: 0 } };
    await expect(confusionCounts(async () => [0], split, data)).rejects.toThrow(
      /predicted 1 classes for 10 samples/,
    );
    await expect(
      confusionCounts(async (_x, n) => new Array<number>(n).fill(7), split, data),
    ).rejects.toThrow(/class out of range/);
  });

  it('sends each listed sample once, as a 0..255 picture, and points the cells at it', async () => {
    const r = await confusionCounts(wrongOn, split, {
      ...tiny,
      normalisation: { scale: 2, offset: 1 },
    });
    const twoValues = {
      inputShape: [1, 2, 1] as [number, number, number],
      classNames: ['a', 'b', 'c'],
      validation: { ...split, x: Float32Array.from({ length: 20 }, (_, i) => (i % 2 ? 5 : -5)) },
    };
    const message = toEvaluationMessage('float', { ...r }, twoValues);
    expect(message.samples.count).toBe(10);
    expect(message.samples.validationIndex).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect([...message.samples.pixels.subarray(0, 2)]).toEqual([0, 255]);
    expect(message.cellSamples[2]).toEqual([3]);
    expect(message.classNames).toEqual(['a', 'b', 'c']);
    // Only samples that are clips of an audio upload say their sound can be asked for.
    expect(message.audio).toBeUndefined();
    const n = split.count;
    const sources = {
      file: new Uint32Array(n),
      start: new Uint32Array(n),
      length: new Uint32Array(n),
    };
    expect(
      toEvaluationMessage('float', r, { ...twoValues, validationSources: sources }).audio,
    ).toBe(true);
  });
});

describe('evaluating any model through its predict function', () => {
  it('labels the matrix with the model it was given (the seam for the int8 model)', async () => {
    const dataset = generateShapes({ size: 8, classes: 3, samples: 60, seed: 4 });
    const always1: PredictClasses = async (_x, count) => new Array<number>(count).fill(1);
    const m = await evaluateModel('int8', always1, dataset);
    expect(m.model).toBe('int8');
    expect(m.precision[0]).toBeNull();
    const ones = Array.from(dataset.validation.y).filter((y) => y === 1).length;
    expect(m.accuracy).toBeCloseTo(ones / dataset.validation.count, 10);
  });
});

describe('float model evaluation', () => {
  it("agrees with the trainer's accuracy and leaves no tensor behind", async () => {
    const dataset = generateShapes({ size: 12, classes: 4, samples: 400, seed: 2 });
    const analysed = analyseGraph(
      zooModel('tiny-cnn').build({ inputShape: [12, 12, 1], numClasses: 4, widthMultiplier: 1 }),
    );
    const trainer = new PruningTrainer(
      analysed,
      dataset,
      testTrainerSettings({ totalSteps: 20, validationSamples: 80 }),
      createResourceEstimator(analysed, 'stm32f746g-disco'),
    );
    for (let i = 0; i < 10; i++) await trainer.trainStep();
    const before = tf.memory().numTensors;
    const evaluation = await evaluateFloatModel(trainer);
    await floatPredictor(trainer)(new Float32Array(2 * 144), 2);
    expect(tf.memory().numTensors).toBe(before);
    expect(evaluation.total).toBe(dataset.validation.count);
    expect(evaluation.counts.reduce((a, b) => a + b, 0)).toBe(dataset.validation.count);
    expect(evaluation.accuracy).toBeCloseTo(await trainer.accuracy(dataset.validation), 10);
    trainer.dispose();
  });
});
