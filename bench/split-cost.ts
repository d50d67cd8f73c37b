// What splitting one convolution call over two kernel threads costs and saves, in Node: the
// measurements behind the split decision's constants (SPLIT_COST in
// src/train/wasm/kernels/convolution.ts).
//   node --experimental-wasm-relaxed-simd --import tsx bench/split-cost.ts [--rounds N] [--calls N]
// For convolution shapes of the zoo's networks at batch 32, each kernel is timed on one thread
// and split over two (the caller's half in place on tfjs's heap, the helper's half copied), in
// interleaved rounds of one process; the table gives the minimum per call (the least disturbed by
// other jobs on the machine). Then: the multiply-adds per µs of each kernel on one thread, and
// the copy bandwidth and fixed cost of a split for which the split rule loses least over the
// measured calls, and where that rule and the measurement disagree. Prints to the console only.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { splitCopyBytes } from '../src/train/wasm/kernelHeap';
import { KernelThreadPool } from '../src/train/wasm/kernelThreads';
import {
  readTrainKernelBinaries,
  spawnNodeHelper,
} from '../src/train/wasm/loadTrainingKernelsNode';
import {
  compileTrainKernelModules,
  registerWasmTrainingKernels,
  relaxedSimdSupported,
} from '../src/train/wasm/registerTrainingKernels';

const argv = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const at = argv.indexOf(name);
  return at >= 0 ? Number(argv[at + 1]) : fallback;
};
const ROUNDS = option('--rounds', 5);
const CALLS = option('--calls', 5);
const BATCH = 32;

interface Case {
  /** [h, w, c] of the input. */
  x: [number, number, number];
  k: number;
  stride: number;
  /** Output channels (conv2d) or 0: depthwise, multiplier 1. */
  out: number;
}

const CASES: Case[] = [
  { x: [16, 16, 1], k: 3, stride: 1, out: 8 }, // tiny-cnn
  { x: [28, 28, 1], k: 3, stride: 1, out: 16 }, // net A
  { x: [28, 28, 16], k: 3, stride: 2, out: 32 },
  { x: [14, 14, 32], k: 3, stride: 2, out: 32 },
  { x: [32, 32, 3], k: 3, stride: 1, out: 16 }, // resnet8
  { x: [32, 32, 16], k: 3, stride: 1, out: 16 },
  { x: [16, 16, 32], k: 3, stride: 1, out: 32 },
  { x: [8, 8, 64], k: 3, stride: 1, out: 64 },
  { x: [32, 32, 16], k: 1, stride: 2, out: 32 },
  { x: [16, 16, 64], k: 3, stride: 1, out: 64 }, // vgg-cifar
  { x: [8, 8, 128], k: 3, stride: 1, out: 128 },
  { x: [25, 5, 64], k: 1, stride: 1, out: 64 }, // ds-cnn
  { x: [16, 16, 16], k: 1, stride: 1, out: 96 }, // mobilenetv2
  { x: [8, 8, 144], k: 1, stride: 1, out: 24 },
  { x: [4, 4, 96], k: 1, stride: 1, out: 576 },
  { x: [25, 5, 64], k: 3, stride: 1, out: 0 },
  { x: [16, 16, 96], k: 3, stride: 1, out: 0 },
  { x: [8, 8, 144], k: 3, stride: 1, out: 0 },
  { x: [4, 4, 576], k: 3, stride: 1, out: 0 },
];

interface Call {
  label: string;
  job: string;
  macs: number;
  copyBytes: number;
  run: () => void;
  one: number[];
  two: number[];
}

function callsOf(c: Case): Call[] {
  const [h, w, ci] = c.x;
  const depthwise = c.out === 0;
  const co = depthwise ? ci : c.out;
  const oh = Math.ceil(h / c.stride);
  const ow = Math.ceil(w / c.stride);
  const filterShape: [number, number, number, number] = [c.k, c.k, ci, depthwise ? 1 : co];
  const x = tf.randomNormal([BATCH, h, w, ci]);
  const dy = tf.randomNormal([BATCH, oh, ow, co]);
  const filter = tf.randomNormal(filterShape);
  const macs = BATCH * oh * ow * c.k * c.k * (depthwise ? co : ci * co);
  const inImage = h * w * ci * 4;
  const outImage = oh * ow * co * 4;
  const common = { strides: c.stride, pad: 'same', dilations: 1, dataFormat: 'NHWC' };
  const label = `${c.x.join('×')} ${c.k}×${c.k} s${c.stride} ${depthwise ? 'dw' : `→${co}`}`;
  const make = (
    kernel: string,
    job: string,
    inputs: Record<string, tf.Tensor>,
    attrs: object,
    imageBytes: number[],
    outputImageBytes: number,
    outputBytes: number,
  ): Call => ({
    label,
    job,
    macs,
    copyBytes: splitCopyBytes(
      { batch: BATCH, parts: 2, inputImageBytes: imageBytes, outputImageBytes },
      Object.values(inputs).map((t) => t.size * 4),
      outputBytes,
      true,
    ),
    run: () =>
      (tf.engine().runKernel(kernel, inputs, attrs as tf.NamedAttrMap) as tf.Tensor).dispose(),
    one: [],
    two: [],
  });
  const filterBytes = filter.size * 4;
  if (depthwise) {
    return [
      make(
        'DepthwiseConv2dNativeBackpropFilter',
        'depthwiseBackpropFilter',
        { x, dy },
        { ...common, filterShape },
        [inImage, outImage],
        0,
        filterBytes,
      ),
      make(
        'DepthwiseConv2dNativeBackpropInput',
        'depthwiseBackpropInput',
        { dy, filter },
        { ...common, inputShape: [BATCH, h, w, ci] },
        [outImage, 0],
        inImage,
        BATCH * inImage,
      ),
    ];
  }
  return [
    make(
      'Conv2D',
      'conv2dForward',
      { x, filter },
      common,
      [inImage, 0],
      outImage,
      BATCH * outImage,
    ),
    make(
      'Conv2DBackpropFilter',
      'conv2dBackpropFilter',
      { x, dy },
      { ...common, filterShape },
      [inImage, outImage],
      0,
      filterBytes,
    ),
    make(
      'Conv2DBackpropInput',
      'conv2dBackpropInput',
      { dy, filter },
      { ...common, inputShape: [BATCH, h, w, ci] },
      [outImage, 0],
      inImage,
      BATCH * inImage,
    ),
  ];
}

