/**
 * Image folders: root/<class>/<image> (a folder upload, or a zip of the same layout). Images
 * are decoded by an injected decoder (the browser's, see browserDecode.ts), converted to gray
 * or RGB and resized to the target shape, then split per class with a seed.
 */
import { DatasetError } from '../dataset';
import {
  uploadedImages,
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
import { ImageHeaderError, readImageHeader, type ImageHeader } from './imageHeader';
import { resizeToTarget, type DecodedImage } from './resize';
import { isZipFile, unzipUpload } from './zip';

export type { DecodedImage } from './resize';
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

function megapixels(pixels: number): string {
  return `${(pixels / 1e6).toFixed(1)} megapixels`;
}

function overPixels(width: number, height: number, limit: number, path: string): DatasetError {
  return new DatasetError(
    `is ${width}×${height} pixels (${megapixels(width * height)}), over the ${megapixels(limit)} limit for an image; scale it down before uploading`,
    path,
  );
}

/**
 * Reads the image's format and size from its header and refuses it, before any decoding,
 * when it declares more than `pixelLimit` pixels or has no header we know. The decoder is
 * given the sniffed type (browsers decode by content, so a renamed file still works).
 */
function checkHeader(bytes: ArrayBuffer, path: string, pixelLimit: number): ImageHeader {
  let header: ImageHeader;
  try {
    header = readImageHeader(bytes);
  } catch (err) {
    if (!(err instanceof ImageHeaderError)) throw err;
    throw new DatasetError(`could not be decoded as an image (${err.message})`, path);
  }
  if (header.width * header.height > pixelLimit) {
    throw overPixels(header.width, header.height, pixelLimit, path);
  }
  return header;
}

function checkDecoded(image: DecodedImage, path: string, pixelLimit: number): void {
  const { width, height, data } = image ?? ({} as DecodedImage);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new DatasetError(`decoder returned an invalid size ${width}×${height}`, path);
  }
  if (width * height > pixelLimit) throw overPixels(width, height, pixelLimit, path);
  if (!data || data.length !== width * height * 4) {
    throw new DatasetError(
      `decoder returned ${data?.length ?? 0} bytes for a ${width}×${height} RGBA image`,
      path,
    );
  }
}

/** Whether an RGBA image has colour (R, G, B not all equal) and transparency (A < 255). */
export function pixelTraits(image: DecodedImage): { colour: boolean; transparent: boolean } {
  const { data } = image;
  let colour = false;
  let transparent = false;
  for (let p = 0; p < data.length && !(colour && transparent); p += 4) {
    if (!colour && (data[p] !== data[p + 1] || data[p + 1] !== data[p + 2])) colour = true;
    if (!transparent && data[p + 3] !== 255) transparent = true;
  }
  return { colour, transparent };
}

/**
 * What was done to the uploaded images to fit the model's input, summed up as one notice per
 * kind (resized, stretched, colour to gray, gray to RGB, transparency), each with an example.
 */
class ChangeLog {
  private readonly seen = new Map<string, { count: number; example: string }>();
  constructor(
    private readonly h: number,
    private readonly w: number,
    private readonly c: 1 | 3,
  ) {}

  private add(kind: string, example: string): void {
    const entry = this.seen.get(kind);
    if (entry) entry.count++;
    else this.seen.set(kind, { count: 1, example });
  }

  note(image: DecodedImage, path: string): void {
    const { width, height } = image;
    const example = `${path}: ${width}×${height}`;
    if (width !== this.w || height !== this.h) this.add('resized', example);
    if (Math.abs(width / height / (this.w / this.h) - 1) > 0.01) this.add('stretched', example);
    const { colour, transparent } = pixelTraits(image);
    if (colour && this.c === 1) this.add('gray', path);
    if (!colour && this.c === 3) this.add('rgb', path);
    if (transparent) this.add('alpha', path);
  }

  summary(total: number): string[] {
    const size = `${this.w}×${this.h}`;
    const texts: Record<string, string> = {
      resized: `resized to ${size}`,
      stretched: `stretched to ${size} (aspect ratio not kept; nothing is cropped)`,
      gray: 'in colour, converted to grayscale (1 channel)',
      rgb: 'grayscale, converted to RGB (3 equal channels)',
      alpha: 'partly transparent, composited over black',
    };
    return Object.entries(texts).flatMap(([kind, text]) => {
      const entry = this.seen.get(kind);
      if (!entry) return [];
      const verb = entry.count === 1 ? 'was' : 'were';
      return [`${entry.count} of ${total} images ${verb} ${text} (e.g. ${entry.example})`];
    });
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
  const changes = new ChangeLog(h, w, c);
  const labels: number[] = [];
  let n = 0;
  for (const [label, className] of classNames.entries()) {
    for (const file of grouped.classes.get(className)!) {
      const bytes = await readWithinLimit(file, limits.imageFileBytes, 'an image');
      let image: DecodedImage;
      try {
        const header = checkHeader(bytes, file.path, limits.imagePixels);
        image = await opts.decode(bytes, IMAGE_MIME_TYPES[header.format], file.path);
        checkDecoded(image, file.path, limits.imagePixels);
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
      changes.note(image, file.path);
      labels.push(label);
      n++;
    }
  }
  warnings.push(...changes.summary(n));
  const y = Uint8Array.from(labels);
  const counts = new Array<number>(classNames.length).fill(0);
  for (const label of labels) counts[label]++;
  const empty = classNames.filter((_, i) => counts[i] === 0);
  if (empty.length > 0) {
    throw new DatasetError(`class folder(s) ${empty.join(', ')} have no readable images`);
  }
  const { train, validation, ...split } = splitStratified(
    x.subarray(0, n * sampleLength),
    y,
    sampleLength,
    classNames.length,
    opts.validationFraction ?? 0.2,
    opts.seed ?? 1,
    classNames,
  );
  warnings.push(...split.warnings);
  const rootName =
    name ?? (entries[0] ? (entries[0].path.split(/[\\/]/)[0] ?? 'images') : 'images');
  return uploadedImages(
    {
      id: uploadId('images', rootName),
      name: rootName,
      inputShape: [h, w, c],
      numClasses: classNames.length,
      classNames,
      train,
      validation,
    },
    warnings,
  );
}
