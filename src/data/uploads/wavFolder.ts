/**
 * Keyword-spotting uploads in the Speech Commands layout (Warden, 2018, arXiv:1804.03209):
 * root/<keyword>/<clip>.wav, optional root/validation_list.txt and root/testing_list.txt
 * (paths relative to root; both become our validation split, since the studio has no test
 * split), "_background_noise_" ignored. Each clip is decoded, downmixed to mono, resampled to
 * the front end's rate (resample.ts), fitted to the clip length and turned into MFCCs
 * (kwsFrontEnd.ts): features frames × mfccCount × 1, float32.
 *
 * Fitting to 1 s: a longer clip keeps its loudest 1-s window (searched in hop steps), as
 * keywords are rarely at the very start; a shorter one is zero-padded at the end and listed in
 * the warnings — or rejected when shortClips is 'reject'. A clip with no samples is an error.
 */
import { DatasetError, assertDatasetConsistent, type Dataset } from '../dataset';
import type { KwsFrontEndConfig } from '../../core/kwsConfig';
import { MfccExtractor } from '../kwsFrontEnd';
import { kernelHalfWidth, resample } from '../resample';
import {
  baseName,
  checkDatasetBytes,
  extensionOf,
  groupByClassFolder,
  pathParts,
  readWithinLimit,
  resolveLimits,
  splitStratified,
  uploadId,
  type UploadFile,
  type UploadLimits,
  type UploadResult,
} from './files';
import { parseWav } from './wav';

export interface WavFolderOptions {
  frontEnd?: Partial<KwsFrontEndConfig>;
  /** 'pad' (default): zero-pad and warn; 'reject': a short clip is an error. */
  shortClips?: 'pad' | 'reject';
  /** Used when no validation_list.txt is given. Default 0.2. */
  validationFraction?: number;
  seed?: number;
  name?: string;
  limits?: Partial<UploadLimits>;
  onProgress?: (done: number, total: number) => void;
}

const BACKGROUND_FOLDER = '_background_noise_';
const LIST_FILES = ['validation_list.txt', 'testing_list.txt'];

/**
 * The loudest clipLength-sample window of `samples`, searched in `step` increments (a running
 * sum of squares: no memory beyond the input, one pass).
 */
export function loudestWindow(
  samples: Float32Array,
  clipLength: number,
  step: number,
): Float32Array {
  if (samples.length <= clipLength) return samples;
  let energy = 0;
  for (let i = 0; i < clipLength; i++) energy += samples[i] * samples[i];
  let best = 0;
  let bestEnergy = energy;
  for (let start = step; start + clipLength <= samples.length; start += step) {
    for (let i = start - step; i < start; i++) energy -= samples[i] * samples[i];
    for (let i = start - step + clipLength; i < start + clipLength; i++) {
      energy += samples[i] * samples[i];
    }
    if (energy > bestEnergy) {
      bestEnergy = energy;
      best = start;
    }
  }
  return samples.subarray(best, best + clipLength);
}

type ClipConfig = { sampleRate: number; clipSamples: number; hopSamples: number };

/** Samples of the clip's window at `rate` (clipSamples at the front end's rate). */
function windowAt(rate: number, config: ClipConfig): number {
  return Math.round(config.clipSamples / (config.sampleRate / rate));
}

/**
 * Where fitClip cuts a recording of `length` samples at `rate`: the first sample and the length
 * of its window, at the recording's rate (the whole recording when it is not longer).
 */
export function clipWindow(
  samples: Float32Array,
  rate: number,
  config: ClipConfig,
): { start: number; length: number } {
  const window = windowAt(rate, config);
  if (samples.length <= window) return { start: 0, length: samples.length };
  const step = Math.max(1, Math.round(config.hopSamples / (config.sampleRate / rate)));
  const chosen = loudestWindow(samples, window, step);
  return { start: chosen.byteOffset / 4 - samples.byteOffset / 4, length: window };
}

/**
 * The clip at the front end's rate of the window `start` of a recording at `rate` (see
 * clipWindow): only that window (plus the resampling kernel's reach each side) is resampled, so
 * the cost is that of one clip however long or high-rate the recording (a 20-s 384 kHz file no
 * longer resamples 20 s). Returns the length of audio it had, in front-end samples, if shorter
 * than the clip (the rest is zeros).
 */
