import * as tf from '@tensorflow/tfjs';
import { unzipSync, strFromU8 } from 'fflate';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { selectBackend } from '../train/backend';
import type { RunConfig, WorkerEvent } from './protocol';
import { MemoryCheckpointStore, type CheckpointStore } from './checkpointStore';
import { TrainingSession } from './session';
import { onlyStored, sessionHarness, tinyRunConfig } from '../testing/sessionHarness';
import { loadTfjsZip } from '../testing/tfjsZip';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterEach(() => vi.unstubAllGlobals());

const harness = (
  store: CheckpointStore = new MemoryCheckpointStore(),
  select: typeof selectBackend = selectBackend,
) => sessionHarness({ store, select });

const config = (overrides: Partial<RunConfig> = {}): RunConfig =>
  tinyRunConfig({ budgets: {}, ...overrides });

describe('TrainingSession', () => {
  it('reports the backend it chose and why faster ones were skipped', async () => {
    const { session, events } = harness();
    await session.handle({ type: 'init' });
    const backend = events.find((e) => e.type === 'backend');
    expect(backend).toMatchObject({ type: 'backend', active: 'cpu' });
    if (backend?.type === 'backend') {
      // Node has neither a GPU nor a browser: only cpu works, and it was measured.
      expect(backend.skipped.map((s) => s.name)).toEqual(['webgpu', 'wasm', 'webgl']);
      expect(backend.timings?.map((t) => t.name)).toEqual(['cpu']);
      expect(backend.timings?.[0].msPerStep).toBeGreaterThan(0);
    }
  });

  it('measures every working backend and activates the fastest', async () => {
    const select = async () => ({ active: 'cpu' as const, skipped: [] });
    const fastest = async () => ({
      active: 'wasm' as const,
      skipped: [{ name: 'webgpu' as const, reason: 'no adapter' }],
      timings: [
        { name: 'wasm' as const, msPerStep: 12 },
        { name: 'webgl' as const, msPerStep: 300 },
      ],
      order: ['wasm', 'webgl', 'webgpu'] as ('wasm' | 'webgl' | 'webgpu')[],
    });
    const events: WorkerEvent[] = [];
    const session = new TrainingSession(
      (e) => events.push(e),
      select,
      new MemoryCheckpointStore(),
      fastest,
    );
    await session.handle({ type: 'init', backendChoice: 'auto' });
    expect(events[0]).toMatchObject({ type: 'backend', active: 'wasm' });
    await session.handle({ type: 'chooseBackend', choice: 'cpu' });
    expect(events[1]).toMatchObject({ type: 'backend', active: 'cpu' });
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
    const finishedAt = events.findIndex((e) => e.type === 'runState' && e.state === 'finished');
    expect(finishedAt).toBeGreaterThan(0);
    // Then the run's files, to be kept with the saved run.
    // Then the int8 model as TFLite Micro runs it and its confusion matrix, then the run's
    // files, to be kept with the saved run.
    expect(events.slice(finishedAt + 1).map((e) => e.type)).toEqual([
      'deployment',
      'evaluation',
      'runFiles',
    ]);
    const deployment = events[finishedAt + 1];
    const int8 = events[finishedAt + 2];
    if (
      deployment.type === 'deployment' &&
      int8.type === 'evaluation' &&
      finished?.type === 'finished'
    ) {
      expect(deployment.runId).toBe(finished.summary.id);
      expect(deployment.deployment.facts.operators).toContain('FULLY_CONNECTED');
      expect(deployment.deployment.facts.arena.tensorArenaBytes % 16).toBe(0);
      // The int8 confusion matrix (TFLM arithmetic) agrees with the int8 accuracy.
      expect(int8.evaluation.model).toBe('int8');
      expect(int8.evaluation.accuracy).toBeCloseTo(deployment.deployment.int8Accuracy, 12);
    }
    // Each accuracy names what it was measured on: the warm-up figure, the step warm-up ended.
    if (finished?.type === 'finished') {
      const warmupEnd = events.find((e) => e.type === 'metrics' && e.metrics.phase !== 'warmup');
      expect(finished.summary.unprunedMeasuredAtStep).toBe(
        warmupEnd?.type === 'metrics' ? warmupEnd.metrics.step : NaN,
      );
      expect(finished.summary.unprunedMeasuredAtStep).toBeLessThan(finished.summary.steps);
      expect(finished.summary.validationSamples).toBe(80); // 20% of the 400 generated samples
    }
    const files = events.at(-1);
    expect(files?.type === 'runFiles' && files.quantised).toMatchObject({
      samples: 80,
      int8Accuracy: expect.any(Number),
      floatAccuracy: expect.any(Number),
    });
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

    const loaded = await loadTfjsZip(new Uint8Array(files.get('tfjs')!));
    expect(loaded.inputs[0].shape).toEqual([null, 12, 12, 1]);
    loaded.dispose();

    const cFiles = unzipSync(new Uint8Array(files.get('c-array')!));
    expect(strFromU8(cFiles['model_data.cc'])).toContain(`${tflite.length}`);

    // The files kept with the saved run are the very bytes every download gives.
    const kept = events.find((e) => e.type === 'runFiles');
    expect(kept?.type === 'runFiles' && kept.runId).toBe(summary!.id);
    if (kept?.type === 'runFiles') {
      expect(kept.files.map((f) => f.format)).toEqual(['tfjs', 'tflite', 'c-array', 'report']);
      for (const f of kept.files) {
        expect(new Uint8Array(f.bytes), f.format).toEqual(new Uint8Array(files.get(f.format)!));
      }
    }

    const report = JSON.parse(strFromU8(new Uint8Array(files.get('report')!)));
    expect(report.tfliteBytes).toBe(tflite.length);
    expect(report.accuracy.afterInt8).toBeGreaterThanOrEqual(0);
  });

  it("trains the unpruned reference for the run's full length once, and reuses it", async () => {
    const { session, events } = harness();
    await session.handle({ type: 'init', backends: ['cpu'] });
    await session.handle({ type: 'trainReference' });
    expect(events.at(-1)).toMatchObject({ type: 'notice', message: /finish one first/ });
    await session.handle({ type: 'start', config: config({ budgets: { flash: 3000 } }) });
    const finished = events.find((e) => e.type === 'finished');
    const runId = finished?.type === 'finished' ? finished.summary.id : '';
    const began = tf.memory().numTensors;
    await session.handle({ type: 'trainReference' });
    const done = events.filter((e) => e.type === 'reference' && e.reference);
    expect(done).toHaveLength(1);
    expect(done[0]).toMatchObject({
      runId,
      totalSteps: 30,
      reference: { steps: 30, validationSamples: 80, accuracy: expect.any(Number) },
    });
    expect(tf.memory().numTensors).toBe(began); // the reference network is disposed
    // The same model, data and schedule: answered at once, with the same figure.
    const before = events.length;
    await session.handle({ type: 'trainReference' });
    const again = events.slice(before);
    expect(again).toHaveLength(1);
    expect(again[0]).toEqual(done[0]);
  });

  it('rejects a step whose loss is NaN, rolls back and halves the learning rate', async () => {
    const { session, events } = harness();
    await session.handle({ type: 'init', backends: ['cpu'], faults: { nanAtStep: 15 } });
    await session.handle({ type: 'start', config: config() });
    const notice = events.find((e) => e.type === 'notice' && /rolled back/.test(e.message));
    expect(notice?.type === 'notice' && notice.message).toMatch(
      /loss became NaN at step 15.*rolled back to step \d+ .*halved to 0\.005/,
    );
    const finished = events.find((e) => e.type === 'finished');
    expect(finished?.type === 'finished' && finished.summary.steps).toBe(30);
  });

  it('goes on from the checkpoint on the next backend when the device is lost', async () => {
    // Two "backends" that both run on tfjs cpu here: the session's fallback logic is under test.
    const active: string[] = [];
    const select: typeof selectBackend = async (preference = ['cpu']) => {
      active.push(preference[0]);
      return { active: preference[0], skipped: [] };
    };
    const { session, events } = harness(new MemoryCheckpointStore(), select);
    await session.handle({
      type: 'init',
      backends: ['webgpu', 'cpu'],
      faults: { deviceLostAtStep: 20 },
    });
    await session.handle({ type: 'start', config: config() });
    expect(active).toEqual(['webgpu', 'cpu']);
    const notice = events.find((e) => e.type === 'notice' && /backend failed/.test(e.message));
    expect(notice?.type === 'notice' && notice.message).toMatch(
      /webgpu backend failed at step 21 \(the GPU device was lost \(simulated\)\); the run goes on from its checkpoint at step \d+ on cpu/,
    );
    const backends = events.filter((e) => e.type === 'backend');
    expect(backends.at(-1)).toMatchObject({ active: 'cpu' });
    const finished = events.find((e) => e.type === 'finished');
    expect(finished?.type === 'finished' && finished.summary.backend).toBe('cpu');
  });

  it('after a crash, a new session offers the stored checkpoint and resumes it to the same result', async () => {
    const straight = harness();
    await straight.session.handle({ type: 'init', backends: ['cpu'] });
    await straight.session.handle({ type: 'start', config: config({ budgets: { flash: 3000 } }) });
    const expected = straight.events.find((e) => e.type === 'finished');

    const store = new MemoryCheckpointStore();
    const crashed = harness(store);
    await crashed.session.handle({ type: 'init', backends: ['cpu'] });
    const running = crashed.session.handle({
      type: 'start',
      config: config({ budgets: { flash: 3000 } }),
    });
    await crashed.waitFor((e) => e.type === 'metrics' && e.metrics.phase === 'finetune');
    await crashed.session.handle({ type: 'pause' }); // the worker dies here: nothing more runs
    const saved = await onlyStored(store);
    expect(saved?.checkpoint.step).toBeGreaterThan(0);

    const fresh = harness(store);
    await fresh.session.handle({ type: 'init', backends: ['cpu'] });
    await fresh.session.handle({ type: 'queryCheckpoint' });
    const offer = fresh.events.find((e) => e.type === 'checkpoint');
    expect(offer?.type === 'checkpoint' && offer.info).toMatchObject({
      step: saved!.checkpoint.step,
      totalSteps: 30,
      modelName: 'Tiny CNN',
    });
    await fresh.session.handle({ type: 'resumeCheckpoint' });
    const resumed = fresh.events.find((e) => e.type === 'finished');
    const firstMetrics = fresh.events.find((e) => e.type === 'metrics');
    expect(firstMetrics?.type === 'metrics' && firstMetrics.metrics.step).toBe(
      saved!.checkpoint.step + 1,
    );
    expect(resumed?.type === 'finished' && resumed.summary.keptPerGroup).toEqual(
      expected?.type === 'finished' && expected.summary.keptPerGroup,
    );
    expect(resumed?.type === 'finished' && resumed.summary.validationAccuracy).toBe(
      expected?.type === 'finished' && expected.summary.validationAccuracy,
    );
    // A finished run leaves nothing to resume.
    expect(await store.keys()).toEqual([]);
    await crashed.session.handle({ type: 'stop' });
    await running;
  });

  it('says so when the browser refuses to store a checkpoint (quota), and keeps training', async () => {
    const full: CheckpointStore = {
      save: async () => {
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      },
      load: async () => undefined,
      keys: async () => [],
      clear: async () => undefined,
    };
    // The worker asks the browser how much the site stores (navigator.storage.estimate).
    const MB = 1024 * 1024;
    vi.stubGlobal('navigator', {
      storage: { estimate: async () => ({ usage: 95 * MB, quota: 100 * MB }) },
    });
    const { session, events } = harness(full);
    await session.handle({ type: 'init', backends: ['cpu'] });
    await session.handle({ type: 'start', config: config() });
    const warnings = events.filter(
      (e) => e.type === 'notice' && /Could not store the run's checkpoint/.test(e.message),
    );
    expect(warnings).toHaveLength(1); // said once, not at every save
    expect(warnings[0].type === 'notice' && warnings[0].message).toMatch(/quota/);
    expect(warnings[0].type === 'notice' && warnings[0].message).toMatch(
      /uses 95\.0 MB of the 100\.0 MB the browser allows\. Delete saved runs/,
    );
    expect(events.some((e) => e.type === 'finished')).toBe(true);
  });
});
