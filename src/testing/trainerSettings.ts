/** Trainer settings for the unit tests' short runs. */
import type { TrainerSettings } from '../train/trainer';

/** 200 steps (20 % warm-up, 50 % pruning), batch 16, seed 3, no budgets, no periodic validation. */
export const testTrainerSettings = (overrides: Partial<TrainerSettings> = {}): TrainerSettings => ({
  totalSteps: 200,
  warmupFraction: 0.2,
  pruneFraction: 0.5,
  batchSize: 16,
  learningRate: 0.01,
  seed: 3,
  budgets: {},
  validationEvery: 0,
  validationSamples: 160,
  ...overrides,
});
