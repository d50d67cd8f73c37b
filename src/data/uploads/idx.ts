/**
 * MNIST IDX files (http://yann.lecun.com/exdb/mnist/, same layout for Fashion-MNIST):
 * a big-endian header — two zero bytes, a type byte (0x08 = unsigned byte), the number of
 * dimensions — then one big-endian u32 per dimension, then the data. Images are magic 2051
 * (0x00000803: ubyte, 3 dims N×28×28), labels 2049 (0x00000801: ubyte, 1 dim N).
 * Files may be gzipped (.gz), as they are distributed.
 */
import { gunzipSync } from 'fflate';
import { DatasetError, assertDatasetConsistent, type Dataset, type DatasetSplit } from '../dataset';
import {
  baseName,
  checkDatasetBytes,
  isSystemFile,
  readWithinLimit,
  resolveLimits,
  splitStratified,
  type UploadFile,
  type UploadLimits,
  type UploadResult,
} from './files';

export const IDX_IMAGES_MAGIC = 2051;
export const IDX_LABELS_MAGIC = 2049;

export interface IdxArray {
  magic: number;
  dims: number[];
  data: Uint8Array;
}

const TYPE_NAMES: Record<number, string> = {
  0x08: 'unsigned byte',
  0x09: 'signed byte',
  0x0b: 'short',
  0x0c: 'int',
  0x0d: 'float',
  0x0e: 'double',
};

/** Parses an unsigned-byte IDX array, checking every header field against the length. */
export function parseIdx(buf: ArrayBuffer, path: string): IdxArray {
  const bytes = new Uint8Array(buf);
  if (bytes.length < 4)
    throw new DatasetError(`is ${bytes.length} bytes, too short for an IDX header`, path);
  const view = new DataView(buf);
  const magic = view.getUint32(0, false);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DatasetError(
      `IDX magic mismatch: 0x${magic.toString(16).padStart(8, '0')} does not start with two zero bytes (expected 2051 for images or 2049 for labels)`,
      path,
    );
  }
  const type = bytes[2];
  if (type !== 0x08) {
    throw new DatasetError(
      `IDX element type 0x${type.toString(16)} (${TYPE_NAMES[type] ?? 'unknown'}) is not supported; expected 0x08 (unsigned byte)`,
      path,
    );
  }
  const ndims = bytes[3];
  if (ndims < 1 || ndims > 4)
    throw new DatasetError(`IDX has ${ndims} dimensions; expected 1 to 4`, path);
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes)
    throw new DatasetError('is truncated inside the IDX header', path);
  const dims: number[] = [];
  let total = 1;
  for (let d = 0; d < ndims; d++) {
    const size = view.getUint32(4 + 4 * d, false);
    if (size === 0) throw new DatasetError(`IDX dimension ${d} is 0`, path);
    dims.push(size);
    total *= size;
  }
  if (bytes.length !== headerBytes + total) {
    throw new DatasetError(
      `IDX header says ${dims.join('×')} = ${total} bytes of data, the file holds ${bytes.length - headerBytes}${bytes.length < headerBytes + total ? ' (truncated?)' : ''}`,
      path,
    );
  }
  return { magic, dims, data: bytes.subarray(headerBytes) };
}

export interface MnistIdxOptions {
  /** Used only when no t10k/test pair is given. Default 1/6 (10,000 of MNIST's 60,000). */
  validationFraction?: number;
  seed?: number;
  limits?: Partial<UploadLimits>;
}

type Role = 'train' | 'test';
type Kind = 'images' | 'labels';

function roleOf(name: string): Role {
  return /t10k|test/i.test(name) ? 'test' : 'train';
}

function kindByName(name: string): Kind | undefined {
  if (/images|idx3/i.test(name)) return 'images';
  if (/labels|idx1/i.test(name)) return 'labels';
  return undefined;
}

async function readIdx(file: UploadFile, limit: number): Promise<IdxArray> {
  let buf = await readWithinLimit(file, limit, 'an IDX file');
  if (/\.gz$/i.test(file.path)) {
    let out: Uint8Array;
    try {
      out = gunzipSync(new Uint8Array(buf));
    } catch (err) {
      throw new DatasetError(`is not a valid gzip file (${(err as Error).message})`, file.path);
    }
    if (out.byteLength > limit) {
      throw new DatasetError(`expands to ${out.byteLength} bytes, over the IDX limit`, file.path);
    }
    buf = out.slice().buffer;
  }
  return parseIdx(buf, file.path);
}

interface Pair {
  images?: { file: UploadFile; idx: IdxArray };
  labels?: { file: UploadFile; idx: IdxArray };
}

function pairToSplit(pair: Pair, role: Role): DatasetSplit & { shape: [number, number] } {
  const { images, labels } = pair;
  if (!images || !labels) {
    const have = images ?? labels!;
    throw new DatasetError(
      `the ${role} ${images ? 'images' : 'labels'} file has no matching ${images ? 'labels' : 'images'} file`,
      have.file.path,
    );
  }
  const count = images.idx.dims[0];
  if (labels.idx.dims[0] !== count) {
    throw new DatasetError(
      `count mismatch: ${images.file.path} holds ${count} images but ${labels.file.path} holds ${labels.idx.dims[0]} labels`,
      labels.file.path,
    );
  }
  return {
    x: images.idx.data,
    y: labels.idx.data,
    count,
    shape: [images.idx.dims[1], images.idx.dims[2]],
  };
}

