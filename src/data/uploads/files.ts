/**
 * What every upload parser shares: the file abstraction, the byte limits checked before a file
 * is read, class-folder layout and the stratified split of the result.
 */
import { gatherSplit, stratifiedSplit } from '../batches';
import { DatasetError, assertDatasetConsistent, type Dataset, type DatasetSplit } from '../dataset';

/** One uploaded file; `path` is webkitRelativePath (e.g. "root/cat/001.png") or the name. */
export interface UploadFile {
  path: string;
  size: number;
  bytes: () => Promise<ArrayBuffer>;
}

/** What an upload parser returns: the dataset and the problems it worked around. */
export interface UploadResult {
  dataset: Dataset;
  /** Human-readable notes (skipped files, padded clips …), each naming its file. */
  warnings: string[];
}

/** An uploaded image dataset (pixels 0…255 scaled to [0, 1]), checked, with its warnings. */
export function uploadedImages(
  dataset: Omit<Dataset, 'source' | 'normalisation'>,
  warnings: string[],
): UploadResult {
  const checked: Dataset = {
    ...dataset,
    source: 'upload',
    normalisation: { scale: 1 / 255, offset: 0 },
  };
  assertDatasetConsistent(checked);
  return { dataset: checked, warnings };
}

const MiB = 1024 * 1024;

/**
 * Every limit an upload is held to, in one place (the README's Data section and the upload
 * hint in the UI quote them). Sizes are checked against `UploadFile.size` *before* a file is
 * read, and again on the bytes read; compressed data (zip entries, .gz) is inflated as a
 * stream that stops at its limit, and image sizes are read from the header before decoding.
 * Together they keep one tab well under the ~2–4 GB a browser gives it.
 *
 * Per file:
 * - imageFileBytes 16 MiB: a photo; the dataset keeps only its resized copy.
 * - imagePixels 25 megapixels (e.g. 6000×4000 or 5000×5000): a decoder turns W×H pixels into
 *   4·W·H bytes of RGBA however small the file is, so a 400 kB PNG declaring 20000×20000
 *   (1.6 GB decoded) is refused from its header. 25 MP decode to 100 MB.
 * - audioFileBytes 16 MiB: ~8 min of 16-bit 16 kHz mono; keyword clips are ~32 kB. Only the
 *   clip the front end keeps is resampled, so a long or 384 kHz recording costs little more
 *   than a 1-s one.
 * - batchFileBytes 256 MiB: one CIFAR-10 batch is 30.7 MB; MNIST train images (IDX) 47 MB. A
 *   gzipped IDX file is held to it after inflating (the stream stops once it is passed).
 * Per dataset:
 * - archiveBytes 512 MiB: a zip, and also the sum of its uncompressed entries (each entry is
 *   inflated only when it is read, and stops at its declared size or imageFileBytes).
 * - datasetBytes 768 MiB: the stored samples of the whole dataset (uint8 images or float32
 *   features), e.g. all of CIFAR-10 (60,000 · 3,072 B ≈ 184 MB) fits; IDX files count with
 *   their inflated size.
 */
export const UPLOAD_LIMITS = {
  imageFileBytes: 16 * MiB,
  imagePixels: 25_000_000,
  audioFileBytes: 16 * MiB,
  batchFileBytes: 256 * MiB,
  archiveBytes: 512 * MiB,
  datasetBytes: 768 * MiB,
} as const;

export type UploadLimits = { -readonly [K in keyof typeof UPLOAD_LIMITS]: number };

export function resolveLimits(overrides?: Partial<UploadLimits>): UploadLimits {
  return { ...UPLOAD_LIMITS, ...overrides };
}

