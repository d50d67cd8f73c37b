/**
 * Train/validation splits and mini-batches (the seeded generator is core/random.ts).
 *
 * Memory bound: a dataset is stored once, as uint8 for images (1 byte per value). A 50,000-image
 * CIFAR-10 upload therefore holds 50,000 · 32·32·3 B = 153.6 MB of pixels plus 50 kB of labels.
 * A BatchSampler adds one Float32Array of batchSize·H·W·C values (batch 64 on CIFAR-10:
 * 64 · 3,072 · 4 B ≈ 786 kB), one Int32Array of labels and one Uint32Array permutation
 * (4 B per sample: 200 kB for 50,000). Nothing is copied per step besides the batch itself.
 */
import { deriveSeed, mulberry32, seededPermutation, shuffleInPlace } from '../core/random';
import type { DatasetSplit } from './dataset';

/**
 * Splits sample indices into train and validation, per class (stratified), with a seeded
 * shuffle inside each class. Each class gives round(n·fraction) samples to validation, but
 * keeps at least one for training. Both index lists come back shuffled (classes mixed).
 */
export function stratifiedSplit(
  labels: ArrayLike<number>,
  numClasses: number,
  validationFraction: number,
  seed: number,
): { train: Uint32Array; validation: Uint32Array } {
  if (!(validationFraction >= 0 && validationFraction < 1)) {
    throw new RangeError(`validationFraction must be in [0, 1), got ${validationFraction}`);
  }
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  for (let i = 0; i < labels.length; i++) byClass[labels[i]].push(i);
  const random = mulberry32(seed);
  const train: number[] = [];
  const validation: number[] = [];
  for (const members of byClass) {
    shuffleInPlace(members, random);
    const nVal = Math.min(Math.round(members.length * validationFraction), members.length - 1);
    for (let k = 0; k < members.length; k++) (k < nVal ? validation : train).push(members[k]);
  }
  return {
    train: shuffleInPlace(Uint32Array.from(train), random),
    validation: shuffleInPlace(Uint32Array.from(validation), random),
  };
}

/** Copies the listed samples of (x, y) into a new split of the same element type. */
export function gatherSplit(
  x: Uint8Array | Float32Array,
  y: ArrayLike<number>,
  sampleLength: number,
  indices: ArrayLike<number>,
): DatasetSplit {
  const count = indices.length;
  const outX =
    x instanceof Float32Array
      ? new Float32Array(count * sampleLength)
      : new Uint8Array(count * sampleLength);
  const outY = new Uint8Array(count);
  for (let k = 0; k < count; k++) {
    const i = indices[k];
    outX.set(x.subarray(i * sampleLength, (i + 1) * sampleLength), k * sampleLength);
    outY[k] = y[i];
  }
  return { x: outX, y: outY, count };
}

export interface Batch {
  /** Normalised inputs, NHWC, `size` samples (a view of the sampler's own buffer). */
  x: Float32Array;
  y: Int32Array;
  size: number;
}

export interface BatchSamplerOptions {
  batchSize: number;
  /** H, W, C of one sample. */
  inputShape: readonly [number, number, number];
  normalisation: { scale: number; offset: number };
  seed: number;
  /** Default true: a new seeded order every epoch. False: file order (for evaluation). */
  shuffle?: boolean;
  /** Default false: the last, smaller batch of an epoch is yielded too. */
  dropLast?: boolean;
}

/**
 * Yields normalised mini-batches from a split. The returned Batch's arrays are the sampler's
 * preallocated buffers: the next call overwrites them, so consume (or upload) a batch before
 * asking for the next one. Epoch e's order is seededPermutation(count, deriveSeed(seed, e)),
 * so it does not depend on how many batches were drawn before.
 */
export class BatchSampler {
  readonly batchSize: number;
  readonly sampleLength: number;
  readonly batchesPerEpoch: number;
  private readonly xBuffer: Float32Array;
  private readonly yBuffer: Int32Array;
  private order: Uint32Array;
  private cursor = 0;
  private epochIndex = 0;

