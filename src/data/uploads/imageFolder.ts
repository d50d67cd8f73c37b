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
      labels.push(label);
      n++;
    }
  }
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
