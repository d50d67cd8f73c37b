import * as tf from '@tensorflow/tfjs';
import { unzipSync, strFromU8 } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../train/backend';
import type { RunConfig, WorkerEvent } from './protocol';
import { TrainingSession } from './session';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function harness() {
  const events: WorkerEvent[] = [];
  const session = new TrainingSession((e) => events.push(e), selectBackend);
  const waitFor = async (predicate: (e: WorkerEvent) => boolean, timeoutMs = 60_000) => {
    const began = Date.now();
    for (;;) {
      const found = events.find(predicate);
      if (found) return found;
      if (Date.now() - began > timeoutMs) throw new Error('timed out waiting for an event');
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return { events, session, waitFor };
}

const config = (overrides: Partial<RunConfig> = {}): RunConfig => ({
  dataset: { kind: 'generated', seed: 1, classes: 4, size: 12, samples: 400 },
  modelId: 'tiny-cnn',
  widthMultiplier: 1,
  boardId: 'stm32f746g-disco',
  budgets: {},
  schedule: { totalSteps: 30, warmupFraction: 0.2, pruneFraction: 0.5 },
  batchSize: 8,
  learningRate: 0.01,
  seed: 1,
  ...overrides,
});

describe('TrainingSession', () => {
  it('reports the backend it chose and why faster ones were skipped', async () => {
    const { session, events } = harness();
    await session.handle({ type: 'init' });
    const backend = events.find((e) => e.type === 'backend');
    expect(backend).toMatchObject({ type: 'backend', active: 'cpu' });
    if (backend?.type === 'backend') {
      expect(backend.skipped.map((s) => s.name)).toEqual(['webgpu', 'webgl']);
    }
  });

  it('runs a whole schedule: metrics through every phase, then a finished summary', async () => {
    const { session, events } = harness();
    await session.handle({ type: 'init', backends: ['cpu'] });
    await session.handle({ type: 'start', config: config({ budgets: { flash: 3000 } }) });
    const phases = new Set(events.flatMap((e) => (e.type === 'metrics' ? [e.metrics.phase] : [])));
    expect([...phases]).toEqual(expect.arrayContaining(['warmup', 'pruning', 'finetune']));
    const finished = events.find((e) => e.type === 'finished');
    expect(finished?.type).toBe('finished');
    if (finished?.type === 'finished') {
      expect(finished.summary.steps).toBe(30);
      expect(finished.summary.resources.flash).toBeLessThanOrEqual(3000);
      expect(finished.summary.resources.flash).toBeLessThan(finished.summary.unpruned.flash);
    }
    expect(events.at(-1)).toEqual({ type: 'runState', state: 'finished' });
  });

  it('pauses, resumes and stops between steps', async () => {
    const { session, events, waitFor } = harness();
    await session.handle({ type: 'init', backends: ['cpu'] });
    const run = session.handle({
      type: 'start',
      config: config({ schedule: { totalSteps: 400, warmupFraction: 0.2, pruneFraction: 0.5 } }),
    });
    await waitFor((e) => e.type === 'metrics');
    await session.handle({ type: 'pause' });
    await waitFor((e) => e.type === 'runState' && e.state === 'paused');
    const stepAt = () => events.filter((e) => e.type === 'metrics').length;
    const before = stepAt();
    await new Promise((r) => setTimeout(r, 300));
    expect(stepAt()).toBeLessThanOrEqual(before + 1);
    await session.handle({ type: 'resume' });
    await waitFor((e) => e.type === 'runState' && e.state === 'running' && events.indexOf(e) > 2);
    await session.handle({ type: 'stop' });
    await run;
    expect(events.at(-1)).toEqual({ type: 'runState', state: 'stopped' });
    expect(events.some((e) => e.type === 'finished')).toBe(false);
  });

  it('refuses an infeasible budget before training, with the smallest achievable figures', async () => {
    const { session, events } = harness();
    await session.handle({ type: 'init', backends: ['cpu'] });
    await session.handle({ type: 'start', config: config({ budgets: { flash: 100 } }) });
    const notice = events.find((e) => e.type === 'notice' && e.level === 'error');
    expect(notice?.type === 'notice' && notice.message).toMatch(/Budget cannot be met.*KB flash/);
    expect(events.some((e) => e.type === 'metrics')).toBe(false);
  });

  it('refuses a model whose input is too small for it, saying what to do', async () => {
    const { session, events } = harness();
    await session.handle({ type: 'init', backends: ['cpu'] });
    await session.handle({
      type: 'start',
      config: config({
        modelId: 'ds-cnn',
        dataset: { kind: 'generated', seed: 1, classes: 4, size: 8, samples: 200 },
      }),
    });
    const notice = events.find((e) => e.type === 'notice' && e.level === 'error');
    expect(notice?.type === 'notice' && notice.message).toMatch(/needs inputs of at least/);
  });

  it('keeps the current dataset when a new one fails to load', async () => {
    const { session, events } = harness();
    await session.handle({ type: 'init', backends: ['cpu'] });
    await session.handle({
      type: 'loadDataset',
      requestId: 1,
      spec: { kind: 'generated', seed: 1, classes: 3, size: 12, samples: 120 },
    });
    await session.handle({
      type: 'loadDataset',
      requestId: 2,
      spec: {
        kind: 'upload',
        files: [{ path: 'notes/readme.txt', file: new Blob(['hello']) }],
      },
    });
    const failure = events.find((e) => e.type === 'datasetError');
    expect(failure).toMatchObject({ type: 'datasetError', requestId: 2 });
    // A run still starts on the dataset loaded before.
    await session.handle({
      type: 'start',
      config: config({ schedule: { totalSteps: 4, warmupFraction: 0.5, pruneFraction: 0.25 } }),
    });
    const finished = events.find((e) => e.type === 'finished');
    expect(finished?.type === 'finished' && finished.summary.datasetName).toMatch(/shape/i);
  });

  it('exports the finished, physically pruned run in every format', async () => {
    const { session, events } = harness();
    await session.handle({ type: 'init', backends: ['cpu'] });
    await session.handle({ type: 'export', format: 'tflite', requestId: 1 });
    expect(events.find((e) => e.type === 'exportError')).toMatchObject({
      requestId: 1,
      message: expect.stringMatching(/no run has finished/),
    });
    await session.handle({ type: 'start', config: config({ budgets: { flash: 3000 } }) });
    const files = new Map<string, ArrayBuffer>();
    for (const [i, format] of (['tflite', 'tfjs', 'c-array', 'report'] as const).entries()) {
      await session.handle({ type: 'export', format, requestId: 10 + i });
      const reply = events.find(
        (e) => (e.type === 'exported' || e.type === 'exportError') && e.requestId === 10 + i,
      );
      expect(reply?.type, JSON.stringify(reply)).toBe('exported');
      if (reply?.type === 'exported') files.set(format, reply.bytes);
    }
    const tflite = new Uint8Array(files.get('tflite')!);
    expect(strFromU8(tflite.subarray(4, 8))).toBe('TFL3');
    const finished = events.find((e) => e.type === 'finished');
    const summary = finished?.type === 'finished' ? finished.summary : undefined;
    // The .tflite is the pruned model: about the size the resource model estimated.
    expect(tflite.length).toBeLessThan(summary!.unpruned.flash);

    const tfjsFiles = unzipSync(new Uint8Array(files.get('tfjs')!));
    const modelJson = JSON.parse(strFromU8(tfjsFiles['model.json']));
    const loaded = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: modelJson.modelTopology,
        weightSpecs: modelJson.weightsManifest[0].weights,
        weightData: tfjsFiles['weights.bin'].slice().buffer,
      }),
    );
    expect(loaded.inputs[0].shape).toEqual([null, 12, 12, 1]);
    loaded.dispose();

    const cFiles = unzipSync(new Uint8Array(files.get('c-array')!));
    expect(strFromU8(cFiles['model_data.cc'])).toContain(`${tflite.length}`);

    const report = JSON.parse(strFromU8(new Uint8Array(files.get('report')!)));
    expect(report.tfliteBytes).toBe(tflite.length);
    expect(report.accuracy.afterInt8).toBeGreaterThanOrEqual(0);
  });
});