  constructor(
    private readonly split: DatasetSplit,
    private readonly options: BatchSamplerOptions,
  ) {
    const { batchSize, inputShape } = options;
    if (!Number.isInteger(batchSize) || batchSize <= 0) {
      throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
    }
    if (split.count <= 0) throw new RangeError('cannot sample batches from an empty split');
    this.batchSize = batchSize;
    this.sampleLength = inputShape[0] * inputShape[1] * inputShape[2];
    if (split.x.length !== split.count * this.sampleLength) {
      throw new RangeError('split.x length does not match count × inputShape');
    }
    this.batchesPerEpoch = options.dropLast
      ? Math.floor(split.count / batchSize)
      : Math.ceil(split.count / batchSize);
    if (this.batchesPerEpoch === 0) {
      throw new RangeError(`dropLast with batchSize ${batchSize} > ${split.count} samples`);
    }
    this.xBuffer = new Float32Array(batchSize * this.sampleLength);
    this.yBuffer = new Int32Array(batchSize);
    this.order = this.orderFor(0);
  }

  /** Zero-based epoch of the batch returned last (0 before the first call). */
  get epoch(): number {
    return this.epochIndex;
  }

  private orderFor(epoch: number): Uint32Array {
    if (this.options.shuffle === false) {
      const order = new Uint32Array(this.split.count);
      for (let i = 0; i < order.length; i++) order[i] = i;
      return order;
    }
    return seededPermutation(this.split.count, deriveSeed(this.options.seed, epoch));
  }

  private atEpochEnd(): boolean {
    const left = this.split.count - this.cursor;
    return left <= 0 || (this.options.dropLast === true && left < this.batchSize);
  }

  private startNextEpoch(): void {
    this.epochIndex++;
    this.cursor = 0;
    if (this.options.shuffle !== false) this.order = this.orderFor(this.epochIndex);
  }

  /**
   * Puts the sampler where `step` calls of next() on a new sampler leave it, without drawing
   * (or normalising) those batches: resume, roll-back and backend fallback continue the order.
   */
  seek(step: number): void {
    if (!Number.isInteger(step) || step < 0) {
      throw new RangeError(`seek needs a step that is a whole number ≥ 0, got ${step}`);
    }
    // Every epoch yields batchesPerEpoch batches; an epoch rolls over on the call after its last.
    const epoch = step === 0 ? 0 : Math.floor((step - 1) / this.batchesPerEpoch);
    const drawn = step - epoch * this.batchesPerEpoch;
    this.epochIndex = epoch;
    this.order = this.orderFor(epoch);
    this.cursor = Math.min(drawn * this.batchSize, this.split.count);
  }

  /** The next batch; rolls over into the next (reshuffled) epoch when one ends. */
  next(): Batch {
    if (this.atEpochEnd()) this.startNextEpoch();
    const size = Math.min(this.batchSize, this.split.count - this.cursor);
    const { scale, offset } = this.options.normalisation;
    const n = this.sampleLength;
    const src = this.split.x;
    const x = this.xBuffer;
    for (let k = 0; k < size; k++) {
      const i = this.order[this.cursor + k];
      const base = i * n;
      const dst = k * n;
      for (let j = 0; j < n; j++) x[dst + j] = src[base + j] * scale + offset;
      this.yBuffer[k] = this.split.y[i];
    }
    this.cursor += size;
    const full = size === this.batchSize;
    return {
      x: full ? x : x.subarray(0, size * n),
      y: full ? this.yBuffer : this.yBuffer.subarray(0, size),
      size,
    };
  }

  /** The rest of the current epoch (a whole new one if the current one is used up). */
  *epochBatches(): Generator<Batch> {
    if (this.atEpochEnd()) this.startNextEpoch();
    while (!this.atEpochEnd()) yield this.next();
  }
}
