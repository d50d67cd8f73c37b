/**
 * Zip archives of a folder layout (e.g. an image folder zipped), per PKWARE's APPNOTE.TXT:
 * the end-of-central-directory record (and its Zip64 form) locates the central directory,
 * whose entries give each file's name, method, sizes and local header offset.
 *
 * Nothing is inflated up front. Sizes come from the central directory and are checked first
 * (per entry against the per-file limit, summed against UPLOAD_LIMITS.archiveBytes); each
 * entry is inflated only when its bytes are read, as a stream that stops at its declared size,
 * so an entry that lies about its size (a zip bomb) costs no more than it declared, and only
 * one inflated entry is held at a time.
 */
import { DatasetError } from '../dataset';
import {
  formatBytes,
  isSystemFile,
  readWithinLimit,
  resolveLimits,
  type UploadFile,
  type UploadLimits,
} from './files';
import { InflateLimitError, inflateWithinLimit } from './inflate';

export function isZipFile(file: UploadFile): boolean {
  return /\.zip$/i.test(file.path);
}

const EOCD = 0x06054b50;
const EOCD64_LOCATOR = 0x07064b50;
const EOCD64 = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const STORED = 0;
const DEFLATED = 8;

export interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

/** A structural problem; reported as "is not a readable zip archive (…)". */
class ZipFormatError extends Error {}

function u64(view: DataView, at: number): number {
  const value = view.getUint32(at, true) + view.getUint32(at + 4, true) * 2 ** 32;
  if (!Number.isSafeInteger(value)) throw new ZipFormatError('a 64-bit size is out of range');
  return value;
}

function decodeName(bytes: Uint8Array, utf8: boolean): string {
  if (utf8) return new TextDecoder().decode(bytes);
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b); // CP437 read as Latin-1, as fflate does
  return s;
}

/** The central directory's entries (directories included). Throws ZipFormatError. */
export function readZipDirectory(bytes: Uint8Array): ZipEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let eocd = bytes.length - 22;
  const lowest = Math.max(0, bytes.length - 22 - 0xffff);
  while (eocd >= lowest && view.getUint32(eocd, true) !== EOCD) eocd--;
  if (eocd < lowest) throw new ZipFormatError('no end of central directory record');
  let count = view.getUint16(eocd + 10, true);
  let offset = view.getUint32(eocd + 16, true);
  if (eocd >= 20 && view.getUint32(eocd - 20, true) === EOCD64_LOCATOR) {
    const at = u64(view, eocd - 12);
    if (at + 56 > bytes.length || view.getUint32(at, true) !== EOCD64) {
      throw new ZipFormatError('Zip64 end of central directory record missing');
    }
    count = u64(view, at + 32);
    offset = u64(view, at + 48);
  }
  const entries: ZipEntry[] = [];
  let at = offset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > bytes.length || view.getUint32(at, true) !== CENTRAL) {
      throw new ZipFormatError(`central directory entry ${i} is missing or damaged`);
    }
    const flags = view.getUint16(at + 8, true);
    const method = view.getUint16(at + 10, true);
    let compressedSize = view.getUint32(at + 20, true);
    let size = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    let localOffset = view.getUint32(at + 42, true);
    const nameEnd = at + 46 + nameLength;
    if (nameEnd + extraLength > bytes.length) {
      throw new ZipFormatError(`central directory entry ${i} runs past the end`);
    }
    const name = decodeName(bytes.subarray(at + 46, nameEnd), (flags & 0x800) !== 0);
    // Zip64 extended information: the 64-bit values of whichever fields are 0xFFFFFFFF.
    for (let x = nameEnd; x + 4 <= nameEnd + extraLength;) {
      const id = view.getUint16(x, true);
      const length = view.getUint16(x + 2, true);
      if (id === 0x0001) {
        let p = x + 4;
        const take = () => {
          if (p + 8 > x + 4 + length) throw new ZipFormatError(`${name}: Zip64 field too short`);
          const v = u64(view, p);
          p += 8;
          return v;
        };
        if (size === 0xffffffff) size = take();
        if (compressedSize === 0xffffffff) compressedSize = take();
        if (localOffset === 0xffffffff) localOffset = take();
      }
      x += 4 + length;
    }
    entries.push({ name, method, flags, compressedSize, size, localOffset });
    at = nameEnd + extraLength + commentLength;
  }
  return entries;
}