function timeCalls(call: Call): number {
  call.run();
  let best = Infinity;
  for (let i = 0; i < CALLS; i++) {
    const began = performance.now();
    call.run();
    best = Math.min(best, performance.now() - began);
  }
  return best * 1000;
}

const min = (values: number[]) => Math.min(...values);
const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

await tf.setBackend('wasm');
await tf.ready();
const relaxed = relaxedSimdSupported();
const { plain, shared } = await readTrainKernelBinaries(relaxed);
const modules = await compileTrainKernelModules(plain, shared, relaxed);
const pool = await KernelThreadPool.start(modules.shared!, 2, spawnNodeHelper);
// The registrations below replace one another; the pool outlives them.
const kept = Object.create(pool, { dispose: { value: () => undefined } }) as KernelThreadPool;
const calls = CASES.flatMap(callsOf);
// A call with almost no work: tfjs's dispatch and our kernel's fixed cost.
const [empty] = callsOf({ x: [1, 1, 1], k: 1, stride: 1, out: 1 });
const emptyTimes: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  registerWasmTrainingKernels(modules);
  emptyTimes.push(timeCalls(empty));
  for (const call of calls) call.one.push(timeCalls(call));
  registerWasmTrainingKernels(modules, { threadPool: kept, minMacsToSplit: 0 });
  for (const call of calls) call.two.push(timeCalls(call));
}
pool.dispose();

const dispatch = min(emptyTimes);
console.log(
  `${relaxed ? 'relaxed' : 'plain'} SIMD, batch ${BATCH}, ${ROUNDS} rounds × ${CALLS} calls, ` +
    `minimum µs per call; a call with no work: ${dispatch.toFixed(0)} µs`,
);
console.log(
  'shape'.padEnd(26) +
    'job'.padEnd(24) +
    'MMACs'.padStart(8) +
    'copy KB'.padStart(9) +
    '1t µs'.padStart(9) +
    '2t µs'.padStart(9) +
    '2t/1t'.padStart(7),
);
for (const c of calls) {
  const [one, two] = [min(c.one), min(c.two)];
  console.log(
    c.label.padEnd(26) +
      c.job.padEnd(24) +
      (c.macs / 1e6).toFixed(2).padStart(8) +
      (c.copyBytes / 1024).toFixed(0).padStart(9) +
      one.toFixed(0).padStart(9) +
      two.toFixed(0).padStart(9) +
      (two / one).toFixed(2).padStart(7),
  );
}

// One thread: multiply-adds per µs of each export (the median over its shapes).
const jobs = [...new Set(calls.map((c) => c.job))];
const rate = new Map(
  jobs.map((job) => [
    job,
    median(
      calls.filter((c) => c.job === job).map((c) => c.macs / Math.max(1, min(c.one) - dispatch)),
    ),
  ]),
);
console.log('\nmultiply-adds per µs on one thread:');
for (const [job, r] of rate) console.log(`  ${job.padEnd(24)} ${r.toFixed(0)}`);

/** Calls a rule decides wrongly, and the µs it loses on them. */
function judge(splits: (c: Call) => boolean): { wrong: Call[]; lost: number } {
  const wrong = calls.filter((c) => splits(c) !== min(c.two) < min(c.one));
  return { wrong, lost: wrong.reduce((a, c) => a + Math.abs(min(c.two) - min(c.one)), 0) };
}
// The split rule: half the one-thread time (macs / rate) > copied bytes / B + F. The (B, F)
// on a grid that loses least over the measured calls.
const rule = (bytesPerUs: number, fixedUs: number) => (c: Call) =>
  c.macs / rate.get(c.job)! / 2 > c.copyBytes / bytesPerUs + fixedUs;
let best = { bytesPerUs: 0, fixedUs: 0, ...judge(() => false) };
for (const bytesPerUs of [1000, 1500, 2000, 2500, 3000, 3500, 4000, 5000, 6000, 8000]) {
  for (const fixedUs of [0, 10, 20, 30, 50, 100]) {
    const result = judge(rule(bytesPerUs, fixedUs));
    if (result.lost < best.lost) best = { bytesPerUs, fixedUs, ...result };
  }
}
const old = judge((c) => c.macs >= 4e6);
const which =
  best.bytesPerUs === 0
    ? 'never splitting (every split lost: a busy machine?)'
    : `split where macs / rate / 2 > copied bytes / ${(best.bytesPerUs / 1000).toFixed(1)} GB/s + ` +
      `${best.fixedUs} µs`;
console.log(
  `${which}: wrong on ${best.wrong.length} of ${calls.length} calls ` +
    `(${best.lost.toFixed(0)} µs lost in all); splitting every call of ≥ 4·10⁶ multiply-adds: ` +
    `${old.wrong.length} (${old.lost.toFixed(0)} µs)`,
);
for (const c of best.wrong) {
  console.log(
    `  wrong: ${c.label} ${c.job}, measured 2t/1t ${(min(c.two) / min(c.one)).toFixed(2)}`,
  );
}
