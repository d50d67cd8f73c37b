/** Worker events and fake page environments for unit tests of the state (not used by the app). */
import { strToU8 } from 'fflate';
import type {
  WorkerCommand,
  WorkerEvent,
  ConfusionEvaluation,
  DeploymentFacts,
  Int8Comparison,
  DatasetSummary,
  EvaluatedModel,
  RunDeployment,
  RunSummary,
  StepMetrics,
} from '../worker/protocol';
import { createStore } from 'zustand/vanilla';
import { realTimers } from './batcher';
import { newWorkerLink, type SliceContext } from './sliceContext';
import {
  createStudioStore,
  initialStudioData,
  STEP_TIME_LIMIT_MS,
  STOP_GRACE_MS,
  type StudioData,
  type StudioEnvironment,
} from './store';

/** A worker that records every command the page posts to it. */
export function recordingWorker(sent: WorkerCommand[]): StudioEnvironment['createWorker'] {
  return () => ({
    postMessage: (c: WorkerCommand) => sent.push(c),
    onmessage: null,
    onerror: null,
  });
}

/** localStorage over a map the test can read. */
export function mapStorage(storage: Map<string, string>): StudioEnvironment['storage'] {
  return { getItem: (k) => storage.get(k) ?? null, setItem: (k, v) => void storage.set(k, v) };
}

/** A page's store, connected, whose worker records what it is sent in `sent`. */
export function connectedStore(env: StudioEnvironment = {}) {
  const sent: WorkerCommand[] = [];
  const store = createStudioStore({ createWorker: recordingWorker(sent), ...env });
  store.getState().connect();
  return { store, sent };
}

/**
 * A slice action's context without the studio store: a plain store of data (the page's first
 * state, then `data`), a connected worker recording what it is sent in `sent`, and a batcher
 * recording the events pushed into it in `pushed` (nothing reaches the store through it).
 */
export function sliceContext(data: Partial<StudioData> = {}, env: StudioEnvironment = {}) {
  const sent: WorkerCommand[] = [];
  const pushed: WorkerEvent[] = [];
  const store = createStore<StudioData>()(() => ({ ...initialStudioData(env), ...data }));
  const link = newWorkerLink({ stopGraceMs: STOP_GRACE_MS, stepTimeLimitMs: STEP_TIME_LIMIT_MS });
  link.worker = { postMessage: (c: WorkerCommand) => sent.push(c), onmessage: null, onerror: null };
  const ctx: SliceContext = {
    get: store.getState,
    set: store.setState,
    env,
    timers: env.timers ?? realTimers,
    link,
    batcher: { push: (e) => void pushed.push(e), flush: () => undefined },
  };
  return { ctx, sent, pushed };
}

export function makeMetrics(step: number, overrides: Partial<StepMetrics> = {}): StepMetrics {
  return {
    step,
    totalSteps: 400,
    phase: step < 80 ? 'warmup' : 'pruning',
    loss: 1 / (1 + step),
    accuracy: Math.min(0.99, step / 400),
    resources: { flash: 400_000 - step * 500, ram: 50_000, latency: 700, macs: 18e6 },
    unpruned: { flash: 400_000, ram: 50_000, latency: 700, macs: 18e6 },
    budgets: { flash: 58 * 1024 },
    lambdas: { flash: 0.8 },
    groups: [
      {
        name: 'conv1',
        size: 4,
        prunable: true,
        sizeProportion: 0.5,
        kept: 2,
        importance: [0.1, 0.4, 0.2, 0.05],
        mask: [0, 1, 1, 0],
      },
      {
        name: 'conv2',
        size: 2,
        prunable: true,
        sizeProportion: 1,
        kept: 2,
        importance: [0.3, 0.2],
        mask: [1, 1],
      },
      {
        name: 'logits',
        size: 10,
        prunable: false,
        sizeProportion: 1,
        kept: 10,
        importance: [],
        mask: [],
      },
    ],
    layers: [],
    ramPeakNode: 'conv1',
    stepMs: 20,
    samplesPerSecond: 1600,
    elapsedMs: step * 20,
    etaMs: (400 - step) * 20,
    ...overrides,
  };
}

export function makeSummary(id: string, overrides: Partial<RunSummary> = {}): RunSummary {
  return {
    id,
    finishedAt: '2025-01-01T12:00:00.000Z',
    config: {
      dataset: { kind: 'mnist' },
      modelId: 'mnist-cnn',
      widthMultiplier: 1,
      boardId: 'arduino-nano-33-ble-sense',
      budgets: { flash: 59392 },
      schedule: { totalSteps: 400, warmupFraction: 0.2, pruneFraction: 0.5 },
      batchSize: 32,
      learningRate: 0.002,
      seed: 1,
    },
    datasetName: 'MNIST',
    modelName: 'MNIST CNN',
    boardName: 'Arduino Nano 33 BLE Sense',
    validationAccuracy: 0.97,
    resources: { flash: 58_000, ram: 26_000, latency: 150, macs: 4e6 },
    unpruned: { flash: 478_000, ram: 54_000, latency: 729, macs: 18.7e6 },
    keptPerGroup: [{ name: 'conv1', kept: 12, size: 32 }],
    backend: 'webgl',
    steps: 400,
    durationMs: 20_000,
    ...overrides,
  };
}

