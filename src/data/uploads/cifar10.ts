/**
 * CIFAR-10 binary version (https://www.cs.toronto.edu/~kriz/cifar.html): each batch file is a
 * run of 3,073-byte records, 1 label byte (0–9) then a 32×32 image as three 1,024-byte planes
 * (R, G, B), each row-major. We store NHWC uint8. test_batch.bin becomes the validation split
 * when given; otherwise a seeded stratified split of the training batches.
 */
import { DatasetError, type DatasetSplit } from '../dataset';
import {
  uploadedImages,
  baseName,
  checkDatasetBytes,
  extensionOf,
  isSystemFile,
  readWithinLimit,
  resolveLimits,
  validationSplit,
  type UploadFile,
  type UploadLimits,
  type UploadResult,
} from './files';

export const CIFAR10_RECORD_BYTES = 3073;
export const CIFAR10_CLASS_NAMES = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
];
const PLANE = 1024;

export interface Cifar10Options {
  validationFraction?: number;
  seed?: number;
  limits?: Partial<UploadLimits>;
}

function recordSizeError(size: number, path: string): DatasetError {
  const hint =
    size % 3074 === 0
      ? ' It looks like CIFAR-100 (3,074-byte records), which is not supported.'
      : '';
  return new DatasetError(
    `size ${size} bytes is not a whole number of 3,073-byte CIFAR-10 records (label + 3×1,024 pixels).${hint}`,
    path,
  );
}

/** Decodes one batch file's records into NHWC pixels and labels. */
export function parseCifar10Batch(buf: ArrayBuffer, path: string): DatasetSplit {
  const bytes = new Uint8Array(buf);
  if (bytes.length === 0)
    throw new DatasetError('is empty, expected 3,073-byte CIFAR-10 records', path);
  if (bytes.length % CIFAR10_RECORD_BYTES !== 0) throw recordSizeError(bytes.length, path);
  const count = bytes.length / CIFAR10_RECORD_BYTES;
  const x = new Uint8Array(count * 3 * PLANE);
  const y = new Uint8Array(count);
  for (let r = 0; r < count; r++) {
    const base = r * CIFAR10_RECORD_BYTES;
    const label = bytes[base];
    if (label > 9) {
      throw new DatasetError(`record ${r} has label ${label}, CIFAR-10 labels are 0–9`, path);
    }
    y[r] = label;
    const out = r * 3 * PLANE;
    for (let p = 0; p < PLANE; p++) {
      x[out + p * 3] = bytes[base + 1 + p];
      x[out + p * 3 + 1] = bytes[base + 1 + PLANE + p];
      x[out + p * 3 + 2] = bytes[base + 1 + 2 * PLANE + p];
    }
  }
  return { x, y, count };
}

function concatSplits(splits: DatasetSplit[]): DatasetSplit {
  const count = splits.reduce((n, s) => n + s.count, 0);
  const x = new Uint8Array(count * 3 * PLANE);
  const y = new Uint8Array(count);
  let n = 0;
  for (const s of splits) {
    x.set(s.x, n * 3 * PLANE);
    y.set(s.y, n);
    n += s.count;
  }
  return { x, y, count };
}

function parseClassNames(text: string, path: string): string[] {
  const names = text
    .split(/\r?\n/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (names.length !== 10) {
    throw new DatasetError(`lists ${names.length} class names, CIFAR-10 has 10`, path);
  }
  return names;
}

/**
 * Loads CIFAR-10 batch files (data_batch_*.bin, test_batch.bin, optional batches.meta.txt for
 * class names). Other files are skipped with a warning.
 */
export async function loadCifar10(
  files: readonly UploadFile[],
  opts: Cifar10Options = {},
): Promise<UploadResult> {
  const limits = resolveLimits(opts.limits);
  const warnings: string[] = [];
  const trainFiles: UploadFile[] = [];
  const testFiles: UploadFile[] = [];
  let metaFile: UploadFile | undefined;
  for (const file of files) {
    if (isSystemFile(file.path)) continue;
    const name = baseName(file.path).toLowerCase();
    if (name === 'batches.meta.txt') metaFile = file;
    else if (extensionOf(name) !== 'bin') {
      warnings.push(`${file.path}: skipped, not a CIFAR-10 .bin batch file`);
    } else if (name.startsWith('test')) testFiles.push(file);
    else trainFiles.push(file);
  }
  if (trainFiles.length === 0) {
    throw new DatasetError(
      testFiles.length > 0
        ? 'only a test batch was given: add data_batch_*.bin files for training'
        : 'no CIFAR-10 .bin batch files found (extract cifar-10-binary.tar.gz first)',
    );
  }
  const all = [...trainFiles, ...testFiles];
  for (const file of all) {
    // Checked again on the bytes; this catches a wrong file before reading it.
    if (file.size % CIFAR10_RECORD_BYTES !== 0) throw recordSizeError(file.size, file.path);
  }
  const totalRecords = all.reduce((n, f) => n + Math.floor(f.size / CIFAR10_RECORD_BYTES), 0);
  checkDatasetBytes(
    totalRecords * 3 * PLANE,
    limits.datasetBytes,
    `${totalRecords} CIFAR-10 images`,
  );

  const read = async (list: UploadFile[]) => {
    const splits: DatasetSplit[] = [];
    const sorted = [...list].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    for (const file of sorted) {
      splits.push(
        parseCifar10Batch(
          await readWithinLimit(file, limits.batchFileBytes, 'a CIFAR-10 batch'),
          file.path,
        ),
      );
    }
    return concatSplits(splits);
  };
  const classNames = metaFile
    ? parseClassNames(
        new TextDecoder().decode(await readWithinLimit(metaFile, 1 << 16, 'batches.meta.txt')),
        metaFile.path,
      )
    : CIFAR10_CLASS_NAMES;
  const trainAll = await read(trainFiles);
  const present = new Set(trainAll.y);
  if (present.size < 2) {
    const [only] = present;
    throw new DatasetError(
      `only one class ("${classNames[only]}", label ${only}) in ${trainFiles.map((f) => f.path).join(', ')}: training needs at least two classes; add the other data_batch_*.bin files`,
    );
  }
  const seed = opts.seed ?? 1;
  const { train, validation } = validationSplit(
    trainAll,
    testFiles.length > 0 ? await read(testFiles) : undefined,
    {
      sampleLength: 3 * PLANE,
      numClasses: 10,
      validationFraction: opts.validationFraction ?? 0.1,
      seed,
      classNames,
      heldOutNote: (count) =>
        `no test_batch.bin: held out ${count} training images (seed ${seed}) for validation`,
    },
    warnings,
  );
  return uploadedImages(
    {
      id: 'upload-cifar10',
      name: `CIFAR-10 (${train.count + validation.count} images)`,
      inputShape: [32, 32, 3],
      numClasses: 10,
      classNames,
      train,
      validation,
    },
    warnings,
  );
}