export function formatBytes(bytes: number): string {
  if (bytes >= MiB) return `${(bytes / MiB).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}

/** The limits that apply to one upload format, in words, for the upload form's hint. */
export function uploadLimitHint(
  format: 'image-folder' | 'cifar10' | 'mnist-idx' | 'wav-folder',
  limits: UploadLimits = UPLOAD_LIMITS,
): string {
  const total = `at most ${formatBytes(limits.datasetBytes)} of samples in all`;
  switch (format) {
    case 'image-folder':
      return `Limits: ${formatBytes(limits.imageFileBytes)} and ${limits.imagePixels / 1e6} megapixels per image, a zip up to ${formatBytes(limits.archiveBytes)} (unpacked too), ${total}.`;
    case 'cifar10':
      return `Limits: ${formatBytes(limits.batchFileBytes)} per batch file, ${total}.`;
    case 'mnist-idx':
      return `Limits: ${formatBytes(limits.batchFileBytes)} per file (a .gz file once unpacked), ${total}.`;
    case 'wav-folder':
      return `Limits: ${formatBytes(limits.audioFileBytes)} per clip; of a longer recording the loudest second is kept.`;
  }
}

/** Reads a file after checking its declared size, then checks the size actually read. */
export async function readWithinLimit(
  file: UploadFile,
  limit: number,
  what: string,
): Promise<ArrayBuffer> {
  const over = (size: number) =>
    new DatasetError(
      `is ${formatBytes(size)}, over the ${formatBytes(limit)} limit for ${what}; use a smaller file`,
      file.path,
    );
  if (!(file.size <= limit)) throw over(file.size);
  let buf: ArrayBuffer;
  try {
    buf = await file.bytes();
  } catch (err) {
    if (err instanceof DatasetError) throw err; // e.g. a zip entry that inflates past its size
    throw new DatasetError(`could not be read: ${(err as Error).message}`, file.path);
  }
  if (buf.byteLength > limit) throw over(buf.byteLength);
  return buf;
}

/** Throws when a dataset of `bytes` stored bytes would exceed the limit. */
export function checkDatasetBytes(bytes: number, limit: number, what: string): void {
  if (bytes > limit) {
    throw new DatasetError(
      `${what} would take ${formatBytes(bytes)} in memory, over the ${formatBytes(limit)} limit; use fewer files or a smaller target size`,
    );
  }
}

/** Wraps browser File objects (from <input webkitdirectory> or drag and drop). */
export function fromBrowserFiles(files: Iterable<File>): UploadFile[] {
  return Array.from(files, (file) => ({
    path: file.webkitRelativePath || file.name,
    size: file.size,
    bytes: () => file.arrayBuffer(),
  }));
}

/** Splits a path into its components: "/" or "\" separated, without "." or empty parts. */
export function pathParts(path: string): string[] {
  return path.split(/[\\/]+/).filter((p) => p !== '' && p !== '.');
}

export function baseName(path: string): string {
  const parts = pathParts(path);
  return parts[parts.length - 1] ?? '';
}

export function extensionOf(path: string): string {
  const name = baseName(path);
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
}

/** OS litter that is never data: dot files, macOS resource forks, Windows thumbnails. */
export function isSystemFile(path: string): boolean {
  const parts = pathParts(path);
  const name = parts[parts.length - 1] ?? '';
  return (
    parts.some((p) => p.startsWith('.') || p === '__MACOSX') ||
    name.toLowerCase() === 'thumbs.db' ||
    name.toLowerCase() === 'desktop.ini'
  );
}

export interface ClassFolders {
  /** Class name → its files, class names sorted (so label ids are stable). */
  classes: Map<string, UploadFile[]>;
  /** Files that were not in any class folder, or had the wrong type. */
  warnings: string[];
}

/**
 * Groups files by class folder. The layout is root/<class>/<file> (folder upload) or
 * <class>/<file> (zip without a root folder); leading folders shared by every file are
 * stripped while some file stays inside a sub-folder. Files deeper down count for their
 * top class folder. `accept(path)` says whether a file has the right type; others are skipped
 * with a warning. `skipFolder` names folders to ignore (e.g. "_background_noise_").
 */
export function groupByClassFolder(
  files: readonly UploadFile[],
  accept: (path: string) => boolean,
  kind: string,
  skipFolder: (name: string) => boolean = () => false,
): ClassFolders {
  const warnings: string[] = [];
  const useful = files.filter((f) => !isSystemFile(f.path));
  if (useful.length === 0) {
    throw new DatasetError(
      `the folder is empty: expected one sub-folder of ${kind} files per class`,
    );
  }
  const split = useful.map((f) => ({ file: f, parts: pathParts(f.path) }));
  // Strip leading folders common to every file while some file is still below a class folder
  // (files left directly in the root, like a README, are then skipped with a warning).
  for (;;) {
    const first = split[0].parts[0];
    if (
      split.every((s) => s.parts.length >= 2 && s.parts[0] === first) &&
      split.some((s) => s.parts.length >= 3)
    ) {
      for (const s of split) s.parts = s.parts.slice(1);
    } else break;
  }
  const classes = new Map<string, UploadFile[]>();
  const skippedTypes = new Map<string, number>();
  for (const { file, parts } of split) {
    if (parts.length < 2) {
      warnings.push(`${file.path}: skipped, not inside a class folder`);
      continue;
    }
    if (skipFolder(parts[0])) continue;
    if (!accept(file.path)) {
      warnings.push(
        `${file.path}: skipped, not ${/^[aeiou]/i.test(kind) ? 'an' : 'a'} ${kind} file`,
      );
      const ext = extensionOf(file.path) || '(none)';
      skippedTypes.set(ext, (skippedTypes.get(ext) ?? 0) + 1);
      continue;
    }
    const members = classes.get(parts[0]);
    if (members) members.push(file);
    else classes.set(parts[0], [file]);
  }
  if (classes.size === 0) {
    const types = [...skippedTypes.keys()].join(', ');
    throw new DatasetError(
      `no ${kind} files found in class folders${types ? ` (found only: ${types})` : ''}`,
    );
  }
  if (classes.size === 1) {
    const [only] = classes.keys();
    throw new DatasetError(
      `only one class ("${only}"): choose the folder that holds one sub-folder per class, at least two`,
    );
  }
  if (classes.size > 255) {
    throw new DatasetError(`${classes.size} class folders; at most 255 are supported`);
  }
  const sorted = new Map([...classes.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { classes: sorted, warnings };
}

/**
 * The fewest samples a class needs to give one to validation and keep one for training, as
 * stratifiedSplit splits: min(round(n·fraction), n − 1) ≥ 1 (3 at 20 %, 5 at 10 %).
 */
export function minSamplesPerClass(validationFraction: number): number {
  let n = 2;
  while (Math.min(Math.round(n * validationFraction), n - 1) < 1) n++;
  return n;
}

function listClasses(short: { name: string; count: number }[]): string {
  const shown = short.slice(0, 5).map((c) => `"${c.name}" has ${c.count}`);
  return short.length > 5 ? `${shown.join(', ')} and ${short.length - 5} more` : shown.join(', ');
}

/**
 * Stratified, seeded train/validation split of a whole (x, y) set. A class with fewer than
 * minSamplesPerClass samples gives none to validation: that is a warning naming the classes,
 * or an error naming them when no class can give any.
 */
export function splitStratified(
  x: Uint8Array | Float32Array,
  y: Uint8Array,
  sampleLength: number,
  numClasses: number,
  validationFraction: number,
  seed: number,
  classNames: readonly string[] = [],
): {
  train: DatasetSplit;
  validation: DatasetSplit;
  /** validation sample k is sample validationIndices[k] of (x, y). */
  validationIndices: Uint32Array;
  warnings: string[];
} {
  if (!(validationFraction > 0 && validationFraction < 1)) {
    throw new DatasetError(`validationFraction must be in (0, 1), got ${validationFraction}`);
  }
  const percent = `${Math.round(validationFraction * 100)}%`;
  const needed = minSamplesPerClass(validationFraction);
  const counts = new Array<number>(numClasses).fill(0);
  for (const label of y) counts[label]++;
  const short = counts
    .map((count, i) => ({ name: classNames[i] ?? String(i), count }))
    .filter((c) => c.count > 0 && c.count < needed)
    .sort((a, b) => a.count - b.count);
  const { train, validation } = stratifiedSplit(y, numClasses, validationFraction, seed);
  if (validation.length === 0) {
    throw new DatasetError(
      short.length > 0
        ? `too few samples per class to hold out ${percent} for validation: each class needs at least ${needed}, and ${listClasses(short)}`
        : `too few samples (${y.length}) to hold out ${percent} for validation`,
    );
  }
  const warnings =
    short.length > 0
      ? [
          `${listClasses(short)} (fewer than ${needed} samples): none held out for validation, so validation accuracy does not cover ${short.length === 1 ? 'that class' : 'those classes'}`,
        ]
      : [];
  return {
    train: gatherSplit(x, y, sampleLength, train),
    validation: gatherSplit(x, y, sampleLength, validation),
    validationIndices: validation,
    warnings,
  };
}

/**
 * The upload's own test split for validation, or, where it has none, a stratified share of
 * the training samples held out (its warnings, and one saying so via `heldOutNote`, go to
 * `warnings`).
 */
export function validationSplit(
  trainAll: DatasetSplit,
  test: DatasetSplit | undefined,
  holdOut: {
    sampleLength: number;
    numClasses: number;
    validationFraction: number;
    seed: number;
    classNames?: readonly string[];
    heldOutNote: (count: number) => string;
  },
  warnings: string[],
): { train: DatasetSplit; validation: DatasetSplit } {
  if (test) return { train: trainAll, validation: test };
  const split = splitStratified(
    trainAll.x,
    trainAll.y,
    holdOut.sampleLength,
    holdOut.numClasses,
    holdOut.validationFraction,
    holdOut.seed,
    holdOut.classNames,
  );
  warnings.push(...split.warnings, holdOut.heldOutNote(split.validation.count));
  return { train: split.train, validation: split.validation };
}

/** An id for an uploaded dataset: its kind plus a slug of its name. */
export function uploadId(kind: string, name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  return `upload-${kind}${slug ? `-${slug}` : ''}`;
}