export function cutClip(
  samples: Float32Array,
  rate: number,
  config: ClipConfig,
  start: number,
  clip: Float32Array,
): number | undefined {
  const { sampleRate, clipSamples } = config;
  const ratio = sampleRate / rate;
  const window = windowAt(rate, config);
  clip.fill(0);
  if (samples.length <= window) {
    const mono = resample(samples, rate, sampleRate);
    clip.set(mono.subarray(0, clipSamples));
    return mono.length < clipSamples ? mono.length : undefined;
  }
  const reach = rate === sampleRate ? 0 : Math.ceil(kernelHalfWidth(rate, sampleRate));
  const from = Math.max(0, start - reach);
  const to = Math.min(samples.length, start + window + reach);
  const mono = resample(samples.subarray(from, to), rate, sampleRate);
  const offset = Math.round((start - from) * ratio);
  clip.set(mono.subarray(offset, offset + clipSamples));
  return undefined;
}

/**
 * Fits a decoded clip at `rate` to `clip` (clipSamples at the front end's rate): the loudest
 * window is found at the source rate first (clipWindow), then only it is resampled (cutClip).
 * Returns the length of audio it had, in front-end samples, if shorter than the clip.
 */
export function fitClip(
  samples: Float32Array,
  rate: number,
  config: ClipConfig,
  clip: Float32Array,
): number | undefined {
  return cutClip(samples, rate, config, clipWindow(samples, rate, config).start, clip);
}

/**
 * Decodes one uploaded clip again, cut to the window its features were computed from (see
 * ClipSources): the front end's input, clipSamples at config.sampleRate. A file that no longer
 * holds that window (changed since the upload) is an error naming it.
 */
export function decodeClipAt(
  bytes: ArrayBuffer,
  path: string,
  window: { start: number; length: number },
  config: ClipConfig,
): Float32Array {
  const audio = parseWav(bytes, path);
  const expected = windowAt(audio.sampleRate, config);
  const whole = audio.samples.length <= expected;
  if (
    whole
      ? window.start !== 0 || window.length !== audio.samples.length
      : window.length !== expected || window.start + window.length > audio.samples.length
  ) {
    throw new DatasetError('has changed since it was uploaded: choose the folder again', path);
  }
  const clip = new Float32Array(config.clipSamples);
  cutClip(audio.samples, audio.sampleRate, config, window.start, clip);
  return clip;
}

function relativeKey(path: string): string {
  return pathParts(path).slice(-2).join('/');
}

async function readList(file: UploadFile | undefined): Promise<Set<string>> {
  if (!file) return new Set();
  const text = new TextDecoder().decode(await readWithinLimit(file, 16 << 20, 'a file list'));
  return new Set(
    text
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line !== '')
      .map(relativeKey),
  );
}

