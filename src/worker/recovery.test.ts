import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { tinyRun, tinyRunConfig } from '../testing/sessionHarness';
import type { BackendChoice } from '../train/backend';
import { MemoryCheckpointStore, MemoryRunLocks, type StoredRun } from './checkpointStore';
import type { BackendName, WorkerEvent } from './protocol';
import {
  fallBack,
  guardStart,
  remainingBackends,
  restoredRun,
  rollBackDiverged,
  RunCheckpoints,
  type Backends,
  type StartGuard,
} from './recovery';
import type { TrainingRunState } from './trainingRun';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const config = () => tinyRunConfig({ budgets: { flash: 3000 } });

/** A run trained `good` steps (its last good checkpoint), then `more` steps past it. */
async function runPastCheckpoint(good: number, more: number): Promise<TrainingRunState> {
  const run = tinyRun(config());
  for (let i = 0; i < good; i++) await run.trainer.trainStep();
  run.lastGood = await run.trainer.checkpoint();
  for (let i = 0; i < more; i++) await run.trainer.trainStep();
  return run;
}

const dispose = (run: TrainingRunState) => run.trainer.dispose();

describe('rolling back a diverged step', () => {
  it('goes back to the last good checkpoint with half the learning rate, keeping the budgets in force and freeing the old trainer', async () => {
    const run = await runPastCheckpoint(3, 2);
    run.trainer.setBudgets({ flash: 2500 });
    const diverged = run.trainer;
    const tensors = tf.memory().numTensors;
    const message = rollBackDiverged(run, NaN);
    expect(run.trainer).not.toBe(diverged);
    expect(run.trainer.step).toBe(3);
    expect(run.trainer.optimizer.learningRate).toBeCloseTo(0.005, 12);
    expect(run.trainer.budgets).toEqual({ flash: 2500 });
    expect((await run.trainer.checkpoint()).weights).toEqual(run.lastGood!.weights);
    // The diverged trainer's tensors went with it: as many are held as before.
    expect(tf.memory().numTensors).toBe(tensors);
    expect(message).toBe(
      'The loss became NaN at step 5: that step was rejected and the run rolled back to step 3 with the learning rate halved to 0.00500.',
    );
    dispose(run);
  }, 60_000);
});

describe('falling back to the next backend', () => {
  const choose = (active: BackendName, calls: (readonly BackendName[])[]) => {
    return async (preference: readonly BackendName[] = []): Promise<BackendChoice> => {
      calls.push(preference);
      return { active, skipped: [] };
    };
  };

  it('goes on from the last checkpoint on the next backend in the order, at the same learning rate', async () => {
    const run = await runPastCheckpoint(2, 2);
    const events: WorkerEvent[] = [];
    const calls: (readonly BackendName[])[] = [];
    const backends: Backends = {
      active: 'webgpu',
      preference: ['webgpu', 'wasm', 'cpu'],
      simulatedFailures: { wasm: 'no SIMD' },
    };
    run.backend = 'webgpu';
    const goesOn = await fallBack(
      run,
      new Error('device lost'),
      backends,
      choose('cpu', calls),
      (e) => events.push(e),
    );
    expect(goesOn).toBe(true);
    expect(calls).toEqual([['wasm', 'cpu']]);
    expect(backends.active).toBe('cpu');
    expect(run.backend).toBe('cpu');
    expect(run.trainer.step).toBe(2);
    expect(run.trainer.optimizer.learningRate).toBe(0.01);
    expect(events).toEqual([
      {
        type: 'backend',
        active: 'cpu',
        skipped: [{ name: 'webgpu', reason: 'failed during training: device lost' }],
      },
      {
        type: 'notice',
        level: 'warning',
        message:
          'The webgpu backend failed at step 5 (device lost); the run goes on from its checkpoint at step 2 on cpu.',
      },
    ]);
    dispose(run);
  }, 60_000);

  it.each([
    ['the last backend failed', 'cpu' as const, true],
    ['there is no checkpoint yet', 'webgpu' as const, false],
  ])(
    'stops the run when %s, saying why, and leaves the trainer as it is',
    async (_, failed, checkpointed) => {
      const run = await runPastCheckpoint(1, 1);
      if (!checkpointed) run.lastGood = undefined;
      const trainer = run.trainer;
      const events: WorkerEvent[] = [];
      const calls: (readonly BackendName[])[] = [];
      const backends: Backends = {
        active: failed,
        preference: ['webgpu', 'cpu'],
        simulatedFailures: {},
      };
      const goesOn = await fallBack(run, 'out of memory', backends, choose('cpu', calls), (e) =>
        events.push(e),
      );
      expect(goesOn).toBe(false);
      expect(calls).toEqual([]);
      expect(run.trainer).toBe(trainer);
      expect(backends.active).toBe(failed);
      expect(events).toEqual([
        {
          type: 'notice',
          level: 'error',
          message: `Training stopped on ${failed}: out of memory. Resume it from the last checkpoint once the problem is fixed.`,
        },
      ]);
      dispose(run);
    },
    60_000,
  );

  it('names the backends after the failed one, in order', () => {
    expect(remainingBackends(['webgpu', 'wasm', 'cpu'], 'webgpu')).toEqual(['wasm', 'cpu']);
    expect(remainingBackends(['wasm', 'webgpu', 'cpu'], 'webgpu')).toEqual(['cpu']);
    expect(remainingBackends(['webgpu', 'wasm', 'cpu'], 'cpu')).toEqual([]);
  });
});