/** The entry's stored (compressed) bytes, located through its local header. */
function entryData(bytes: Uint8Array, entry: ZipEntry): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = entry.localOffset;
  if (at + 30 > bytes.length || view.getUint32(at, true) !== LOCAL) {
    throw new ZipFormatError(`${entry.name}: local header missing`);
  }
  const start = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
  if (start + entry.compressedSize > bytes.length) {
    throw new ZipFormatError(`${entry.name}: data runs past the end of the archive`);
  }
  return bytes.subarray(start, start + entry.compressedSize);
}

/**
 * Lists a zip's entries as UploadFiles whose paths are the entry paths; an entry is inflated
 * when its `bytes()` is called. Only entries that `wanted(name)` accepts are returned (others
 * are listed in skipped). Throws DatasetError for a corrupt archive, an encrypted or unknown-
 * method entry, an entry over the per-file limit, or declared sizes summing over the archive
 * limit; reading an entry throws one when it inflates to more or less than it declared.
 */
export async function unzipUpload(
  zip: UploadFile,
  perFileLimit: number,
  wanted: (name: string) => boolean,
  limitOverrides?: Partial<UploadLimits>,
): Promise<{ files: UploadFile[]; skipped: string[] }> {
  const limits = resolveLimits(limitOverrides);
  const bytes = new Uint8Array(await readWithinLimit(zip, limits.archiveBytes, 'a zip archive'));
  let entries: ZipEntry[];
  try {
    entries = readZipDirectory(bytes);
  } catch (err) {
    throw new DatasetError(`is not a readable zip archive (${(err as Error).message})`, zip.path);
  }
  let total = 0;
  const skipped: string[] = [];
  const files: UploadFile[] = [];
  for (const entry of entries) {
    const { name } = entry;
    if (name.endsWith('/') || isSystemFile(name)) continue;
    if (!wanted(name)) {
      skipped.push(name);
      continue;
    }
    if (entry.flags & 1) throw new DatasetError(`entry ${name} is encrypted`, zip.path);
    if (entry.method !== STORED && entry.method !== DEFLATED) {
      throw new DatasetError(
        `entry ${name} uses compression method ${entry.method}; only stored (0) and deflate (8) are supported`,
        zip.path,
      );
    }
    if (entry.size > perFileLimit) {
      throw new DatasetError(
        `entry ${name} is ${formatBytes(entry.size)}, over the ${formatBytes(perFileLimit)} limit per file`,
        zip.path,
      );
    }
    total += entry.size;
    if (total > limits.archiveBytes) {
      throw new DatasetError(
        `expands to over ${formatBytes(limits.archiveBytes)}; use a smaller archive`,
        zip.path,
      );
    }
    files.push({
      path: name,
      size: entry.size,
      bytes: async () => readEntry(bytes, entry, zip.path),
    });
  }
  return { files, skipped };
}

function readEntry(bytes: Uint8Array, entry: ZipEntry, zipPath: string): ArrayBuffer {
  const { name, size } = entry;
  let out: Uint8Array;
  try {
    const data = entryData(bytes, entry);
    out = entry.method === STORED ? data.slice() : inflateWithinLimit(data, 'deflate', size, size);
  } catch (err) {
    if (err instanceof InflateLimitError) {
      throw new DatasetError(
        `entry ${name} inflates to more than the ${formatBytes(size)} its header declares (a damaged archive or a zip bomb)`,
        zipPath,
      );
    }
    throw new DatasetError(`entry ${name} could not be read (${(err as Error).message})`, zipPath);
  }
  if (out.byteLength !== size) {
    throw new DatasetError(
      `entry ${name} holds ${formatBytes(out.byteLength)}, not the ${formatBytes(size)} its header declares`,
      zipPath,
    );
  }
  return out.byteLength === out.buffer.byteLength
    ? (out.buffer as ArrayBuffer)
    : (out.slice().buffer as ArrayBuffer);
}
