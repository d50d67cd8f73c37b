import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { selectBackend } from '../train/backend';
import { BatchSampler } from '../data/batches';
import { PruningTrainer } from '../train/trainer';
import type { RunConfig, WorkerEvent } from './protocol';
import { MemoryCheckpointStore, type CheckpointStore, type StoredRun } from './checkpointStore';
import { storedRunProblem } from './checkpointCheck';
import { generateShapes } from '../data/generated';
import { analyseGraph } from '../core/graphAnalysis';
import { zooModel } from '../core/zoo';
import { runBoard } from '../core/hardware';
import { createResourceEstimator } from '../train/estimator';
import { makeCifarBatch } from '../data/testing/fixtures';
import { TrainingSession } from './session';
import { onlyStored, sessionHarness, tinyRunConfig } from '../testing/sessionHarness';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterEach(() => vi.restoreAllMocks());

const harness = (store: CheckpointStore = new MemoryCheckpointStore()) => sessionHarness({ store });

const config = (overrides: Partial<RunConfig> = {}): RunConfig =>
  tinyRunConfig({ budgets: { flash: 3000 }, ...overrides });

/** A genuine record: a run paused in pruning, its checkpoint as the worker stored it. */
async function storedRun() {
  const store = new MemoryCheckpointStore();
  const { session, waitFor } = harness(store);
  await session.handle({ type: 'init', backends: ['cpu'] });
  const running = session.handle({ type: 'start', config: config() });
  // The phase change is saved at once.
  await waitFor((e) => e.type === 'metrics' && e.metrics.phase === 'pruning');
  await session.handle({ type: 'pause' });
  const saved = (await onlyStored(store))!;
  await session.handle({ type: 'stop' });
  await running;
  return saved;
}

/** The same run's checkpoint once its network was physically pruned (fine-tuning). */
async function prunedRun(base: StoredRun): Promise<StoredRun> {
  const c = config();
  const spec = c.dataset as Extract<RunConfig['dataset'], { kind: 'generated' }>;
  const dataset = generateShapes(spec);
  const analysed = analyseGraph(
    zooModel(c.modelId).build({
      inputShape: dataset.inputShape,
      numClasses: dataset.numClasses,
      widthMultiplier: c.widthMultiplier,
    }),
  );
  const trainer = new PruningTrainer(
    analysed,
    dataset,
    {
      ...c.schedule,
      batchSize: c.batchSize,
      learningRate: c.learningRate,
      seed: c.seed,
      budgets: c.budgets,
      validationEvery: 0,
      validationSamples: 50,
    },
    createResourceEstimator(analysed, runBoard(c)),
  );
  while (!trainer.removed) await trainer.trainStep();
  const checkpoint = await trainer.checkpoint();
  trainer.dispose();
  return { ...base, checkpoint };
}

let genuine: StoredRun;
let pruned: StoredRun;
beforeAll(async () => {
  genuine = await storedRun();
  pruned = await prunedRun(genuine);
}, 120_000);

/** A store holding `record` as it was read back (anything: the store does not judge it). */
function storeWith(record: unknown): MemoryCheckpointStore {
  const store = new MemoryCheckpointStore();
  void store.save('stored-run', record as StoredRun);
  return store;
}

const offers = (events: WorkerEvent[]) => events.filter((e) => e.type === 'checkpoint');
const notices = (events: WorkerEvent[]) =>
  events.flatMap((e) => (e.type === 'notice' ? [e.message] : []));

