import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../train/backend';
import { MemoryCheckpointStore } from './checkpointStore';
import type { RunConfig, WorkerEvent } from './protocol';
import { TrainingSession } from './session';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const config = (overrides: Partial<RunConfig> = {}): RunConfig => ({
  dataset: { kind: 'generated', seed: 1, classes: 4, size: 28, samples: 200 },
  modelId: 'resnet8',
  widthMultiplier: 4,
  boardId: 'stm32f746g-disco',
  budgets: {},
  schedule: { totalSteps: 30, warmupFraction: 0.2, pruneFraction: 0.5 },
  batchSize: 512,
  learningRate: 0.01,
  seed: 1,
  ...overrides,
});

describe('runs that cannot fit in memory', () => {
  it('are refused before the first step, with the estimate and a batch that fits', async () => {
    const events: WorkerEvent[] = [];
    const session = new TrainingSession(
      (e) => events.push(e),
      selectBackend,
      new MemoryCheckpointStore(),
    );
    await session.handle({ type: 'init', backends: ['cpu'] });
    const before = tf.memory().numTensors;
    await session.handle({ type: 'start', config: config() });
    const error = events.find((e) => e.type === 'notice' && e.level === 'error');
    expect(error?.type === 'notice' && error.message).toMatch(
      /needs about .* GiB of memory .* more than the cpu backend can give \(2\.0 GiB\)\. Use a batch of at most \d+/,
    );
    expect(events.filter((e) => e.type === 'runState')).toEqual([
      { type: 'runState', state: 'stopped' },
    ]);
    expect(events.some((e) => e.type === 'metrics')).toBe(false);
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);
});
