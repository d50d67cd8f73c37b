import { describe, expect, it } from 'vitest';
import { compareOutputs, softmaxRows } from './int8Comparison';

describe('float vs int8 comparison', () => {
  it('gives accuracies, recall per class and the samples that differ most', () => {
    // Three classes, four samples (logits). Sample 1: int8 flips the top class; sample 3:
    // same top class, outputs a little apart; samples 0 and 2 agree exactly.
    const float = [4, 0, 0, 0, 2, 1.9, 0, 0, 5, 1, 0, 0];
    const int8 = [4, 0, 0, 0, 1.9, 2, 0, 0, 5, 1.05, 0, 0];
    const labels = [0, 1, 2, 0];
    const c = compareOutputs({
      floatOutputs: float,
      int8Outputs: int8,
      outputsAreProbabilities: false,
      labels,
      count: 4,
      classNames: ['a', 'b', 'c'],
      firstSample: 100,
    });
    expect(c.samples).toBe(4);
    expect(c.floatAccuracy).toBe(1);
    expect(c.int8Accuracy).toBe(0.75);
    expect(c.disagreements).toBe(1);
    expect(c.perClass).toEqual([
      { className: 'a', samples: 2, floatRecall: 1, int8Recall: 1 },
      { className: 'b', samples: 1, floatRecall: 1, int8Recall: 0 },
      { className: 'c', samples: 1, floatRecall: 1, int8Recall: 1 },
    ]);
    // Identical outputs are not listed; the flipped sample comes first.
    expect(c.largestDifferences.map((d) => d.sample)).toEqual([101, 103]);
    const flipped = c.largestDifferences[0];
    expect(flipped).toMatchObject({ label: 1, floatClass: 1, int8Class: 2 });
    const pf = softmaxRows([0, 2, 1.9], 3);
    const pq = softmaxRows([0, 1.9, 2], 3);
    expect(flipped.floatProbability).toBeCloseTo(pf[1], 12);
    expect(flipped.int8Probability).toBeCloseTo(pq[1], 12);
    expect(flipped.maxDifference).toBeCloseTo(Math.abs(pf[1] - pq[1]), 12);
  });

  it('takes probabilities as they are, and a class without samples has no recall', () => {
    const c = compareOutputs({
      floatOutputs: [0.7, 0.3, 0.4, 0.6],
      int8Outputs: [0.5, 0.5, 0.4, 0.6],
      outputsAreProbabilities: true,
      labels: [0, 0],
      count: 2,
      classNames: ['x', 'y'],
    });
    expect(c.perClass[1]).toEqual({
      className: 'y',
      samples: 0,
      floatRecall: null,
      int8Recall: null,
    });
    expect(c.largestDifferences).toHaveLength(1);
    expect(c.largestDifferences[0].maxDifference).toBeCloseTo(0.2, 12);
    expect(c.floatAccuracy).toBe(0.5);
  });

  it('lists samples whose top class changed before larger differences that keep it', () => {
    // Sample 0 keeps its class with a difference of 0.3; sample 1 flips with 0.02.
    const c = compareOutputs({
      floatOutputs: [0.9, 0.1, 0.51, 0.49],
      int8Outputs: [0.6, 0.4, 0.49, 0.51],
      outputsAreProbabilities: true,
      labels: [0, 0],
      count: 2,
      classNames: ['x', 'y'],
    });
    expect(c.largestDifferences.map((d) => [d.sample, d.int8Class])).toEqual([
      [1, 1],
      [0, 0],
    ]);
  });

  it('refuses outputs of the wrong size and labels outside the classes', () => {
    const base = {
      outputsAreProbabilities: true,
      count: 1,
      classNames: ['x', 'y'],
      labels: [0],
    };
    expect(() => compareOutputs({ ...base, floatOutputs: [1], int8Outputs: [1, 0] })).toThrow(
      /expected 1 × 2 outputs of each model, got 1 float and 2 int8/,
    );
    expect(() =>
      compareOutputs({ ...base, labels: [5], floatOutputs: [1, 0], int8Outputs: [1, 0] }),
    ).toThrow(/label 5, outside the 2 classes/);
  });
});