describe('stored checkpoints are checked whole before they are offered', () => {
  it('accepts a genuine record, before and after the network was pruned', () => {
    expect(genuine.checkpoint.removed).toBe(false);
    expect(pruned.checkpoint.removed).toBe(true);
    expect(storedRunProblem(genuine)).toBeUndefined();
    expect(storedRunProblem(pruned)).toBeUndefined();
  });

  const cases: [string, (r: StoredRun) => unknown, RegExp][] = [
    [
      'an old checkpoint format',
      (r) => ({ ...r, checkpoint: { ...r.checkpoint, version: 0 } }),
      /another version of the studio \(checkpoint format 0, this one reads 1\)/,
    ],
    [
      'a model this version lacks',
      (r) => ({ ...r, config: { ...r.config, modelId: 'resnet99' } }),
      /model "resnet99" is not one this version knows/,
    ],
    ['no configuration', (r) => ({ ...r, config: undefined }), /no run configuration/],
    [
      'a step of 2e9',
      (r) => ({ ...r, checkpoint: { ...r.checkpoint, step: 2e9 } }),
      /step 2000000000 is not between 0 and the run's 30 steps/,
    ],
    [
      'a run longer than the studio allows',
      (r) => ({
        ...r,
        config: { ...r.config, schedule: { ...r.config.schedule, totalSteps: 2e9 } },
      }),
      /length of 2000000000 steps is outside 10–100000/,
    ],
    [
      'weights that are not a layer map (a foreign record)',
      (r) => ({ ...r, checkpoint: { ...r.checkpoint, weights: { conv1: {} } } }),
      /weights are not a layer map/,
    ],
    [
      'a kernel of the wrong size',
      (r) => {
        const weights = new Map(r.checkpoint.weights);
        const [id, layer] = [...weights].find(([, l]) => l.kernel)!;
        weights.set(id, { ...layer, kernel: layer.kernel!.subarray(1) });
        return { ...r, checkpoint: { ...r.checkpoint, weights } };
      },
      /weights .*\.kernel hold \d+ values where the model has \d+ \(shape/,
    ],
    [
      'weights of another width',
      (r) => ({ ...r, config: { ...r.config, widthMultiplier: 2 } }),
      /weights .* hold \d+ values where the model has/,
    ],
    [
      'pruning state of another model',
      (r) => ({
        ...r,
        checkpoint: {
          ...r.checkpoint,
          controller: { ...r.checkpoint.controller, sizeProportions: [1] },
        },
      }),
      /no size proportion for each of the model's \d+ channel groups/,
    ],
    [
      'an upload whose data was not kept',
      (r) => ({
        ...r,
        datasetName: 'My photos',
        config: { ...r.config, dataset: { kind: 'upload', files: [] } },
        dataset: undefined,
      }),
      /uploaded dataset "My photos" was not kept with it \(uploads over 256 MiB are not\), so nothing can be restored: upload "My photos" again and start a new run/,
    ],
    ['something else entirely', () => 'hello', /not a checkpoint record/],
    [
      'a pruned network that does not keep the channels it says',
      () => ({
        ...pruned,
        checkpoint: {
          ...pruned.checkpoint,
          keptAtRemoval: pruned.checkpoint.keptAtRemoval!.map((k) => [...k, ...k].slice(0, 64)),
        },
      }),
      /kept channels do not match|does not keep the channels it says it kept/,
    ],
  ];

  for (const [name, corrupt, why] of cases) {
    it(`discards ${name} with a notice naming why, and offers nothing`, async () => {
      const store = storeWith(corrupt(genuine));
      const { session, events } = harness(store);
      await session.handle({ type: 'queryCheckpoint' });
      expect(offers(events).at(-1)).toEqual({ type: 'checkpoint', info: null });
      const said = notices(events);
      expect(said).toHaveLength(1);
      expect(said[0]).toMatch(why);
      expect(said[0]).toMatch(/cannot be resumed: .*\. It was discarded\.$/);
      expect(await onlyStored(store)).toBeUndefined();
    });
  }

  it('a resume of a bad record ends stopped with the reason, never running', async () => {
    const store = storeWith({ ...genuine, checkpoint: { ...genuine.checkpoint, step: 2e9 } });
    const { session, events } = harness(store);
    await session.handle({ type: 'init', backends: ['cpu'] });
    const began = Date.now();
    await session.handle({ type: 'resumeCheckpoint' });
    expect(Date.now() - began).toBeLessThan(5000);
    expect(events.filter((e) => e.type === 'runState')).toEqual([
      { type: 'runState', state: 'stopped' },
    ]);
    expect(events.some((e) => e.type === 'metrics')).toBe(false);
    // One notice, the reason: nothing generic after it.
    const said = notices(events);
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/step 2000000000 is not between/);
    expect(await onlyStored(store)).toBeUndefined();
  });

  it('a failure while rebuilding the run returns to stopped, discards the record, and a new Start works', async () => {
    const store = storeWith(genuine);
    const { session, events, waitFor } = harness(store);
    await session.handle({ type: 'init', backends: ['cpu'] });
    vi.spyOn(PruningTrainer, 'fromCheckpoint').mockImplementationOnce(() => {
      throw new TypeError('t is not iterable');
    });
    await session.handle({ type: 'resumeCheckpoint' });
    expect(events.filter((e) => e.type === 'runState')).toEqual([
      { type: 'runState', state: 'stopped' },
    ]);
    expect(notices(events)).toContain(
      'The interrupted run could not be resumed: t is not iterable. It was discarded.',
    );
    expect(offers(events).at(-1)).toEqual({ type: 'checkpoint', info: null });
    expect(await onlyStored(store)).toBeUndefined();
    // The session is usable: a new run starts and finishes.
    await session.handle({ type: 'start', config: config() });
    await waitFor((e) => e.type === 'finished');
  });

  it('a failure outside a training step ends the run stopped with the reason, and Start works again', async () => {
    const store = new MemoryCheckpointStore();
    const { session, events, waitFor } = harness(store);
    await session.handle({ type: 'init', backends: ['cpu'] });
    vi.spyOn(PruningTrainer.prototype, 'accuracy').mockRejectedValueOnce(
      new Error('validation failed'),
    );
    await session.handle({ type: 'start', config: config() });
    expect(
      events.filter((e) => e.type === 'runState').map((e) => e.type === 'runState' && e.state),
    ).toEqual(['running', 'stopped']);
    expect(notices(events)).toContain(
      'The run stopped: validation failed. Press Start to try again.',
    );
    expect(await onlyStored(store)).toBeUndefined();
    await session.handle({ type: 'start', config: config() });
    await waitFor((e) => e.type === 'finished');
  });

  it('an upload is kept with its checkpoint and resumes from it; one over the limit is not stored, and says so', async () => {
    const labels = Array.from({ length: 200 }, (_, i) => i % 10);
    const upload = {
      kind: 'upload' as const,
      format: 'cifar10' as const,
      files: [{ path: 'data_batch_1.bin', file: new Blob([makeCifarBatch(labels)]) }],
    };
    const uploadRun = async (limit?: number) => {
      const store = new MemoryCheckpointStore();
      const events: WorkerEvent[] = [];
      const session = new TrainingSession(
        (e) => events.push(e),
        selectBackend,
        store,
        undefined,
        undefined,
        limit,
      );
      await session.handle({ type: 'init', backends: ['cpu'] });
      const running = session.handle({ type: 'start', config: config({ dataset: upload }) });
      for (let i = 0; i < 6000; i++) {
        if (events.some((e) => e.type === 'metrics' && e.metrics.phase === 'pruning')) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      await session.handle({ type: 'pause' });
      const stored = await onlyStored(store);
      await session.handle({ type: 'stop' });
      await running;
      return { stored, events, store };
    };
    // Small enough to keep: stored with its data, offered after a "reload", and resumed.
    const kept = await uploadRun();
    expect(kept.stored?.dataset?.train.count).toBeGreaterThan(0);
    expect(storedRunProblem(kept.stored)).toBeUndefined();
    const fresh = harness(storeWith(kept.stored));
    await fresh.session.handle({ type: 'init', backends: ['cpu'] });
    const resuming = fresh.session.handle({ type: 'resumeCheckpoint' });
    const first = await fresh.waitFor((e) => e.type === 'metrics');
    expect(first.type === 'metrics' && first.metrics.step).toBe(kept.stored!.checkpoint.step + 1);
    const shown = fresh.events.find((e) => e.type === 'dataset');
    expect(shown?.type === 'dataset' && shown.summary.inputShape).toEqual([32, 32, 3]);
    await fresh.session.handle({ type: 'stop' });
    await resuming;
    // Over the limit: nothing stored (it could not be resumed), and the page is told while it trains.
    const big = await uploadRun(1000);
    expect(big.stored).toBeUndefined();
    const said = notices(big.events).filter((m) => /kept with a checkpoint/.test(m));
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(
      /is [\d.]+ MiB, more than the 0\.000954 MiB kept with a checkpoint, so this run cannot be resumed after a reload/,
    );
  });

  it('resumes a physically pruned record to the end of its schedule', async () => {
    const { session, events, waitFor } = harness(storeWith(pruned));
    await session.handle({ type: 'init', backends: ['cpu'] });
    await session.handle({ type: 'queryCheckpoint' });
    expect(offers(events).at(-1)).toMatchObject({ info: { step: pruned.checkpoint.step } });
    await session.handle({ type: 'resumeCheckpoint' });
    const finished = await waitFor((e) => e.type === 'finished');
    expect(finished.type === 'finished' && finished.summary.steps).toBe(30);
  });

  it('resume seeks the batch order to the checkpoint step instead of replaying the batches', async () => {
    const seek = vi.spyOn(BatchSampler.prototype, 'seek');
    const { session, waitFor } = harness(storeWith(genuine));
    await session.handle({ type: 'init', backends: ['cpu'] });
    await session.handle({ type: 'resumeCheckpoint' });
    await waitFor((e) => e.type === 'finished');
    expect(seek).toHaveBeenCalledWith(genuine.checkpoint.step);
  });

  it('NaN roll-back and backend fallback also seek to the checkpoint step', async () => {
    const seek = vi.spyOn(BatchSampler.prototype, 'seek');
    const select: typeof selectBackend = async (preference = ['cpu']) => ({
      active: preference[0],
      skipped: [],
    });
    const events: WorkerEvent[] = [];
    const session = new TrainingSession((e) => events.push(e), select);
    await session.handle({
      type: 'init',
      backends: ['webgpu', 'cpu'],
      faults: { nanAtStep: 12, deviceLostAtStep: 20 },
    });
    await session.handle({ type: 'start', config: config() });
    const rolledBack = notices(events).find((m) => /rolled back to step (\d+)/.test(m))!;
    const fellBack = notices(events).find((m) => /checkpoint at step (\d+) on cpu/.test(m))!;
    const rollStep = Number(/rolled back to step (\d+)/.exec(rolledBack)![1]);
    const fallStep = Number(/checkpoint at step (\d+) on cpu/.exec(fellBack)![1]);
    expect(seek.mock.calls.map((c) => c[0])).toEqual([rollStep, fallStep]);
    expect(events.some((e) => e.type === 'finished')).toBe(true);
  });
});