/**
 * Loads MNIST-style IDX files: train-images/-labels and optionally t10k-images/-labels (used
 * as validation). Which file is which comes from the magic number; train vs. test from the
 * name ("t10k" or "test"). A name saying images/labels that disagrees with the magic is an error.
 */
export async function loadMnistIdx(
  files: readonly UploadFile[],
  opts: MnistIdxOptions = {},
): Promise<UploadResult> {
  const limits = resolveLimits(opts.limits);
  const warnings: string[] = [];
  const pairs: Record<Role, Pair> = { train: {}, test: {} };
  const candidates = files.filter((f) => !isSystemFile(f.path));
  checkDatasetBytes(
    candidates.reduce((n, f) => n + f.size, 0),
    limits.datasetBytes,
    'these IDX files',
  );
  for (const file of candidates) {
    const name = baseName(file.path);
    if (!/idx[13]|ubyte/i.test(name)) {
      warnings.push(
        `${file.path}: skipped, not an IDX file (expected names like train-images-idx3-ubyte)`,
      );
      continue;
    }
    const idx = await readIdx(file, limits.batchFileBytes);
    const kind: Kind | undefined =
      idx.magic === IDX_IMAGES_MAGIC
        ? 'images'
        : idx.magic === IDX_LABELS_MAGIC
          ? 'labels'
          : undefined;
    const named = kindByName(name);
    if (kind === undefined || (named !== undefined && named !== kind)) {
      const expected = named === 'labels' ? IDX_LABELS_MAGIC : IDX_IMAGES_MAGIC;
      throw new DatasetError(
        `IDX magic mismatch: found ${idx.magic}, expected ${expected} for an ${named ?? 'images or labels'} file`,
        file.path,
      );
    }
    if (kind === 'images' && idx.dims.length !== 3) {
      throw new DatasetError(
        `an images file must have 3 dimensions (N×H×W), this one has ${idx.dims.length}`,
        file.path,
      );
    }
    const role = roleOf(name);
    if (pairs[role][kind]) {
      throw new DatasetError(
        `two ${role} ${kind} files: ${pairs[role][kind]!.file.path} and ${file.path}`,
        file.path,
      );
    }
    pairs[role][kind] = { file, idx };
  }
  if (!pairs.train.images && !pairs.train.labels) {
    throw new DatasetError(
      'no training IDX files found: expected train-images-idx3-ubyte and train-labels-idx1-ubyte',
    );
  }
  const trainAll = pairToSplit(pairs.train, 'train');
  const hasTest = pairs.test.images !== undefined || pairs.test.labels !== undefined;
  const testAll = hasTest ? pairToSplit(pairs.test, 'test') : undefined;
  const [h, w] = trainAll.shape;
  if (testAll && (testAll.shape[0] !== h || testAll.shape[1] !== w)) {
    throw new DatasetError(
      `test images are ${testAll.shape[0]}×${testAll.shape[1]} but training images are ${h}×${w}`,
      pairs.test.images!.file.path,
    );
  }
  let maxLabel = 0;
  for (const split of testAll ? [trainAll, testAll] : [trainAll]) {
    for (let i = 0; i < split.count; i++) if (split.y[i] > maxLabel) maxLabel = split.y[i];
  }
  const numClasses = maxLabel + 1;
  if (numClasses < 2) throw new DatasetError('every label is 0: at least two classes are needed');
  // Labels are class numbers 0..max: a class without a single training sample means a stray
  // label (a corrupt byte, or 255 as "unknown"), which would silently add empty classes.
  const seen = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < trainAll.count; i++) seen[trainAll.y[i]]++;
  const empty = seen.flatMap((n, k) => (n === 0 ? [k] : []));
  if (empty.length > 0) {
    const highest = trainAll.y.indexOf(maxLabel);
    const where = highest >= 0 ? `training sample ${highest + 1}` : 'the test labels';
    const list =
      empty.length > 4 ? `${empty.slice(0, 3).join(', ')} … ${empty.at(-1)}` : empty.join(', ');
    throw new DatasetError(
      `the labels go up to ${maxLabel} (first at ${where}) but class${empty.length > 1 ? 'es' : ''} ${list} ` +
        `ha${empty.length > 1 ? 've' : 's'} no training sample: labels must number the classes 0, 1, 2, … without gaps`,
      pairs.train.labels?.file.path,
    );
  }
  let train: DatasetSplit;
  let validation: DatasetSplit;
  if (testAll) {
    train = { x: trainAll.x, y: trainAll.y, count: trainAll.count };
    validation = { x: testAll.x, y: testAll.y, count: testAll.count };
  } else {
    ({ train, validation } = splitStratified(
      trainAll.x,
      trainAll.y,
      h * w,
      numClasses,
      opts.validationFraction ?? 1 / 6,
      opts.seed ?? 1,
    ));
    warnings.push(
      `no t10k/test files: held out ${validation.count} training images for validation`,
    );
  }
  const dataset: Dataset = {
    id: 'upload-idx',
    name: `IDX images (${train.count + validation.count}, ${h}×${w})`,
    source: 'upload',
    inputShape: [h, w, 1],
    numClasses,
    classNames: Array.from({ length: numClasses }, (_, i) => String(i)),
    train,
    validation,
    normalisation: { scale: 1 / 255, offset: 0 },
  };
  assertDatasetConsistent(dataset);
  return { dataset, warnings };
}
