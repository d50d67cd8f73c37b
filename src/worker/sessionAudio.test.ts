import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { MfccExtractor } from '../data/kwsFrontEnd';
import { makeWav, tone } from '../data/testing/fixtures';
import { selectBackend } from '../train/backend';
import { MemoryCheckpointStore } from './checkpointStore';
import { WorkerDatasets } from './datasets';
import type {
  ConfusionEvaluation,
  RunConfig,
  RunSummary,
  SampleAudio,
  UploadFile,
  WorkerEvent,
} from './protocol';
import { TrainingSession } from './session';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** `seconds` of silence at `rate` with one second of a fading `hz` tone from `at` s. */
function burst(hz: number, seconds: number, at: number, rate: number): Uint8Array {
  const samples = new Float32Array(Math.round(seconds * rate));
  const from = Math.round(at * rate);
  const sound = tone(hz, rate, rate, 0.4).map((v, i) => v * (1 - i / rate));
  samples.set(sound.subarray(0, samples.length - from), from);
  return makeWav([samples], rate);
}

/** A file whose reads fail once `gone.value` is set (moved or deleted after the upload). */
function file(path: string, bytes: Uint8Array, gone: { value: boolean }): UploadFile {
  const blob = new Blob([bytes.slice()]);
  const handle = {
    size: blob.size,
    arrayBuffer: () =>
      gone.value ? Promise.reject(new Error('NotReadableError')) : blob.arrayBuffer(),
  } as unknown as Blob;
  return { path, file: handle };
}

/** Two keywords, clips of several lengths and rates, each cut to its loud second. */
function keywords(gone = { value: false }): UploadFile[] {
  const files: UploadFile[] = [];
  for (let i = 0; i < 8; i++) {
    const rate = [16000, 44100, 22050][i % 3];
    const seconds = [1.4, 2.5, 1.6][i % 3];
    const at = [0.3, 1.2, 0.5][i % 3];
    files.push(file(`kws/low/${i}.wav`, burst(350 + 25 * i, seconds, at, rate), gone));
    files.push(file(`kws/high/${i}.wav`, burst(2600 + 60 * i, seconds, at, rate), gone));
  }
  return files;
}

const config = (dataset: RunConfig['dataset']): RunConfig => ({
  dataset,
  modelId: 'tiny-cnn',
  widthMultiplier: 1,
  boardId: 'stm32f746g-disco',
  budgets: {},
  schedule: { totalSteps: 4, warmupFraction: 0.25, pruneFraction: 0.5 },
  batchSize: 4,
  learningRate: 0.01,
  seed: 1,
});

async function audioRun(files: UploadFile[]) {
  const events: WorkerEvent[] = [];
  const session = new TrainingSession(
    (e) => events.push(e),
    selectBackend,
    new MemoryCheckpointStore(),
  );
  await session.handle({ type: 'init', backends: ['cpu'] });
  await session.handle({ type: 'uploadFiles', uploadId: 1, files });
  const spec = { kind: 'upload' as const, format: 'wav-folder' as const, files: [], uploadId: 1 };
  await session.handle({ type: 'loadDataset', requestId: 1, spec });
  const loaded = events.find((e) => e.type === 'dataset');
  if (loaded?.type !== 'dataset') throw new Error(`no dataset: ${JSON.stringify(events)}`);
  await session.handle({ type: 'start', config: config(spec), datasetKey: loaded.summary.loadKey });
  const finished = events.find((e) => e.type === 'finished');
  const evaluation = events.find((e) => e.type === 'evaluation' && e.evaluation.model === 'float');
  if (finished?.type !== 'finished' || evaluation?.type !== 'evaluation') {
    throw new Error('the run did not finish with a confusion matrix');
  }
  let nextId = 1;
  const ask = async (validationIndex: number, runId = finished.summary.id) => {
    const requestId = nextId++;
    await session.handle({ type: 'sampleAudio', requestId, runId, validationIndex });
    const answer = events.find((e) => e.type === 'sampleAudio' && e.requestId === requestId);
    if (answer?.type !== 'sampleAudio') throw new Error('no answer');
    return answer;
  };
  return {
    session,
    events,
    summary: finished.summary as RunSummary,
    evaluation: evaluation.evaluation,
    ask,
  };
}

