/**
 * One entry point for uploads: guesses the format from the file names, then calls the
 * format's loader. Each format lives in its own module (imageFolder, cifar10, idx, wavFolder).
 */
import { DatasetError } from '../dataset';
import { loadCifar10, type Cifar10Options } from './cifar10';
import { baseName, extensionOf, isSystemFile, type UploadFile, type UploadResult } from './files';
import { loadMnistIdx, type MnistIdxOptions } from './idx';
import { isImagePath, loadImageFolder, type ImageFolderOptions } from './imageFolder';
import { loadWavFolder, type WavFolderOptions } from './wavFolder';
import { isZipFile } from './zip';
import type { UploadFormat } from '../../core/uploadFormats';

export type { UploadFile, UploadResult, UploadLimits } from './files';
export { UPLOAD_LIMITS, fromBrowserFiles, uploadLimitHint } from './files';
export type { ImageDecoder, ImageFolderOptions, DecodedImage } from './imageFolder';
export type { WavFolderOptions } from './wavFolder';
export { loadImageFolder, loadCifar10, loadMnistIdx, loadWavFolder };

/** The format these files are in, judged by names and extensions; undefined if unknown. */
export function detectUploadFormat(files: readonly UploadFile[]): UploadFormat | undefined {
  const names = files
    .filter((f) => !isSystemFile(f.path))
    .map((f) => baseName(f.path).toLowerCase());
  if (names.some((n) => /^(data|test)_batch(_\d+)?\.bin$/.test(n))) return 'cifar10';
  if (names.some((n) => /idx[13]-ubyte/.test(n))) return 'mnist-idx';
  if (files.length === 1 && isZipFile(files[0])) return 'image-folder';
  const wav = files.filter((f) => extensionOf(f.path) === 'wav').length;
  const images = files.filter((f) => isImagePath(f.path)).length;
  if (wav === 0 && images === 0) return undefined;
  return wav > images ? 'wav-folder' : 'image-folder';
}

export interface LoadUploadOptions {
  image: ImageFolderOptions;
  cifar10?: Cifar10Options;
  idx?: MnistIdxOptions;
  wav?: WavFolderOptions;
}

export async function loadUpload(
  files: readonly UploadFile[],
  opts: LoadUploadOptions,
): Promise<UploadResult & { format: UploadFormat }> {
  const format = detectUploadFormat(files);
  switch (format) {
    case 'cifar10':
      return { format, ...(await loadCifar10(files, opts.cifar10)) };
    case 'mnist-idx':
      return { format, ...(await loadMnistIdx(files, opts.idx)) };
    case 'wav-folder':
      return { format, ...(await loadWavFolder(files, opts.wav)) };
    case 'image-folder':
      return { format, ...(await loadImageFolder(files, opts.image)) };
    default:
      throw new DatasetError(
        files.length === 0
          ? 'nothing was uploaded: choose a folder or files'
          : 'unrecognised upload: expected a folder of images or WAV clips (one sub-folder per class), a zip of one, CIFAR-10 .bin batches, or MNIST IDX files',
      );
  }
}
