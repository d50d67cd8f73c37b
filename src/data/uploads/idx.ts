/**
 * MNIST IDX files (http://yann.lecun.com/exdb/mnist/, same layout for Fashion-MNIST):
 * a big-endian header — two zero bytes, a type byte (0x08 = unsigned byte), the number of
 * dimensions — then one big-endian u32 per dimension, then the data. Images are magic 2051
 * (0x00000803: ubyte, 3 dims N×28×28), labels 2049 (0x00000801: ubyte, 1 dim N).
 * Files may be gzipped (.gz), as they are distributed. They are inflated as a stream: the IDX
 * header is checked as soon as it is out (one declaring more than UPLOAD_LIMITS.batchFileBytes
 * is refused there), and the stream is cut just past the size the header declares, so a small
 * .gz that inflates to gigabytes costs no more than what it admits to.
 */
import { DatasetError, type DatasetSplit } from '../dataset';
import {
  uploadedImages,
  baseName,
  checkDatasetBytes,
  formatBytes,
  isSystemFile,
  readWithinLimit,
  resolveLimits,
  validationSplit,
  type UploadFile,
  type UploadLimits,
  type UploadResult,
} from './files';
import { InflateLimitError, inflateWithinLimit } from './inflate';

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

/** Checks the magic's zero bytes, the element type and the rank; returns the rank. */
function parseIdxHeader(bytes: Uint8Array, path: string): number {
  if (bytes.length < 4)
    throw new DatasetError(`is ${bytes.length} bytes, too short for an IDX header`, path);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
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
  return ndims;
}