describe('a stored run restored', () => {
  /** A record of a run stored at step 4, with the network and data it trained on. */
  async function stored() {
    const run = await runPastCheckpoint(4, 0);
    const record: StoredRun = {
      config: run.config,
      checkpoint: run.lastGood!,
      savedAt: new Date().toISOString(),
      modelName: run.modelName,
      datasetName: run.trainer.dataset.name,
      unprunedAccuracy: 0.5,
      unprunedStep: 6,
      budgetHistory: [{ step: 0, budgets: { flash: 3000 } }],
    };
    const { original, dataset } = run.trainer;
    dispose(run);
    return { record, graph: original, dataset };
  }

  it('continues at its step with its measurements, and notes budgets that moved after its last recorded change', async () => {
    const { record, graph, dataset } = await stored();
    const moved = { ...record, checkpoint: { ...record.checkpoint, budgets: { flash: 2800 } } };
    const run = restoredRun(moved, 'run-a', graph, dataset, 'wasm');
    expect(run.key).toBe('run-a');
    expect(run.backend).toBe('wasm');
    expect(run.trainer.step).toBe(4);
    expect(run.unprunedAccuracy).toBe(0.5);
    expect(run.unprunedStep).toBe(6);
    expect(run.budgetHistory).toEqual([
      { step: 0, budgets: { flash: 3000 } },
      { step: 4, budgets: { flash: 2800 } },
    ]);
    dispose(run);
    // Unchanged budgets add nothing; a record of an older version starts from the Start budgets.
    const older = { ...record, budgetHistory: undefined };
    const same = restoredRun(older, 'run-b', graph, dataset, 'cpu');
    expect(same.budgetHistory).toEqual([{ step: 0, budgets: { flash: 3000 } }]);
    dispose(same);
  }, 60_000);

  it('refuses weights that do not fit the network built for this data', async () => {
    const { record, graph, dataset } = await stored();
    const weights = new Map(record.checkpoint.weights);
    weights.delete([...weights.keys()][0]);
    const checkpoint = { ...record.checkpoint, weights };
    expect(() => restoredRun({ ...record, checkpoint }, 'k', graph, dataset, 'cpu')).toThrow(
      /is not the data it trained on/,
    );
  }, 60_000);
});

