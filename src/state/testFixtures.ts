/** Worker events for unit tests of the state (not used by the app). */
import type { DatasetSummary, RunSummary, StepMetrics } from '../worker/protocol';

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
