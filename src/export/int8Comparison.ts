/**
 * The int8 model next to its float original, sample by sample: accuracy of each, recall per
 * class, and the samples on which their outputs (as probabilities) differ most.
 */
import type { Int8Comparison, OutputDifference } from './report';

/** How many of the most different samples the report and the page list. */
export const LARGEST_DIFFERENCES = 8;

/** Softmax of each row of `width` values (numerically stable); a new array. */
export function softmaxRows(values: ArrayLike<number>, width: number): Float64Array {
  const out = new Float64Array(values.length);
  for (let row = 0; row < values.length / width; row++) {
    let max = -Infinity;
    for (let j = 0; j < width; j++) max = Math.max(max, values[row * width + j]);
    let sum = 0;
    for (let j = 0; j < width; j++) {
      const e = Math.exp(values[row * width + j] - max);
      out[row * width + j] = e;
      sum += e;
    }
    for (let j = 0; j < width; j++) out[row * width + j] /= sum;
  }
  return out;
}

function argmax(values: ArrayLike<number>, start: number, width: number): number {
  let best = 0;
  for (let j = 1; j < width; j++) if (values[start + j] > values[start + best]) best = j;
  return best;
}

export interface ComparisonInput {
  /** Float outputs and dequantised int8 outputs, [count, classes] each. */
  floatOutputs: ArrayLike<number>;
  int8Outputs: ArrayLike<number>;
  /** Whether the outputs are already probabilities (the network ends in a softmax). */
  outputsAreProbabilities: boolean;
  labels: ArrayLike<number>;
  count: number;
  classNames: readonly string[];
  /** Index in the validation split of sample 0 (default 0). */
  firstSample?: number;
  largest?: number;
}

export function compareOutputs(input: ComparisonInput): Int8Comparison {
  const { count, labels, classNames } = input;
  const width = classNames.length;
  if (input.floatOutputs.length !== count * width || input.int8Outputs.length !== count * width) {
    throw new Error(
      `expected ${count} × ${width} outputs of each model, got ${input.floatOutputs.length} float and ${input.int8Outputs.length} int8`,
    );
  }
  const probabilities = (v: ArrayLike<number>) =>
    input.outputsAreProbabilities ? v : softmaxRows(v, width);
  const pf = probabilities(input.floatOutputs);
  const pq = probabilities(input.int8Outputs);
  const samples = new Array<number>(width).fill(0);
  const floatRight = new Array<number>(width).fill(0);
  const int8Right = new Array<number>(width).fill(0);
  let disagreements = 0;
  const differences: OutputDifference[] = [];
  for (let i = 0; i < count; i++) {
    const label = labels[i];
    if (!(label >= 0 && label < width)) {
      throw new Error(`sample ${i} has label ${label}, outside the ${width} classes`);
    }
    const at = i * width;
    // Top class of the raw outputs (softmax keeps the order): the same as the accuracy checks.
    const floatClass = argmax(input.floatOutputs, at, width);
    const int8Class = argmax(input.int8Outputs, at, width);
    samples[label]++;
    if (floatClass === label) floatRight[label]++;
    if (int8Class === label) int8Right[label]++;
    if (floatClass !== int8Class) disagreements++;
    let maxDifference = 0;
    for (let j = 0; j < width; j++) {
      maxDifference = Math.max(maxDifference, Math.abs(pf[at + j] - pq[at + j]));
    }
    differences.push({
      sample: (input.firstSample ?? 0) + i,
      label,
      floatClass,
      int8Class,
      floatProbability: pf[at + label],
      int8Probability: pq[at + label],
      maxDifference,
    });
  }
  // Samples whose top class changed first, then the largest difference first.
  differences.sort(
    (a, b) =>
      Number(b.floatClass !== b.int8Class) - Number(a.floatClass !== a.int8Class) ||
      b.maxDifference - a.maxDifference ||
      a.sample - b.sample,
  );
  const total = (right: number[]) => right.reduce((s, v) => s + v, 0);
  return {
    samples: count,
    floatAccuracy: count > 0 ? total(floatRight) / count : 0,
    int8Accuracy: count > 0 ? total(int8Right) / count : 0,
    disagreements,
    perClass: classNames.map((className, k) => ({
      className,
      samples: samples[k],
      floatRecall: samples[k] > 0 ? floatRight[k] / samples[k] : null,
      int8Recall: samples[k] > 0 ? int8Right[k] / samples[k] : null,
    })),
    largestDifferences: differences
      .slice(0, input.largest ?? LARGEST_DIFFERENCES)
      .filter((d) => d.maxDifference > 0),
  };
}
