/**
 * Image folders: root/<class>/<image> (a folder upload, or a zip of the same layout). Images
 * are decoded by an injected decoder (the browser's, see browserDecode.ts), converted to gray
 * or RGB and resized to the target shape, then split per class with a seed.
 */
import { DatasetError, assertDatasetConsistent, type Dataset } from '../dataset';
import {
  baseName,
  checkDatasetBytes,
  extensionOf,
  groupByClassFolder,
  readWithinLimit,
  resolveLimits,
  splitStratified,
  uploadId,
  type UploadFile,
  type UploadLimits,
  type UploadResult,
} from './files';
import { resizeToTarget, type DecodedImage } from './resize';
import { isZipFile, unzipUpload } from './zip';

export type { DecodedImage } from './resize';

/**
 * What happened to the images on their way to the model's input, said once for the dataset:
 * resized (stretched when the aspect ratio differs: nothing is cropped), colour made grey or
 * grey given three channels, transparency composited over black.
 */
class ConversionLog {
  private resized = 0;
  private stretched = 0;
  private readonly sizes = new Map<string, number>();
  private toGrey = 0;
  private toRgb = 0;
  private transparent = 0;

  constructor(
    private readonly h: number,
    private readonly w: number,
    private readonly c: number,
  ) {}

  note(image: DecodedImage): void {
    if (image.width !== this.w || image.height !== this.h) {
      this.resized++;
      const size = `${image.width}×${image.height}`;
      this.sizes.set(size, (this.sizes.get(size) ?? 0) + 1);
      if (Math.abs(image.width / image.height - this.w / this.h) > 0.01) this.stretched++;
    }
    let grey = true;
    let alpha = false;
    const d = image.data;
    for (let p = 0; p < d.length; p += 4) {
      if (d[p] !== d[p + 1] || d[p] !== d[p + 2]) grey = false;
      if (d[p + 3] !== 255) alpha = true;
      if (!grey && alpha) break;
    }
    if (this.c === 1 && !grey) this.toGrey++;
    if (this.c === 3 && grey) this.toRgb++;
    if (alpha) this.transparent++;
  }

  sentences(total: number): string[] {
    const out: string[] = [];
    const of = (k: number) => (k === total ? `all ${total}` : `${k} of ${total}`);
    if (this.resized > 0) {
      const seen = [...this.sizes.entries()].sort((a, b) => b[1] - a[1]).map(([s]) => s);
      const list = seen.slice(0, 3).join(', ') + (seen.length > 3 ? ', …' : '');
      out.push(
        `${of(this.resized)} images were resized to ${this.w}×${this.h} (from ${list})` +
          (this.stretched > 0
            ? `; ${this.stretched} of them have another aspect ratio and were stretched, not cropped`
            : ''),
      );
    }
    if (this.toGrey > 0) {
      out.push(`${of(this.toGrey)} images were in colour and converted to grey (1 channel)`);
    }
    if (this.toRgb > 0) {
      out.push(`${of(this.toRgb)} images were grey and given three equal channels (RGB)`);
    }
    if (this.transparent > 0) {
      out.push(`${of(this.transparent)} images have transparency, composited over black`);
    }
    return out;
  }
}
export type ImageDecoder = (
  bytes: ArrayBuffer,
  mimeType: string,
  name: string,
) => Promise<DecodedImage>;

/** Extensions we hand to the decoder, with their MIME types. */
export const IMAGE_MIME_TYPES: Readonly<Record<string, string>> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  bmp: 'image/bmp',
  webp: 'image/webp',
};

export function isImagePath(path: string): boolean {
  return extensionOf(path) in IMAGE_MIME_TYPES;
}

export interface ImageFolderOptions {
  /** H, W, C of the stored samples; C is 1 (gray) or 3 (RGB). */
  targetShape: [number, number, number];
  decode: ImageDecoder;
  /** Share of each class held out for validation, in (0, 1). Default 0.2. */
  validationFraction?: number;
  seed?: number;
  /** 'error' (default) stops at the first image the decoder rejects; 'skip' warns and goes on. */
  onCorruptImage?: 'error' | 'skip';
  /** Display name; defaults to the root folder's or the zip's name. */
  name?: string;
  limits?: Partial<UploadLimits>;
}

