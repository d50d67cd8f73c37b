/**
 * The dataset a run trains on is the dataset the page shows: the races between dataset loads,
 * Start and budget changes, reproduced at the session level (as the page drives the worker).
 */
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { makeCifarBatch, makeWav, tone } from '../data/testing/fixtures';
import { selectBackend } from '../train/backend';
import type { DatasetSummary, RunConfig, UploadFile, WorkerEvent } from './protocol';
import { TrainingSession } from './session';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterEach(() => vi.unstubAllGlobals());

/** A promise the test resolves when it chooses: a slow download or a slow file read. */
function gate() {
  let open = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

const mnistBytes = () => {
  const b = readFileSync(new URL('../../public/data/mnist.bin', import.meta.url));
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
};

/** The built-in MNIST file, served only once `until` settles (a slow link). */
function slowMnistDownload(until: Promise<void>) {
  vi.stubGlobal('fetch', async () => {
    await until;
    return new Response(mnistBytes());
  });
}

function harness() {
  const events: WorkerEvent[] = [];
  const session = new TrainingSession((e) => events.push(e), selectBackend);
  const summaryOf = (requestId: number): DatasetSummary => {
    const e = events.find((x) => x.type === 'dataset' && x.requestId === requestId);
    if (e?.type !== 'dataset') throw new Error(`no dataset answer to request ${requestId}`);
    return e.summary;
  };
  const finished = () => {
    const e = events.find((x) => x.type === 'finished');
    return e?.type === 'finished' ? e.summary : undefined;
  };
  return { events, session, summaryOf, finished };
}

/** A file whose bytes arrive only when `until` settles (a large folder on a slow disk). */
function slowFile(path: string, bytes: Uint8Array, until: Promise<void>): UploadFile {
  const file = {
    size: bytes.byteLength,
    arrayBuffer: async () => {
      await until;
      return bytes.slice().buffer;
    },
  } as unknown as Blob;
  return { path, file };
}

const fastFile = (path: string, bytes: Uint8Array): UploadFile => ({
  path,
  file: new Blob([bytes.slice()]),
});

const cifarUpload = (): UploadFile[] => [
  fastFile('data_batch_1.bin', makeCifarBatch(Array.from({ length: 200 }, (_, i) => i % 10))),
];

function wavFolder(until: Promise<void>): UploadFile[] {
  const files: UploadFile[] = [];
  for (let i = 0; i < 5; i++) {
    for (const [word, hz] of [
      ['yes', 400],
      ['no', 2500],
    ] as const) {
      const wav = makeWav([tone(hz * (1 + i * 0.01), 16000, 16000, 0.4)], 16000);
      files.push(slowFile(`kws/${word}/${word}_${i}.wav`, wav, until));
    }
  }
  return files;
}

const config = (dataset: RunConfig['dataset'], overrides: Partial<RunConfig> = {}): RunConfig => ({
  dataset,
  modelId: 'tiny-cnn',
  widthMultiplier: 1,
  boardId: 'stm32f746g-disco',
  budgets: {},
  schedule: { totalSteps: 6, warmupFraction: 0.34, pruneFraction: 0.34 },
  batchSize: 8,
  learningRate: 0.01,
  seed: 1,
  ...overrides,
});

describe('one source of truth for the dataset', () => {
  it('an upload chosen while the built-in MNIST file downloads is what the run trains on', async () => {
    const download = gate();
    slowMnistDownload(download.opened);
    const { session, events, summaryOf, finished } = harness();
    await session.handle({ type: 'init', backends: ['cpu'] });
    const mnist = session.handle({ type: 'loadDataset', requestId: 1, spec: { kind: 'mnist' } });
    const upload = { kind: 'upload' as const, format: 'cifar10' as const, files: cifarUpload() };
    await session.handle({ type: 'loadDataset', requestId: 2, spec: upload });
    const shown = summaryOf(2);
    expect(shown.inputShape).toEqual([32, 32, 3]);
    download.open(); // MNIST arrives last: too late, a newer request replaced it
    await mnist;
    await session.handle({ type: 'start', config: config(upload), datasetKey: shown.loadKey });
    expect(finished()?.dataset).toMatchObject({
      id: shown.id,
      name: shown.name,
      inputShape: [32, 32, 3],
      trainCount: shown.trainCount,
    });
    expect(events.some((e) => e.type === 'dataset' && e.requestId === 1)).toBe(false);
  });

  it('switching from a slow WAV folder to a CIFAR-10 file trains on CIFAR-10', async () => {
    const read = gate();
    const { session, summaryOf, finished } = harness();
    await session.handle({ type: 'init', backends: ['cpu'] });
    const wav = session.handle({
      type: 'loadDataset',
      requestId: 1,
      spec: { kind: 'upload', format: 'wav-folder', files: wavFolder(read.opened) },
    });
    const cifar = { kind: 'upload' as const, format: 'cifar10' as const, files: cifarUpload() };
    await session.handle({ type: 'loadDataset', requestId: 2, spec: cifar });
    read.open();
    await wav;
    const shown = summaryOf(2);
    await session.handle({ type: 'start', config: config(cifar), datasetKey: shown.loadKey });
    expect(finished()?.datasetName).toBe(shown.name);
    expect(finished()?.dataset?.inputShape).toEqual([32, 32, 3]);
  });

  it('a slow upload superseded by the generated shapes never replaces them', async () => {
    const read = gate();
    const { session, events, summaryOf, finished } = harness();
    await session.handle({ type: 'init', backends: ['cpu'] });
    const wav = session.handle({
      type: 'loadDataset',
      requestId: 1,
      spec: { kind: 'upload', format: 'wav-folder', files: wavFolder(read.opened) },
    });
    const shapes = { kind: 'generated' as const, seed: 1, classes: 3, size: 12, samples: 120 };
    await session.handle({ type: 'loadDataset', requestId: 2, spec: shapes });
    read.open();
    await wav;
    await session.handle({
      type: 'start',
      config: config(shapes),
      datasetKey: summaryOf(2).loadKey,
    });
    expect(events.filter((e) => e.type === 'dataset')).toHaveLength(1);
    expect(finished()?.dataset?.inputShape).toEqual([12, 12, 1]);
    expect(finished()?.dataset?.classNames).toHaveLength(3);
  });

  it('refuses, with a message, to train on a dataset other than the one the page names', async () => {
    const { session, events, summaryOf } = harness();
    await session.handle({ type: 'init', backends: ['cpu'] });
    const shapes = { kind: 'generated' as const, seed: 1, classes: 3, size: 12, samples: 120 };
    await session.handle({ type: 'loadDataset', requestId: 1, spec: shapes });
    const key = summaryOf(1).loadKey;
    await session.handle({ type: 'loadDataset', requestId: 2, spec: { ...shapes, seed: 2 } });
    expect(summaryOf(2).loadKey).not.toBe(key);
    await session.handle({ type: 'start', config: config(shapes), datasetKey: key });
    const notice = events.find((e) => e.type === 'notice' && e.level === 'error');
    expect(notice?.type === 'notice' && notice.message).toMatch(
      /not started: the dataset shown on the page is not the one loaded for training/,
    );
    expect(events.at(-1)).toEqual({ type: 'runState', state: 'stopped' });
    expect(events.some((e) => e.type === 'metrics')).toBe(false);
  });

  it('refuses to start while a newer dataset is still loading', async () => {
    const download = gate();
    slowMnistDownload(download.opened);
    const { session, events, summaryOf } = harness();
    await session.handle({ type: 'init', backends: ['cpu'] });
    const shapes = { kind: 'generated' as const, seed: 1, classes: 3, size: 12, samples: 120 };
    await session.handle({ type: 'loadDataset', requestId: 1, spec: shapes });
    const mnist = session.handle({ type: 'loadDataset', requestId: 2, spec: { kind: 'mnist' } });
    await session.handle({
      type: 'start',
      config: config(shapes),
      datasetKey: summaryOf(1).loadKey,
    });
    expect(
      events.some((e) => e.type === 'notice' && /a newer dataset is still loading/.test(e.message)),
    ).toBe(true);
    expect(events.some((e) => e.type === 'metrics')).toBe(false);
    download.open();
    await mnist;
    expect(summaryOf(2).name).toMatch(/MNIST/);
  });

  it('a budget moved while the run is starting applies to that run', async () => {
    const { session, events, finished } = harness();
    await session.handle({ type: 'init', backends: ['cpu'] });
    const shapes = { kind: 'generated' as const, seed: 1, classes: 4, size: 12, samples: 400 };
    const run = session.handle({
      type: 'start',
      config: config(shapes, {
        schedule: { totalSteps: 30, warmupFraction: 0.2, pruneFraction: 0.5 },
      }),
    });
    // Sent before the worker has built the run (it is loading the dataset).
    await session.handle({ type: 'setBudgets', budgets: { flash: 3000 } });
    await run;
    const first = events.find((e) => e.type === 'metrics');
    expect(first?.type === 'metrics' && first.metrics.budgets).toEqual({ flash: 3000 });
    expect(finished()?.config.budgets).toEqual({ flash: 3000 });
    expect(finished()!.resources.flash).toBeLessThanOrEqual(3000);
  });
});

describe('a dataset load shows how far it has got and can be cancelled', () => {
  it('reports files read as it goes; Cancel stops it and the dataset in use stays', async () => {
    const { session, events, summaryOf } = harness();
    await session.handle({ type: 'init', backends: ['cpu'] });
    await session.handle({
      type: 'loadDataset',
      requestId: 1,
      spec: { kind: 'upload', format: 'cifar10', files: cifarUpload() },
    });
    const kept = summaryOf(1);
    // Four clips arrive at once, the rest only when the gate opens (a slow disk).
    const rest = gate();
    const files = wavFolder(rest.opened);
    const ready = gate();
    ready.open();
    files.splice(0, 4, ...wavFolder(ready.opened).slice(0, 4));
    const load = session.handle({
      type: 'loadDataset',
      requestId: 2,
      spec: { kind: 'upload', format: 'wav-folder', files },
    });
    await vi.waitFor(() => {
      const seen = events.filter((e) => e.type === 'datasetProgress' && e.requestId === 2);
      expect(seen.length).toBeGreaterThan(0);
    });
    const progress = events.flatMap((e) => (e.type === 'datasetProgress' ? [e.progress] : []));
    expect(progress.at(-1)).toMatchObject({ files: 10, bytesTotal: expect.any(Number) });
    expect(progress.at(-1)!.filesRead).toBeGreaterThanOrEqual(1);
    expect(progress.at(-1)!.filesRead).toBeLessThanOrEqual(4);
    await session.handle({ type: 'cancelDataset', requestId: 2 });
    rest.open();
    await load;
    const answer = events.filter(
      (e) => (e.type === 'dataset' || e.type === 'datasetError') && e.requestId === 2,
    );
    expect(answer).toEqual([
      expect.objectContaining({
        type: 'datasetError',
        cancelled: true,
        message: 'loading was cancelled',
      }),
    ]);
    // The dataset in use is still the first one: a run on it starts.
    await session.handle({
      type: 'start',
      config: config({ kind: 'upload', format: 'cifar10', files: cifarUpload() }),
      datasetKey: kept.loadKey,
    });
    expect(events.some((e) => e.type === 'finished')).toBe(true);
  });

  it('a newer choice stops the older load early instead of reading all its files', async () => {
    const { session, events, summaryOf } = harness();
    await session.handle({ type: 'init', backends: ['cpu'] });
    const slow = gate();
    const files = wavFolder(slow.opened);
    let reads = 0;
    const counted = files.map((f) => ({
      path: f.path,
      file: {
        size: f.file.size,
        arrayBuffer: () => {
          reads++;
          return f.file.arrayBuffer();
        },
      } as unknown as Blob,
    }));
    const older = session.handle({
      type: 'loadDataset',
      requestId: 1,
      spec: { kind: 'upload', format: 'wav-folder', files: counted },
    });
    await vi.waitFor(() => expect(reads).toBe(1));
    await session.handle({
      type: 'loadDataset',
      requestId: 2,
      spec: { kind: 'upload', format: 'cifar10', files: cifarUpload() },
    });
    expect(summaryOf(2).inputShape).toEqual([32, 32, 3]);
    slow.open();
    await older;
    expect(reads).toBe(1);
    expect(events.some((e) => e.type === 'datasetError' && e.requestId === 1)).toBe(false);
  });
});
