/**
 * What the trained model gets wrong: the confusion matrix on the validation set, per-class
 * precision and recall, and a few samples of every cell to look at.
 *
 * The matrix is computed from a `PredictClasses` function, so the same code serves the float
 * network (floatPredictor below) and, later, the int8 model: an int8 interpreter only has to
 * turn a batch of inputs into predicted classes.
 */
import * as tf from '@tensorflow/tfjs';
import type { Dataset, DatasetSplit } from '../data/dataset';
import { valueSpan } from '../data/render';
import type { ConfusionEvaluation, ConfusionFigures, EvaluatedModel } from '../core/evaluation';
import type { PruningTrainer } from './trainer';

/**
 * Predicted class of each of `count` samples: `x` holds them NHWC, already normalised as the
 * model's input (raw * scale + offset).
 */
export type PredictClasses = (x: Float32Array, count: number) => Promise<ArrayLike<number>>;

export interface EvaluationOptions {
  batchSize?: number;
  /** Samples kept per cell for the page to show. */
  perCell?: number;
  /** Evaluate only the first `limit` validation samples. */
  limit?: number;
}

export const SAMPLES_PER_CELL = 8;

/** The matrix without pictures: what the tests check and what the int8 path will reuse. */
export interface ConfusionCounts extends ConfusionFigures {
  /** Per cell, the validation indices of its first `perCell` samples. */
  cellSamples: number[][];
}

/** Runs `predict` over the split in batches and counts (true, predicted) pairs. */
export async function confusionCounts(
  predict: PredictClasses,
  split: DatasetSplit,
  dataset: Pick<Dataset, 'inputShape' | 'numClasses' | 'normalisation'>,
  options: EvaluationOptions = {},
): Promise<ConfusionCounts> {
  const n = dataset.numClasses;
  const [h, w, c] = dataset.inputShape;
  const length = h * w * c;
  const total = Math.min(split.count, options.limit ?? split.count);
  const batchSize = Math.max(1, options.batchSize ?? 256);
  const perCell = options.perCell ?? SAMPLES_PER_CELL;
  const { scale, offset } = dataset.normalisation;
  const counts = new Array<number>(n * n).fill(0);
  const cellSamples: number[][] = Array.from({ length: n * n }, () => []);
  const input = new Float32Array(Math.min(batchSize, Math.max(1, total)) * length);
  for (let start = 0; start < total; start += batchSize) {
    const size = Math.min(batchSize, total - start);
    const raw = split.x.subarray(start * length, (start + size) * length);
    for (let i = 0; i < raw.length; i++) input[i] = raw[i] * scale + offset;
    const predicted = await predict(input.subarray(0, size * length), size);
    if (predicted.length !== size) {
      throw new Error(`the model predicted ${predicted.length} classes for ${size} samples`);
    }
    for (let i = 0; i < size; i++) {
      const truth = split.y[start + i];
      const guess = predicted[i];
      if (!(guess >= 0 && guess < n && truth < n)) {
        throw new Error(`class out of range (true ${truth}, predicted ${guess}, ${n} classes)`);
      }
      const cell = truth * n + guess;
      counts[cell]++;
      if (cellSamples[cell].length < perCell) cellSamples[cell].push(start + i);
    }
  }
  let correct = 0;
  const precision: (number | null)[] = [];
  const recall: (number | null)[] = [];
  for (let k = 0; k < n; k++) {
    correct += counts[k * n + k];
    let predictedAsK = 0;
    let actualK = 0;
    for (let j = 0; j < n; j++) {
      predictedAsK += counts[j * n + k];
      actualK += counts[k * n + j];
    }
    precision.push(predictedAsK > 0 ? counts[k * n + k] / predictedAsK : null);
    recall.push(actualK > 0 ? counts[k * n + k] / actualK : null);
  }
  return {
    numClasses: n,
    counts,
    total,
    accuracy: total > 0 ? correct / total : 0,
    precision,
    recall,
    cellSamples,
  };
}

/**
 * The float network's predictions: a forward pass in inference mode, argmax over the logits.
 * Every tensor is disposed before the classes are returned.
 */
export function floatPredictor(trainer: PruningTrainer): PredictClasses {
  const [h, w, c] = trainer.dataset.inputShape;
  return async (x, count) => {
    const classes = tf.tidy(() => {
      const input = tf.tensor4d(x, [count, h, w, c]);
      return tf.argMax(trainer.network.forward(input, false).logits, 1);
    });
    try {
      return await classes.data();
    } finally {
      classes.dispose();
    }
  };
}

/**
 * The page's copy of a matrix: the counts plus the pictures of the listed samples, each
 * rescaled to 0..255 on its own (images as they are; MFCC features as a grey picture).
 */
export function toEvaluationMessage(
  model: EvaluatedModel,
  result: ConfusionCounts,
  dataset: Pick<Dataset, 'inputShape' | 'classNames' | 'validation' | 'validationSources'>,
): ConfusionEvaluation {
  const indices = [...new Set(result.cellSamples.flat())].sort((a, b) => a - b);
  const position = new Map(indices.map((v, i) => [v, i]));
  const samples = samplePictures(dataset, indices);
  return {
    model,
    classNames: dataset.classNames.slice(0, result.numClasses),
    numClasses: result.numClasses,
    counts: result.counts,
    total: result.total,
    accuracy: result.accuracy,
    precision: result.precision,
    recall: result.recall,
    ...(dataset.validationSources ? { audio: true } : {}),
    cellSamples: result.cellSamples.map((cell) => cell.map((index) => position.get(index)!)),
    samples,
  };
}

/**
 * Validation samples as pictures for the page: 0..255 per value, NHWC, each rescaled on its
 * own (images as they are; MFCC features as a grey picture).
 */
export function samplePictures(
  dataset: Pick<Dataset, 'inputShape' | 'validation'>,
  indices: readonly number[],
): ConfusionEvaluation['samples'] {
  const [h, w, c] = dataset.inputShape;
  const length = h * w * c;
  const pixels = new Uint8Array(indices.length * length);
  indices.forEach((index, i) => {
    const values = dataset.validation.x.subarray(index * length, (index + 1) * length);
    const { min, range } = valueSpan(values);
    for (let j = 0; j < length; j++) {
      pixels[i * length + j] = Math.round(((values[j] - min) / range) * 255);
    }
  });
  return { inputShape: [h, w, c], count: indices.length, pixels, validationIndex: [...indices] };
}

/**
 * A model's confusion matrix on the validation set, ready to post to the page. The int8 model
 * plugs in here: `evaluateModel('int8', predictWithInt8Interpreter, dataset)`.
 */
export async function evaluateModel(
  model: EvaluatedModel,
  predict: PredictClasses,
  dataset: Dataset,
  options?: EvaluationOptions,
): Promise<ConfusionEvaluation> {
  const counts = await confusionCounts(predict, dataset.validation, dataset, options);
  return toEvaluationMessage(model, counts, dataset);
}

/** The float network's matrix (what the session posts when a run finishes). */
export function evaluateFloatModel(trainer: PruningTrainer): Promise<ConfusionEvaluation> {
  return evaluateModel('float', floatPredictor(trainer), trainer.dataset);
}
