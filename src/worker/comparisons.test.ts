import { describe, expect, it } from 'vitest';
import type { DatasetSplit } from '../data/dataset';
import type { PruningTrainer } from '../train/trainer';
import { trainToEnd } from './comparisons';

/** A trainer of `total` steps (each step records itself), with a given final accuracy. */
function stepCounter(total: number, accuracy = 0.75) {
  const trainer = {
    step: 0,
    get done() {
      return trainer.step >= total;
    },
    trainStep: async () => {
      trainer.step += 1;
      return { loss: 1, accuracy: 0 };
    },
    accuracy: async () => accuracy,
  };
  return trainer;
}
const validation = { count: 0 } as unknown as DatasetSplit;

describe('trainToEnd', () => {
  it('trains every step and returns the validation accuracy', async () => {
    const trainer = stepCounter(5, 0.875);
    const seen: number[] = [];
    const accuracy = await trainToEnd(
      trainer as unknown as PruningTrainer,
      validation,
      () => true,
      (s) => seen.push(s),
    );
    expect(accuracy).toBe(0.875);
    expect(trainer.step).toBe(5);
    // At most every 250 ms: the first step reports, the next ones within 250 ms do not.
    expect(seen[0]).toBe(1);
    expect(seen.every((s, i) => i === 0 || s > seen[i - 1])).toBe(true);
  });

  it('stops between steps once the run it belongs to is no longer the current one', async () => {
    const trainer = stepCounter(100);
    await expect(
      trainToEnd(
        trainer as unknown as PruningTrainer,
        validation,
        () => trainer.step < 3,
        () => {},
      ),
    ).rejects.toThrow('a new run started');
    expect(trainer.step).toBe(3);
  });

  it('fails when the accuracy cannot be measured', async () => {
    const trainer = stepCounter(2, Number.NaN);
    await expect(
      trainToEnd(
        trainer as unknown as PruningTrainer,
        validation,
        () => true,
        () => {},
      ),
    ).rejects.toThrow('its accuracy could not be measured');
  });
});