function checkDecoded(image: DecodedImage, path: string): void {
  const { width, height, data } = image ?? ({} as DecodedImage);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new DatasetError(`decoder returned an invalid size ${width}×${height}`, path);
  }
  if (!data || data.length !== width * height * 4) {
    throw new DatasetError(
      `decoder returned ${data?.length ?? 0} bytes for a ${width}×${height} RGBA image`,
      path,
    );
  }
}

/**
 * Loads an image-folder upload. `files` may also be a single zip of the same layout.
 * Throws DatasetError on an empty folder, a single class, no images, a corrupt image (unless
 * onCorruptImage is 'skip'), a file over the byte limit, or a dataset too large for memory.
 */
export async function loadImageFolder(
  files: readonly UploadFile[],
  opts: ImageFolderOptions,
): Promise<UploadResult> {
  const limits = resolveLimits(opts.limits);
  const [h, w, c] = opts.targetShape;
  if (![h, w].every((v) => Number.isInteger(v) && v > 0 && v <= 512) || (c !== 1 && c !== 3)) {
    throw new DatasetError(
      `target shape ${h}×${w}×${c} is not supported: use 1..512 pixels and 1 or 3 channels`,
    );
  }
  const warnings: string[] = [];
  let entries = files;
  let name = opts.name;
  if (files.length === 1 && isZipFile(files[0])) {
    const { files: inside, skipped } = await unzipUpload(
      files[0],
      limits.imageFileBytes,
      (p) => isImagePath(p),
      opts.limits,
    );
    for (const s of skipped) warnings.push(`${files[0].path}: ${s}: skipped, not an image file`);
    if (inside.length === 0) {
      throw new DatasetError(
        `contains no image files (${Object.keys(IMAGE_MIME_TYPES).join(', ')})`,
        files[0].path,
      );
    }
    entries = inside;
    name ??= baseName(files[0].path).replace(/\.zip$/i, '');
  }
  const grouped = groupByClassFolder(entries, isImagePath, 'image');
  warnings.push(...grouped.warnings);
  const classNames = [...grouped.classes.keys()];
  const total = [...grouped.classes.values()].reduce((n, list) => n + list.length, 0);
  const sampleLength = h * w * c;
  checkDatasetBytes(total * sampleLength, limits.datasetBytes, `${total} images at ${h}×${w}×${c}`);

  const x = new Uint8Array(total * sampleLength);
  const changes = new ConversionLog(h, w, c);
  const labels: number[] = [];
  let n = 0;
  for (const [label, className] of classNames.entries()) {
    for (const file of grouped.classes.get(className)!) {
      const bytes = await readWithinLimit(file, limits.imageFileBytes, 'an image');
      let image: DecodedImage;
      try {
        image = await opts.decode(bytes, IMAGE_MIME_TYPES[extensionOf(file.path)], file.path);
        checkDecoded(image, file.path);
      } catch (err) {
        const problem =
          err instanceof DatasetError
            ? err
            : new DatasetError(
                `could not be decoded as an image (${(err as Error).message})`,
                file.path,
              );
        if (opts.onCorruptImage === 'skip') {
          warnings.push(`${problem.message}; skipped`);
          continue;
        }
        throw problem;
      }
      x.set(resizeToTarget(image, h, w, c), n * sampleLength);
      changes.note(image);
      labels.push(label);
      n++;
    }
  }
  warnings.push(...changes.sentences(n));
  const y = Uint8Array.from(labels);
  const counts = new Array<number>(classNames.length).fill(0);
  for (const label of labels) counts[label]++;
  const empty = classNames.filter((_, i) => counts[i] === 0);
  if (empty.length > 0) {
    throw new DatasetError(`class folder(s) ${empty.join(', ')} have no readable images`);
  }
  const { train, validation } = splitStratified(
    x.subarray(0, n * sampleLength),
    y,
    sampleLength,
    classNames.length,
    opts.validationFraction ?? 0.2,
    opts.seed ?? 1,
  );
  const rootName =
    name ?? (entries[0] ? (entries[0].path.split(/[\\/]/)[0] ?? 'images') : 'images');
  const dataset: Dataset = {
    id: uploadId('images', rootName),
    name: rootName,
    source: 'upload',
    inputShape: [h, w, c],
    numClasses: classNames.length,
    classNames,
    train,
    validation,
    normalisation: { scale: 1 / 255, offset: 0 },
  };
  assertDatasetConsistent(dataset);
  return { dataset, warnings };
}