export async function loadWavFolder(
  files: readonly UploadFile[],
  opts: WavFolderOptions = {},
): Promise<UploadResult> {
  const limits = resolveLimits(opts.limits);
  let extractor: MfccExtractor;
  try {
    extractor = new MfccExtractor(opts.frontEnd);
  } catch (err) {
    throw new DatasetError((err as Error).message);
  }
  const { sampleRate, clipSamples, mfccCount } = extractor.config;
  const listFile = (name: string) => files.find((f) => baseName(f.path).toLowerCase() === name);
  const validationList = await readList(listFile('validation_list.txt'));
  for (const key of await readList(listFile('testing_list.txt'))) validationList.add(key);
  const grouped = groupByClassFolder(
    files.filter((f) => !LIST_FILES.includes(baseName(f.path).toLowerCase())),
    (p) => extensionOf(p) === 'wav',
    'WAV',
    (folder) => folder === BACKGROUND_FOLDER,
  );
  const warnings = [...grouped.warnings];
  if (files.some((f) => pathParts(f.path).includes(BACKGROUND_FOLDER))) {
    warnings.push(`${BACKGROUND_FOLDER}: ignored (background noise is not a keyword)`);
  }
  const classNames = [...grouped.classes.keys()];
  const total = [...grouped.classes.values()].reduce((n, list) => n + list.length, 0);
  const featureLength = extractor.featureLength;
  checkDatasetBytes(
    total * featureLength * 4,
    limits.datasetBytes,
    `${total} clips of MFCC features`,
  );

  const x = new Float32Array(total * featureLength);
  const y = new Uint8Array(total);
  const inValidation = new Uint8Array(total);
  const clip = new Float32Array(clipSamples);
  // Where each sample's clip is (index in `files`, window at the file's rate): a few bytes each.
  const fileIndex = new Map(files.map((f, i) => [f, i]));
  const sourceFile = new Uint32Array(total);
  const sourceStart = new Uint32Array(total);
  const sourceLength = new Uint32Array(total);
  let n = 0;
  for (const [label, className] of classNames.entries()) {
    for (const file of grouped.classes.get(className)!) {
      const audio = parseWav(
        await readWithinLimit(file, limits.audioFileBytes, 'a WAV clip'),
        file.path,
      );
      if (audio.samples.length === 0) throw new DatasetError('has no audio samples', file.path);
      const window = clipWindow(audio.samples, audio.sampleRate, extractor.config);
      const had = cutClip(audio.samples, audio.sampleRate, extractor.config, window.start, clip);
      sourceFile[n] = fileIndex.get(file)!;
      sourceStart[n] = window.start;
      sourceLength[n] = window.length;
      if (had !== undefined) {
        const seconds = (had / sampleRate).toFixed(2);
        const wanted = (clipSamples / sampleRate).toFixed(2);
        if (opts.shortClips === 'reject') {
          throw new DatasetError(
            `is ${seconds} s long, shorter than the ${wanted} s clip length`,
            file.path,
          );
        }
        warnings.push(`${file.path}: ${seconds} s, zero-padded to ${wanted} s`);
      }
      extractor.compute(clip, x.subarray(n * featureLength, (n + 1) * featureLength));
      y[n] = label;
      inValidation[n] = validationList.has(relativeKey(file.path)) ? 1 : 0;
      n++;
      opts.onProgress?.(n, total);
    }
  }

  let train;
  let validation;
  let validationIndices: ArrayLike<number>;
  const listed = inValidation.reduce((a, b) => a + b, 0);
  if (validationList.size > 0 && listed > 0 && listed < total) {
    const trainIdx: number[] = [];
    const valIdx: number[] = [];
    for (let i = 0; i < total; i++) (inValidation[i] ? valIdx : trainIdx).push(i);
    const take = (idx: number[]) => {
      const out = new Float32Array(idx.length * featureLength);
      idx.forEach((i, k) =>
        out.set(x.subarray(i * featureLength, (i + 1) * featureLength), k * featureLength),
      );
      return { x: out, y: Uint8Array.from(idx, (i) => y[i]), count: idx.length };
    };
    train = take(trainIdx);
    validation = take(valIdx);
    validationIndices = valIdx;
  } else {
    let splitWarnings: string[];
    ({
      train,
      validation,
      validationIndices,
      warnings: splitWarnings,
    } = splitStratified(
      x,
      y,
      featureLength,
      classNames.length,
      opts.validationFraction ?? 0.2,
      opts.seed ?? 1,
      classNames,
    ));
    warnings.push(...splitWarnings);
  }
  // Standardise with the training set's mean and deviation (features span tens of units).
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < train.x.length; i++) {
    sum += train.x[i];
    sumSq += train.x[i] * train.x[i];
  }
  const mean = sum / train.x.length;
  const std = Math.sqrt(Math.max(sumSq / train.x.length - mean * mean, 1e-12));
  const name = opts.name ?? pathParts(files[0]?.path ?? 'keywords')[0] ?? 'keywords';
  const dataset: Dataset = {
    id: uploadId('wav', name),
    name,
    source: 'upload',
    inputShape: [extractor.frames, mfccCount, 1],
    numClasses: classNames.length,
    classNames,
    train,
    validation,
    normalisation: { scale: 1 / std, offset: -mean / std },
    frontEnd: { ...extractor.config },
    validationSources: {
      file: Uint32Array.from(validationIndices, (i) => sourceFile[i]),
      start: Uint32Array.from(validationIndices, (i) => sourceStart[i]),
      length: Uint32Array.from(validationIndices, (i) => sourceLength[i]),
    },
  };
  assertDatasetConsistent(dataset);
  return { dataset, warnings };
}