/** Parses an unsigned-byte IDX array, checking every header field against the length. */
export function parseIdx(buf: ArrayBuffer, path: string): IdxArray {
  const bytes = new Uint8Array(buf);
  const view = new DataView(buf);
  const ndims = parseIdxHeader(bytes, path);
  const magic = view.getUint32(0, false);
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

/**
 * Checks the first ≤ 20 bytes of a gzipped IDX file as soon as they are inflated: a header
 * that is not IDX, or that declares more than `limit` bytes, is refused before the rest is
 * inflated; otherwise the declared size is returned, and the stream may not grow past it.
 */
function checkIdxHead(head: Uint8Array, limit: number, path: string): number | undefined {
  if (head.length < 4) return undefined; // too short: parseIdx says so
  const ndims = head[3];
  const headerBytes = 4 + 4 * ndims;
  if (head.length < Math.min(20, headerBytes)) return undefined;
  // The magic, type and rank checks, on the header alone.
  parseIdxHeader(head, path);
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const dims = Array.from({ length: ndims }, (_, d) => view.getUint32(4 + 4 * d, false));
  const declared = dims.reduce((n, d) => n * d, 1) + headerBytes;
  if (declared > limit) {
    throw new DatasetError(
      `IDX header declares ${dims.join('×')} (${formatBytes(declared)}), over the ${formatBytes(limit)} limit for an IDX file; use a smaller file`,
      path,
    );
  }
  return declared;
}

/**
 * Reads (and, for .gz, inflates) one IDX file. `limit` bounds the file after inflating; the
 * gzip stream is dropped as soon as it passes it or the size its header declares.
 */
async function readIdx(file: UploadFile, limit: number): Promise<IdxArray> {
  let buf = await readWithinLimit(file, limit, 'an IDX file');
  if (/\.gz$/i.test(file.path)) {
    let out: Uint8Array;
    try {
      out = inflateWithinLimit(new Uint8Array(buf), 'gzip', limit, undefined, {
        length: 20,
        check: (head) => checkIdxHead(head, limit, file.path),
      });
    } catch (err) {
      if (err instanceof DatasetError) throw err;
      if (err instanceof InflateLimitError) {
        const stopped = `stopped after inflating ${formatBytes(err.produced)}`;
        throw new DatasetError(
          err.limit < limit
            ? `inflates past the ${formatBytes(err.limit)} its IDX header declares (${stopped}): a damaged file or a gzip bomb`
            : `expands to more than ${formatBytes(limit)}, the limit for an IDX file (${stopped}); use a smaller file`,
          file.path,
        );
      }
      throw new DatasetError(`is not a valid gzip file (${(err as Error).message})`, file.path);
    }
    buf =
      out.byteLength === out.buffer.byteLength ? (out.buffer as ArrayBuffer) : out.slice().buffer;
  }
  return parseIdx(buf, file.path);
}

interface LabelFile {
  y: Uint8Array;
  file: string;
}

/**
 * The number of classes the labels describe, by this rule: labels are class numbers
 * 0…N−1, or 1…N (as EMNIST letters, whose class 0 then stays empty). Refused, naming the label,
 * its first sample and its file: a label beyond a gap of unused numbers (one stray 255 among
 * 0–9 would otherwise make 256 classes, 245 of them empty), labels that start above 1, a test
 * label the training labels never use, and training labels that are all one class.
 */
export function checkLabels(train: LabelFile, test?: LabelFile): number {
  const counts = new Array<number>(256).fill(0);
  for (const label of train.y) counts[label]++;
  const used = counts.flatMap((n, label) => (n > 0 ? [label] : []));
  const where = (label: number, of: LabelFile) =>
    `${counts[label] || 'no'} sample${counts[label] === 1 ? '' : 's'}, first at index ${of.y.indexOf(label)} of ${of.file}`;
  if (used.length < 2) {
    throw new DatasetError(
      `only one class: every training label is ${used[0]}; at least two classes are needed`,
      train.file,
    );
  }
  if (used[0] > 1) {
    throw new DatasetError(
      `the labels start at ${used[0]} (${where(used[0], train)}); class numbers must start at 0 or 1`,
      train.file,
    );
  }
  for (let k = 1; k < used.length; k++) {
    if (used[k] - used[k - 1] > 1) {
      throw new DatasetError(
        `label ${used[k]} (${where(used[k], train)}) is not next to the others: no sample has a label from ${used[k - 1] + 1} to ${used[k] - 1}, which would make ${used[k] - used[k - 1] - 1} empty classes. Labels must be class numbers 0…N−1 (or 1…N); fix or remove the stray labels`,
        train.file,
      );
    }
  }
  const max = used[used.length - 1];
  if (test) {
    for (let i = 0; i < test.y.length; i++) {
      if (counts[test.y[i]] === 0) {
        throw new DatasetError(
          `label ${test.y[i]} (first at index ${i}) never occurs in the training labels (${used[0]}–${max})`,
          test.file,
        );
      }
    }
  }
  return max + 1;
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
  let stored = 0; // inflated bytes so far, held to limits.datasetBytes
  for (const file of candidates) {
    const name = baseName(file.path);
    if (!/idx[13]|ubyte/i.test(name)) {
      warnings.push(
        `${file.path}: skipped, not an IDX file (expected names like train-images-idx3-ubyte)`,
      );
      continue;
    }
    const idx = await readIdx(file, limits.batchFileBytes);
    stored += idx.data.byteLength;
    checkDatasetBytes(stored, limits.datasetBytes, 'these IDX files (inflated)');
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
  const numClasses = checkLabels(
    { y: trainAll.y, file: pairs.train.labels!.file.path },
    testAll ? { y: testAll.y, file: pairs.test.labels!.file.path } : undefined,
  );
  const { train, validation } = validationSplit(
    { x: trainAll.x, y: trainAll.y, count: trainAll.count },
    testAll && { x: testAll.x, y: testAll.y, count: testAll.count },
    {
      sampleLength: h * w,
      numClasses,
      validationFraction: opts.validationFraction ?? 1 / 6,
      seed: opts.seed ?? 1,
      heldOutNote: (count) =>
        `no t10k/test files: held out ${count} training images for validation`,
    },
    warnings,
  );
  return uploadedImages(
    {
      id: 'upload-idx',
      name: `IDX images (${train.count + validation.count}, ${h}×${w})`,
      inputShape: [h, w, 1],
      numClasses,
      classNames: Array.from({ length: numClasses }, (_, i) => String(i)),
      train,
      validation,
    },
    warnings,
  );
}
