import { describe, expect, it } from 'vitest';
import { lossAxis } from './TrainingChart';

describe('lossAxis', () => {
  it('covers the largest loss in four round intervals', () => {
    const axis = lossAxis([{ loss: 2.31 }, { loss: 0.9 }, { loss: 0.4 }]);
    expect(axis.ticks).toEqual([0, 1, 2, 3, 4]);
    expect(axis.domain).toEqual([0, 4]);
  });

  it('ignores steps without a loss, such as the figures sent as a run finishes', () => {
    const axis = lossAxis([{ loss: 2.31 }, { loss: 0.35 }, { loss: Number.NaN }]);
    expect(axis.domain[1]).toBeGreaterThanOrEqual(2.31);
    expect(axis.ticks).toHaveLength(5);
  });

  it('spans 0 to 1 before any step', () => {
    expect(lossAxis([]).domain).toEqual([0, 1]);
  });
});