/** The picture the page shows of MFCC features (each rescaled on its own, as the worker does). */
function picture(features: Float32Array): number[] {
  let min = Infinity;
  let max = -Infinity;
  for (const v of features) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const range = max > min ? max - min : 1;
  return Array.from(features, (v) => Math.round(((v - min) / range) * 255));
}

describe("the sampleAudio command: a validation clip of a run's WAV upload", () => {
  it('decodes every listed sample again to the clip its MFCC picture was computed from', async () => {
    const { evaluation, ask } = await audioRun(keywords());
    const { samples } = evaluation as ConfusionEvaluation;
    expect(evaluation.audio).toBe(true);
    const size = 49 * 10;
    expect(samples.count).toBeGreaterThan(1);
    const extractor = new MfccExtractor();
    const clips: SampleAudio[] = [];
    for (let k = 0; k < samples.count; k++) {
      const answer = await ask(samples.validationIndex[k]);
      expect(answer.error).toBeUndefined();
      const audio = answer.audio!;
      expect(audio.validationIndex).toBe(samples.validationIndex[k]);
      expect(audio.sampleRate).toBe(16000);
      expect(audio.samples).toHaveLength(16000);
      expect(picture(extractor.compute(audio.samples))).toEqual(
        Array.from(samples.pixels.subarray(k * size, (k + 1) * size)),
      );
      clips.push(audio);
    }
    // Different samples, different clips (not one clip for all).
    expect(clips[0].samples).not.toEqual(clips[1].samples);
  }, 120_000);

  it('says why when the clip cannot be had: another run, no such sample, files gone', async () => {
    const gone = { value: false };
    const { ask, session, events } = await audioRun(keywords(gone));
    expect((await ask(0, 'run-elsewhere')).error).toMatch(
      /clips are not in the training worker any more.*choose its folder again/,
    );
    expect((await ask(9999)).error).toMatch(/no validation sample 9999/);
    // A newer choice of files does not take the finished run's clips away.
    await session.handle({ type: 'uploadFiles', uploadId: 2, files: keywords() });
    expect((await ask(0)).audio?.samples).toHaveLength(16000);
    gone.value = true;
    const answer = await ask(0);
    expect(answer.audio).toBeUndefined();
    expect(answer.error).toMatch(
      /The clip could not be decoded: kws\/(low|high)\/\d\.wav: could not be read: it was moved or deleted/,
    );
    // Nothing else went wrong on the way.
    expect(events.filter((e) => e.type === 'notice' && e.level === 'error')).toEqual([]);
  }, 120_000);
});

describe('WorkerDatasets.clip', () => {
  it('refuses datasets it did not load from files, and non-audio ones', async () => {
    const datasets = new WorkerDatasets(() => {});
    const { dataset } = await datasets.build({ kind: 'upload', files: keywords() });
    expect((await datasets.clip(dataset, 0)).samples).toHaveLength(16000);
    // The same dataset kept elsewhere (a stored checkpoint) has no files behind it.
    const stored = { ...dataset };
    await expect(datasets.clip(stored, 0)).rejects.toThrow(/not in this page any more/);
    dataset.validationSources!.file[0] = 999;
    await expect(datasets.clip(dataset, 0)).rejects.toThrow(/names no uploaded file/);
    const { dataset: shapes } = await datasets.build({
      kind: 'generated',
      seed: 1,
      classes: 2,
      size: 8,
      samples: 40,
    });
    await expect(datasets.clip(shapes, 0)).rejects.toThrow(/is not an audio upload/);
  });
});
