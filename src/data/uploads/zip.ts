/**
 * Zip archives of a folder layout (e.g. an image folder zipped), opened with fflate.
 * Entry sizes come from the zip's central directory and are checked before inflating.
 */
import { unzipSync, type UnzipFileInfo } from 'fflate';
import { DatasetError } from '../dataset';
import {
  formatBytes,
  isSystemFile,
  readWithinLimit,
  resolveLimits,
  type UploadFile,
  type UploadLimits,
} from './files';

export function isZipFile(file: UploadFile): boolean {
  return /\.zip$/i.test(file.path);
}

/**
 * Expands a zip into in-memory UploadFiles whose paths are the entry paths. Only entries that
 * `wanted(name)` accepts are inflated (others are listed in skipped). Throws DatasetError for
 * a corrupt archive, an entry over the per-file limit, or a total over the archive limit.
 */
export async function unzipUpload(
  zip: UploadFile,
  perFileLimit: number,
  wanted: (name: string) => boolean,
  limitOverrides?: Partial<UploadLimits>,
): Promise<{ files: UploadFile[]; skipped: string[] }> {
  const limits = resolveLimits(limitOverrides);
  const bytes = new Uint8Array(await readWithinLimit(zip, limits.archiveBytes, 'a zip archive'));
  let total = 0;
  const skipped: string[] = [];
  let problem: DatasetError | undefined;
  const filter = (info: UnzipFileInfo): boolean => {
    if (info.name.endsWith('/') || isSystemFile(info.name)) return false;
    if (!wanted(info.name)) {
      skipped.push(info.name);
      return false;
    }
    if (info.originalSize > perFileLimit) {
      problem ??= new DatasetError(
        `entry ${info.name} is ${formatBytes(info.originalSize)}, over the ${formatBytes(perFileLimit)} limit per file`,
        zip.path,
      );
      return false;
    }
    total += info.originalSize;
    if (total > limits.archiveBytes) {
      problem ??= new DatasetError(
        `expands to over ${formatBytes(limits.archiveBytes)}; use a smaller archive`,
        zip.path,
      );
      return false;
    }
    return true;
  };
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes, { filter });
  } catch (err) {
    throw new DatasetError(`is not a readable zip archive (${(err as Error).message})`, zip.path);
  }
  if (problem) throw problem;
  const files = Object.entries(entries).map(([name, data]): UploadFile => {
    if (data.byteLength > perFileLimit) {
      throw new DatasetError(`entry ${name} is larger than its header says`, zip.path);
    }
    return {
      path: name,
      size: data.byteLength,
      bytes: async () =>
        data.byteOffset === 0 && data.byteLength === data.buffer.byteLength
          ? (data.buffer as ArrayBuffer)
          : (data.slice().buffer as ArrayBuffer),
    };
  });
  return { files, skipped };
}