describe('a Start or resume that fails on the way', () => {
  function guard(current: () => TrainingRunState | undefined) {
    const store = new MemoryCheckpointStore();
    const events: WorkerEvent[] = [];
    const refused: (string | undefined)[] = [];
    let queried = 0;
    let resuming: { key: string; release?: () => void } | undefined;
    const notice = (level: 'info' | 'warning' | 'error', message: string) =>
      events.push({ type: 'notice', level, message });
    const startGuard: StartGuard = {
      current,
      takeResuming: () => {
        const taken = resuming;
        resuming = undefined;
        return taken;
      },
      checkpoints: new RunCheckpoints(store, new MemoryRunLocks(), notice, 1 << 20),
      notice,
      refuseStart: (message) => refused.push(message),
      queryCheckpoint: async () => {
        queried++;
      },
    };
    const setResuming = (r: typeof resuming) => (resuming = r);
    return { startGuard, store, events, refused, queried: () => queried, setResuming };
  }

  it('ends a run it had begun, forgets its checkpoint and says the run stopped', async () => {
    let current: TrainingRunState | undefined;
    const g = guard(() => current);
    const run = tinyRun(config(), 'run-new');
    await g.store.save('run-new', {} as StoredRun);
    let released = false;
    run.release = () => (released = true);
    await guardStart(g.startGuard, async () => {
      current = run;
      throw new Error('a kernel failed');
    });
    expect(run.ended).toBe(true);
    expect(released).toBe(true);
    expect(await g.store.keys()).toEqual([]);
    expect(g.refused).toEqual(['The run stopped: a kernel failed. Press Start to try again.']);
    expect(g.queried()).toBe(0);
    dispose(run);
  }, 60_000);

  it('discards the record being resumed, lets go of its lock and offers what is left', async () => {
    const g = guard(() => undefined);
    await g.store.save('run-old', {} as StoredRun);
    let released = false;
    g.setResuming({ key: 'run-old', release: () => (released = true) });
    await guardStart(
      g.startGuard,
      async () => {
        throw new TypeError('');
      },
      { what: 'The interrupted run' },
    );
    expect(released).toBe(true);
    expect(await g.store.keys()).toEqual([]);
    expect(g.events).toEqual([
      {
        type: 'notice',
        level: 'warning',
        message: 'The interrupted run could not be resumed: TypeError. It was discarded.',
      },
    ]);
    expect(g.refused).toEqual([undefined]);
    expect(g.queried()).toBe(1);
  });

  it('keeps a finished run when only what came after it failed', async () => {
    let current: TrainingRunState | undefined;
    const g = guard(() => current);
    const run = tinyRun(config(), 'run-done');
    run.exporter = {} as TrainingRunState['exporter'];
    await guardStart(g.startGuard, async () => {
      current = run;
      throw new Error('the deployment failed');
    });
    expect(run.ended).toBe(false);
    expect(g.refused).toEqual([]);
    expect(g.events).toEqual([
      {
        type: 'notice',
        level: 'warning',
        message: 'After the run finished: the deployment failed.',
      },
    ]);
    dispose(run);
  }, 60_000);
});

describe('checkpoints written while a run trains', () => {
  it('warns once when the store refuses one, and again only after one was stored', async () => {
    const store = new MemoryCheckpointStore();
    let refuse = true;
    const save = store.save.bind(store);
    store.save = async (key, value) => {
      if (refuse) throw new DOMException('', 'QuotaExceededError');
      return save(key, value);
    };
    const warnings: string[] = [];
    const checkpoints = new RunCheckpoints(
      store,
      new MemoryRunLocks(),
      (_, message) => warnings.push(message),
      1 << 20,
    );
    const run = tinyRun(config(), 'run-q');
    await checkpoints.save(run);
    await run.trainer.trainStep();
    await checkpoints.save(run);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^Could not store the run's checkpoint in this browser \(QuotaExceededError\)/,
    );
    // The roll-back target moves on even when the store refuses.
    expect(run.lastGood?.step).toBe(1);
    refuse = false;
    await checkpoints.save(run);
    expect((await store.load('run-q'))?.checkpoint.step).toBe(1);
    refuse = true;
    await checkpoints.save(run);
    expect(warnings).toHaveLength(2);
    dispose(run);
  }, 60_000);
});
