import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeCifarBatch } from '../data/testing/fixtures';
import { sessionHarness, tinyRunConfig } from '../testing/sessionHarness';
import type { RunConfig } from './protocol';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** resnet8 at four times its width with a batch of 512: more memory than the cpu backend has. */
const config = (overrides: Partial<RunConfig> = {}): RunConfig =>
  tinyRunConfig({
    dataset: { kind: 'generated', seed: 1, classes: 4, size: 28, samples: 200 },
    modelId: 'resnet8',
    widthMultiplier: 4,
    batchSize: 512,
    ...overrides,
  });

describe('runs that cannot fit in memory', () => {
  it('are refused before the first step, with the estimate and a batch that fits', async () => {
    const { events, session } = sessionHarness();
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

describe('uploads handed over in slices', () => {
  it('the worker loads the files it was handed in slices, and trains on them with a Start that carries none', async () => {
    const { events, session } = sessionHarness();
    await session.handle({ type: 'init', backends: ['cpu'] });
    const batch = (offset: number) =>
      new Blob([makeCifarBatch(Array.from({ length: 100 }, (_, i) => (i + offset) % 10)).slice()]);
    const handOver = (uploadId: number, path: string, file: Blob) =>
      session.handle({ type: 'uploadFiles', uploadId, files: [{ path, file }] });
    // An older choice's slice, then the two slices of the new one.
    await handOver(1, 'other.bin', batch(5));
    await handOver(2, 'data_batch_1.bin', batch(0));
    await handOver(2, 'data_batch_2.bin', batch(3));
    await session.handle({
      type: 'loadDataset',
      requestId: 1,
      spec: { kind: 'upload', format: 'cifar10', files: [], uploadId: 1 },
    });
    const refused = events.find((e) => e.type === 'datasetError');
    expect(refused?.type === 'datasetError' && refused.message).toMatch(
      /did not all reach the training worker/,
    );
    await session.handle({
      type: 'loadDataset',
      requestId: 2,
      spec: { kind: 'upload', format: 'cifar10', files: [], uploadId: 2 },
    });
    const loaded = events.find((e) => e.type === 'dataset');
    if (loaded?.type !== 'dataset') throw new Error(JSON.stringify(events));
    expect(loaded.summary.inputShape).toEqual([32, 32, 3]);
    expect(loaded.summary.trainCount + loaded.summary.validationCount).toBe(200);
    await session.handle({
      type: 'start',
      config: tinyRunConfig({
        dataset: { kind: 'upload', format: 'cifar10', files: [] },
        schedule: { totalSteps: 6, warmupFraction: 0.34, pruneFraction: 0.34 },
      }),
      datasetKey: loaded.summary.loadKey,
    });
    const finished = events.find((e) => e.type === 'finished');
    expect(finished?.type === 'finished' && finished.summary.dataset?.trainCount).toBe(
      loaded.summary.trainCount,
    );
  }, 120_000);
});