export function makeDatasetSummary(overrides: Partial<DatasetSummary> = {}): DatasetSummary {
  return {
    id: 'mnist',
    loadKey: 'mnist#1',
    name: 'MNIST (built-in)',
    inputShape: [28, 28, 1],
    numClasses: 10,
    classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    trainCount: 8000,
    validationCount: 2000,
    warnings: [],
    preview: { x: new Float32Array(0), y: new Uint8Array(0), count: 0 },
    ...overrides,
  };
}

/** The finished run's int8 model on TFLite Micro, as the worker reports it. */
export function makeDeployment(arenaBytes = 12_304): RunDeployment {
  return {
    int8Accuracy: 0.955,
    floatAccuracy: 0.96,
    facts: {
      operators: ['CONV_2D', 'MEAN', 'FULLY_CONNECTED'],
      arena: {
        tensorArenaBytes: arenaBytes,
        plannedActivationBytes: 9_000,
        scratchBytes: 300,
        persistentBytes: 2_900,
        planningBytes: 1_000,
        marginBytes: 32,
        peakOperator: 'conv1+bn1+relu1',
        operatorOrder: ['conv1+bn1+relu1', 'gap', 'logits'],
        buffers: [],
      },
      input: { shape: [1, 28, 28, 1], scale: 1 / 255, zeroPoint: -128 },
      output: { shape: [1, 10], scale: 0.1, zeroPoint: 3 },
      classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
      normalisation: { scale: 1 / 255, offset: 0 },
    },
  };
}

/** A 2-class confusion matrix with one 2×2×1 sample picture per off-diagonal cell. */
export function makeEvaluation(model: EvaluatedModel, seed = 1): ConfusionEvaluation {
  return {
    model,
    classNames: ['cat', 'dog'],
    numClasses: 2,
    counts: [40, 2, 3, 55],
    total: 100,
    accuracy: 0.95,
    precision: [40 / 43, 55 / 57],
    recall: [40 / 42, 55 / 58],
    cellSamples: [[], [0], [1], []],
    samples: {
      inputShape: [2, 2, 1],
      count: 2,
      pixels: Uint8Array.from({ length: 8 }, (_, i) => (i * 31 + seed) % 256),
      validationIndex: [7, 11],
    },
  };
}

export interface SampleReport {
  format: string;
  int8Comparison: Int8Comparison;
  deployment: DeploymentFacts;
}

/** The fields of an export report (src/export/report.ts) that a reopened run reads. */
export function sampleReportInput(): SampleReport {
  return {
    format: 'pruning-studio-export-report',
    int8Comparison: {
      samples: 2,
      floatAccuracy: 1,
      int8Accuracy: 0.5,
      disagreements: 1,
      perClass: [
        { className: 'a', samples: 1, floatRecall: 1, int8Recall: 1 },
        { className: 'b', samples: 1, floatRecall: 1, int8Recall: 0 },
      ],
      largestDifferences: [
        {
          sample: 1,
          label: 1,
          floatClass: 1,
          int8Class: 0,
          floatProbability: 0.6,
          int8Probability: 0.4,
          maxDifference: 0.2,
        },
      ],
    },
    deployment: {
      operators: ['CONV_2D', 'FULLY_CONNECTED'],
      arena: {
        tensorArenaBytes: 2048,
        plannedActivationBytes: 192,
        scratchBytes: 0,
        persistentBytes: 900,
        planningBytes: 500,
        marginBytes: 16,
        peakOperator: 'conv',
        operatorOrder: ['conv', 'dense'],
        buffers: [
          {
            name: 'input',
            kind: 'tensor',
            bytes: 64,
            alignedBytes: 64,
            offset: 0,
            firstUse: 0,
            lastUse: 1,
          },
          {
            name: 'conv',
            kind: 'tensor',
            bytes: 128,
            alignedBytes: 128,
            offset: 64,
            firstUse: 1,
            lastUse: 2,
          },
          {
            name: 'dense',
            kind: 'tensor',
            bytes: 16,
            alignedBytes: 16,
            offset: 0,
            firstUse: 2,
            lastUse: 2,
          },
        ],
      },
      input: { shape: [1, 4, 4, 1], scale: 0.1, zeroPoint: 0 },
      output: { shape: [1, 2], scale: 0.1, zeroPoint: 0 },
      classes: ['a', 'b'],
      normalisation: { scale: 1, offset: 0 },
    },
  };
}

/** A report as the exporter writes it (JSON bytes). */
export const reportBytes = (input: SampleReport) => strToU8(JSON.stringify(input, null, 2));
