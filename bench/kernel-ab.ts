// One-thread A/B of the convolution kernels between two builds of the training kernels, in one
// Node process: each call timed under build A, then build B, alternately, many times; the
// minimum per call of each (the least disturbed by other jobs on the machine).
//   node --experimental-wasm-relaxed-simd --import tsx bench/kernel-ab.ts --build-a DIR
//     [--build-b DIR] [--rounds N]
// DIR holds train-kernels*.wasm (e.g. a copy of src/train/wasm/build/ before a change); B
// defaults to src/train/wasm/build/. Shapes: vgg-cifar's and resnet8's 3×3 layers at batch 32.
import { readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import {
  compileTrainKernelModules,
  registerWasmTrainingKernels,
  relaxedSimdSupported,
} from '../src/train/wasm/registerTrainingKernels';

const argv = process.argv.slice(2);
const value = (name: string) => {
  const at = argv.indexOf(name);
  return at >= 0 ? argv[at + 1] : undefined;
};
const dirA = value('--build-a');
if (!dirA) throw new Error('--build-a DIR is required');
const dirB = value('--build-b') ?? new URL('../src/train/wasm/build', import.meta.url).pathname;
const rounds = Number(value('--rounds') ?? 15);
const relaxed = relaxedSimdSupported();

async function compile(dir: string) {
  const suffix = relaxed ? '-relaxed' : '';
  const read = async (name: string) =>
    new Uint8Array(await readFile(`${dir}/train-kernels${name}.wasm`)).buffer;
  return compileTrainKernelModules(await read(suffix), await read(`${suffix}-shared`), relaxed);
}

await tf.setBackend('wasm');
await tf.ready();
const builds = [await compile(dirA), await compile(dirB)];
const BATCH = 32;
const shapes: [number, number, number, number][] = [
  [32, 32, 3, 32],
  [32, 32, 32, 32],
  [16, 16, 64, 64],
  [8, 8, 128, 128],
  [32, 32, 16, 16],
  [16, 16, 32, 32],
];
const calls = shapes.flatMap(([h, w, ci, co]) => {
  const x = tf.randomNormal([BATCH, h, w, ci]);
  const dy = tf.randomNormal([BATCH, h, w, co]);
  const filter = tf.randomNormal([3, 3, ci, co]);
  const common = { strides: 1, pad: 'same', dilations: 1, dataFormat: 'NHWC' };
  const label = `${h}×${w}×${ci}→${co}`;
  const run = (kernel: string, inputs: tf.NamedTensorMap, attrs: object) => () =>
    (tf.engine().runKernel(kernel, inputs, attrs as tf.NamedAttrMap) as tf.Tensor).dispose();
  return [
    { label, kernel: 'Conv2D', run: run('Conv2D', { x, filter }, common) },
    {
      label,
      kernel: 'Conv2DBackpropFilter',
      run: run('Conv2DBackpropFilter', { x, dy }, { ...common, filterShape: [3, 3, ci, co] }),
    },
    {
      label,
      kernel: 'Conv2DBackpropInput',
      run: run('Conv2DBackpropInput', { dy, filter }, { ...common, inputShape: [BATCH, h, w, ci] }),
    },
  ].map((c) => ({ ...c, best: [Infinity, Infinity] }));
});
for (let round = 0; round < rounds; round++) {
  for (let b = 0; b < 2; b++) {
    registerWasmTrainingKernels(builds[b]);
    for (const c of calls) {
      c.run();
      const began = performance.now();
      c.run();
      c.best[b] = Math.min(c.best[b], performance.now() - began);
    }
  }
}
console.log(
  `${relaxed ? 'relaxed' : 'plain'} SIMD, batch ${BATCH}, ${rounds} rounds, min ms per call`,
);
let sums = [0, 0];
for (const c of calls) {
  sums = sums.map((s, b) => s + c.best[b]);
  console.log(
    `${c.label.padEnd(16)} ${c.kernel.padEnd(22)} A ${c.best[0].toFixed(2).padStart(8)}  ` +
      `B ${c.best[1].toFixed(2).padStart(8)}  B/A ${(c.best[1] / c.best[0]).toFixed(3)}`,
  );
}
console.log(
  `all: A ${sums[0].toFixed(1)} ms, B ${sums[1].toFixed(1)} ms, B/A ${(sums[1] / sums[0]).toFixed(3)}`,
);
