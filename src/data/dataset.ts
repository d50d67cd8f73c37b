/**
 * The dataset contract that training, the worker and the UI code against.
 *
 * Samples are stored contiguously in NHWC order: sample i occupies
 * x[i*H*W*C .. (i+1)*H*W*C). Images are kept as uint8 (1 byte per value) so that large
 * uploads stay small in memory; the normalisation turns a raw value into the model input.
 */
import type { KwsFrontEndConfig } from '../core/kwsConfig';

export interface DatasetSplit {
  x: Uint8Array | Float32Array;
  y: Uint8Array;
  count: number;
}

/**
 * Where each validation sample of an audio upload came from, so that its clip can be decoded
 * again on request (to listen to it): sample k is file[k] of the files given to the loader, cut
 * to start[k] .. start[k] + length[k] at the file's own rate (the whole file when not cut).
 */
export interface ClipSources {
  file: Uint32Array;
  start: Uint32Array;
  length: Uint32Array;
}

export interface Dataset {
  id: string;
  name: string;
  source: 'builtin' | 'generated' | 'upload';
  /** H, W, C */
  inputShape: [number, number, number];
  numClasses: number;
  classNames: string[];
  train: DatasetSplit;
  validation: DatasetSplit;
  /** model input value = raw * scale + offset (raw uint8 pixels or float features) */
  normalisation: { scale: number; offset: number };
  /** For audio: the feature front end that made the inputs (firmware must compute the same). */
  frontEnd?: KwsFrontEndConfig;
  /** Audio uploads: where each validation sample's clip is in the uploaded files. */
  validationSources?: ClipSources;
}

/** Every problem with user-supplied data ends here; `file` names the offending file if any. */
export class DatasetError extends Error {
  constructor(
    message: string,
    readonly file?: string,
  ) {
    super(file !== undefined && !message.includes(file) ? `${file}: ${message}` : message);
    this.name = 'DatasetError';
  }
}

/** Values per sample (H·W·C). */
export function sampleSize(shape: readonly [number, number, number]): number {
  return shape[0] * shape[1] * shape[2];
}

/** Bytes held by a dataset's sample and label arrays (what a run keeps in memory). */
export function datasetBytes(dataset: Dataset): number {
  const { train, validation } = dataset;
  return (
    train.x.byteLength + train.y.byteLength + validation.x.byteLength + validation.y.byteLength
  );
}

/**
 * Checks the invariants of the contract (array lengths, label range, class names). Every
 * loader calls it before returning, so a bug in a loader cannot reach training silently.
 */
export function assertDatasetConsistent(dataset: Dataset): void {
  const [h, w, c] = dataset.inputShape;
  for (const [name, v] of [
    ['height', h],
    ['width', w],
    ['channels', c],
  ] as const) {
    if (!Number.isInteger(v) || v <= 0) {
      throw new DatasetError(`dataset "${dataset.id}": ${name} must be a positive integer`);
    }
  }
  if (!Number.isInteger(dataset.numClasses) || dataset.numClasses < 2) {
    throw new DatasetError(`dataset "${dataset.id}": needs at least 2 classes`);
  }
  if (dataset.classNames.length !== dataset.numClasses) {
    throw new DatasetError(
      `dataset "${dataset.id}": ${dataset.classNames.length} class names for ${dataset.numClasses} classes`,
    );
  }
  if (
    !Number.isFinite(dataset.normalisation.scale) ||
    !Number.isFinite(dataset.normalisation.offset)
  ) {
    throw new DatasetError(`dataset "${dataset.id}": normalisation must be finite`);
  }
  const size = h * w * c;
  const sources = dataset.validationSources;
  if (
    sources &&
    ![sources.file, sources.start, sources.length].every(
      (a) => a instanceof Uint32Array && a.length === dataset.validation.count,
    )
  ) {
    throw new DatasetError(
      `dataset "${dataset.id}": clip sources do not match the validation count ${dataset.validation.count}`,
    );
  }
  for (const splitName of ['train', 'validation'] as const) {
    const split = dataset[splitName];
    if (split.x.length !== split.count * size || split.y.length !== split.count) {
      throw new DatasetError(
        `dataset "${dataset.id}": ${splitName} split arrays do not match its count ${split.count}`,
      );
    }
    for (let i = 0; i < split.count; i++) {
      if (split.y[i] >= dataset.numClasses) {
        throw new DatasetError(
          `dataset "${dataset.id}": ${splitName} label ${split.y[i]} at sample ${i} is not below ${dataset.numClasses}`,
        );
      }
    }
  }
}
