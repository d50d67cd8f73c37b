/**
 * A training session as the worker runs it, for the worker's tests: every event it posts,
 * a wait for one, and a run configuration of the tiny CNN on generated shapes to vary.
 */
import { selectBackend, selectFastestBackend } from '../train/backend';
import {
  MemoryCheckpointStore,
  MemoryRunLocks,
  type CheckpointStore,
  type StoredRun,
} from '../worker/checkpointStore';
import { analyseGraph } from '../core/graphAnalysis';
import { runBoard } from '../core/hardware';
import { zooModel } from '../core/zoo';
import { generateShapes } from '../data/generated';
import { createResourceEstimator } from '../train/estimator';
import { PruningTrainer } from '../train/trainer';
import type { RunConfig, WorkerEvent } from '../worker/protocol';
import { TrainingSession } from '../worker/session';
import { settingsFor, TrainingRunState } from '../worker/trainingRun';

export interface HarnessOptions {
  store?: CheckpointStore;
  select?: typeof selectBackend;
  locks?: MemoryRunLocks;
  /** Uploads up to this many bytes are kept with a checkpoint. */
  storedDatasetLimit?: number;
}

export function sessionHarness(options: HarnessOptions = {}) {
  const store = options.store ?? new MemoryCheckpointStore();
  const events: WorkerEvent[] = [];
  const session = new TrainingSession(
    (e) => events.push(e),
    options.select ?? selectBackend,
    store,
    selectFastestBackend,
    options.locks ?? new MemoryRunLocks(),
    options.storedDatasetLimit,
  );
  /** The first event that matches, once it has been posted. */
  const waitFor = async (predicate: (e: WorkerEvent) => boolean, timeoutMs = 60_000) => {
    const began = Date.now();
    for (;;) {
      const found = events.find(predicate);
      if (found) return found;
      if (Date.now() - began > timeoutMs) {
        throw new Error(`timed out; events: ${events.map((e) => e.type).join(' ')}`);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return { events, session, waitFor, store };
}

/** The tiny CNN on 400 generated 12×12 shapes, 30 steps: quick, and it prunes. */
export const tinyRunConfig = (overrides: Partial<RunConfig> = {}): RunConfig => ({
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

/** The one stored run of a test's store (runs are stored under a key of their own). */
export async function onlyStored(store: CheckpointStore): Promise<StoredRun | undefined> {
  const keys = await store.keys();
  if (keys.length > 1) throw new Error(`expected at most one stored run, found ${keys.length}`);
  return keys[0] === undefined ? undefined : store.load(keys[0]);
}

/**
 * A run of `config` (generated data only) as the session starts one, on the cpu backend, for
 * tests that call the session's modules directly.
 */
export function tinyRun(config: RunConfig = tinyRunConfig(), key = 'run-test'): TrainingRunState {
  if (config.dataset.kind !== 'generated') throw new Error('tinyRun trains on generated data');
  const dataset = generateShapes(config.dataset);
  const model = zooModel(config.modelId);
  const analysed = analyseGraph(
    model.build({
      inputShape: dataset.inputShape,
      numClasses: dataset.numClasses,
      widthMultiplier: config.widthMultiplier,
    }),
  );
  const estimator = createResourceEstimator(analysed, runBoard(config));
  const trainer = new PruningTrainer(analysed, dataset, settingsFor(config), estimator);
  return new TrainingRunState(trainer, config, 'cpu', model.name, key);
}
