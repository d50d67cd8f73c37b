// Training-step benchmark: tfjs 'wasm' backend with our SIMD training kernels vs tfjs 'cpu', in Node.
//   npx tsx bench/wasm-train.ts [--steps N] [--cpu-steps N] [--no-cpu] [--builtins] [--threads N]
//                               [--profile] [--kernels]
// Net A: 28×28×1, conv16 → conv32 s2 → conv32 s2 (3×3 same, no bias, BN, ReLU), GAP, dense 10, batch 32.
// Net B: 32×32×3, conv32 → conv64 s2 → conv64 s2 (same), GAP, dense 10, batch 64.
// One step = forward, backward, Adam update, loss read back. The wasm variants run in --rounds
// interleaved rounds (one warm-up step, then --steps timed steps each), so that load from other
// jobs on the machine hits them alike; the table gives the median (and the minimum) of all timed
// steps. tfjs cpu runs once (--cpu-steps). Writes the table to bench/results/wasm-train.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { installWasmTrainingKernelsFromDisk } from '../src/train/wasm/loadTrainingKernelsNode';

interface NetSpec {
  name: string;
  input: [number, number, number];
  filters: [number, number, number];
  batch: number;
}

const NETS: NetSpec[] = [
  { name: 'A', input: [28, 28, 1], filters: [16, 32, 32], batch: 32 },
  { name: 'B', input: [32, 32, 3], filters: [32, 64, 64], batch: 64 },
];

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const STEPS = option('--steps', 4);
const ROUNDS = option('--rounds', 3);
const CPU_STEPS = option('--cpu-steps', 2);
const RUN_CPU = !args.includes('--no-cpu');
const RUN_BUILTINS = args.includes('--builtins');
const PROFILE = args.includes('--profile');
const KERNELS = args.includes('--kernels');
/** Also time our kernels with this many threads for the backward convolutions (0: skip). */
const THREADS = option('--threads', 0);

function buildNet(spec: NetSpec): tf.LayersModel {
  const m = tf.sequential();
  spec.filters.forEach((filters, i) => {
    m.add(
      tf.layers.conv2d({
        ...(i === 0 ? { inputShape: spec.input } : {}),
        filters,
        kernelSize: 3,
        strides: i === 0 ? 1 : 2,
        padding: 'same',
        useBias: false,
      }),
    );
    m.add(tf.layers.batchNormalization());
    m.add(tf.layers.reLU());
  });
  m.add(tf.layers.globalAveragePooling2d({}));
  m.add(tf.layers.dense({ units: 10 }));
  return m;
}

/** MACs of the three convolutions' forward pass (backward is about twice that). */
function forwardMacs(spec: NetSpec): number {
  let [h, w, c] = spec.input;
  let macs = 0;
  spec.filters.forEach((f, i) => {
    if (i > 0) {
      h = Math.ceil(h / 2);
      w = Math.ceil(w / 2);
    }
    macs += h * w * 9 * c * f;
    c = f;
  });
  return macs * spec.batch;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function timeSteps(spec: NetSpec, steps: number): Promise<number[]> {
  const model = buildNet(spec);
  const [h, w, c] = spec.input;
  const xs = tf.randomNormal([spec.batch, h, w, c], 0, 1, 'float32', 1);
  const labels = tf.oneHot(tf.randomUniform([spec.batch], 0, 10, 'int32', 2), 10);
  const optimizer = tf.train.adam(1e-3);
  const step = () => {
    const loss = optimizer.minimize(
      () => tf.losses.softmaxCrossEntropy(labels, model.apply(xs, { training: true }) as tf.Tensor),
      true,
    )!;
    loss.dataSync();
    loss.dispose();
  };
  step(); // warm-up: weight creation, XNNPACK operator setup, optimizer slots
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    step();
    times.push(performance.now() - t0);
  }
  if (PROFILE) {
    // Median over 3 profiled steps of each kernel's total time ('…__op' records wrap a kernel
    // that is listed too, so they are left out of the sum).
    const runs: Map<string, { ms: number; calls: number }>[] = [];
    for (let r = 0; r < 3; r++) {
      const info = await tf.profile(step);
      const byKernel = new Map<string, { ms: number; calls: number }>();
      for (const k of info.kernels) {
        if (k.name.endsWith('__op')) continue;
        const e = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
        e.ms += Number(k.kernelTimeMs);
        e.calls++;
        byKernel.set(k.name, e);
      }
      runs.push(byKernel);
    }
    const names = [...runs[0].keys()];
    const rows = names.map((name) => {
      const ms = median(runs.map((m) => m.get(name)?.ms ?? 0));
      return { name, ms, calls: runs[0].get(name)!.calls };
    });
    const total = rows.reduce((a, e) => a + e.ms, 0);
    const calls = rows.reduce((a, e) => a + e.calls, 0);
    console.log(
      `  profile net ${spec.name} (${tf.getBackend()}): ${calls} kernel calls, ${total.toFixed(1)} ms in kernels, step ${median(times).toFixed(1)} ms`,
    );
    rows
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 16)
      .forEach((e) =>
        console.log(`    ${e.name.padEnd(36)} ${e.ms.toFixed(2).padStart(8)} ms  ×${e.calls}`),
      );
  }
  optimizer.dispose();
  model.dispose();
  tf.dispose([xs, labels]);
  return times;
}

interface Row {
  net: string;
  wasm: number[];
  threaded?: number[];
  builtins?: number[];
  cpu?: number[];
}

/** Backward-conv shapes of nets A and B: [label, x shape, Co, stride]. */
const CONV_SHAPES: [string, number[], number, number][] = [
  ['A conv1', [32, 28, 28, 1], 16, 1],
  ['A conv2', [32, 28, 28, 16], 32, 2],
  ['A conv3', [32, 14, 14, 32], 32, 2],
  ['B conv1', [64, 32, 32, 3], 32, 1],
  ['B conv2', [64, 32, 32, 32], 64, 2],
  ['B conv3', [64, 16, 16, 64], 64, 2],
];

/** Median ms of one kernel call, on the current backend. */
function timeKernel(
  kernelName: string,
  inputs: tf.NamedTensorMap,
  attrs: object,
  reps = 7,
): number {
  const call = () =>
    (tf.engine().runKernel(kernelName, inputs, attrs as tf.NamedAttrMap) as tf.Tensor).dispose();
  call();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    call();
    times.push(performance.now() - t0);
  }
  return median(times);
}

/** Per-kernel GFLOP/s of the backward convolutions, ours (in place / copy mode) vs tfjs's C++. */
async function kernelTable(): Promise<string[]> {
  const lines = [
    '| conv | x | Co | stride | MFLOP | BackpropFilter ms (GFLOP/s) | BackpropInput ms (GFLOP/s) | BackpropInput, copy mode ms | BackpropInput, tfjs C++ ms |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const [label, xShape, co, stride] of CONV_SHAPES) {
    await tf.setBackend('wasm');
    const filterShape = [3, 3, xShape[3], co] as [number, number, number, number];
    const info = tf.backend_util.computeConv2DInfo(
      xShape as [number, number, number, number],
      filterShape,
      stride,
      1,
      'same',
    );
    const x = tf.randomNormal(xShape);
    const dy = tf.randomNormal(info.outShape);
    const w = tf.randomNormal(filterShape);
    const common = { strides: stride, pad: 'same', dataFormat: 'NHWC' };
    const flop = 2 * info.outShape.reduce((a, b) => a * b, 1) * 9 * xShape[3];
    const filterMs = timeKernel('Conv2DBackpropFilter', { x, dy }, { ...common, filterShape });
    const inputMs = timeKernel(
      'Conv2DBackpropInput',
      { dy, filter: w },
      { ...common, inputShape: xShape },
    );
    await installWasmTrainingKernelsFromDisk({ memory: 'copy' });
    const copyMs = timeKernel(
      'Conv2DBackpropInput',
      { dy, filter: w },
      { ...common, inputShape: xShape },
    );
    await installWasmTrainingKernelsFromDisk({ replaceBuiltins: false });
    const builtinMs = timeKernel(
      'Conv2DBackpropInput',
      { dy, filter: w },
      { ...common, inputShape: xShape },
      3,
    );
    await installWasmTrainingKernelsFromDisk();
    const rate = (ms: number) => `${ms.toFixed(2)} (${(flop / ms / 1e6).toFixed(1)})`;
    lines.push(
      `| ${label} | ${xShape.join('×')} | ${co} | ${stride} | ${(flop / 1e6).toFixed(0)} | ${rate(filterMs)} | ${rate(inputMs)} | ${copyMs.toFixed(2)} | ${builtinMs.toFixed(2)} |`,
    );
    console.log(lines[lines.length - 1]);
    tf.dispose([x, dy, w]);
  }
  return lines;
}

async function main(): Promise<void> {
  await tf.setBackend('wasm');
  const kernels = await installWasmTrainingKernelsFromDisk();
  console.log(
    `wasm training kernels: ${kernels.kernelNames.join(', ')} (heap mode ${kernels.heapMode()})`,
  );
  kernels.unregister();
  type Variant = { key: 'wasm' | 'threaded' | 'builtins'; label: string; options: object };
  const variants: Variant[] = [
    { key: 'wasm', label: 'wasm + our kernels', options: {} },
    ...(THREADS > 1
      ? [
          {
            key: 'threaded',
            label: `same, ${THREADS} threads`,
            options: { threads: THREADS },
          } as Variant,
        ]
      : []),
    ...(RUN_BUILTINS
      ? [
          {
            // tfjs-wasm's kernels and gradients as shipped; ours only where tfjs has none
            key: 'builtins',
            label: 'wasm as shipped + our 3 missing kernels',
            options: { replaceBuiltins: false, replaceGradients: false },
          } as Variant,
        ]
      : []),
  ];
  const rows: Row[] = [];
  for (const spec of NETS) {
    const row: Row = { net: spec.name, wasm: [] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const variant of variants) {
        await tf.setBackend('wasm');
        const registration = await installWasmTrainingKernelsFromDisk(variant.options);
        const times = await timeSteps(spec, STEPS);
        registration.unregister();
        row[variant.key] = [...(row[variant.key] ?? []), ...times];
        console.log(
          `net ${spec.name} round ${round + 1}: ${variant.label} ${median(times).toFixed(1)} ms/step`,
        );
      }
    }
    if (RUN_CPU) {
      await tf.setBackend('cpu');
      row.cpu = await timeSteps(spec, CPU_STEPS);
      console.log(`net ${spec.name}: cpu ${median(row.cpu).toFixed(1)} ms/step`);
    }
    rows.push(row);
  }
  await tf.setBackend('wasm');
  await installWasmTrainingKernelsFromDisk(); // for the kernel table

  const fmt = (v?: number[]) =>
    v === undefined ? '–' : `${median(v).toFixed(1)} (${Math.min(...v).toFixed(1)})`;
  const lines = [
    `# Training step, tfjs wasm backend with SIMD training kernels vs tfjs cpu (Node ${process.version})`,
    '',
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'} (shared with other jobs: timings are noisy).`,
    `ms per step: median (minimum) of ${ROUNDS} interleaved rounds × ${STEPS} steps after a warm-up step; tfjs cpu: median of ${CPU_STEPS} steps. One step = forward, backward, Adam, loss read back.`,
    'Command: `npx tsx bench/wasm-train.ts' + (args.length ? ' ' + args.join(' ') : '') + '`',
    '',
    '| net | batch | forward MMACs | wasm + our kernels (ms/step) |' +
      (THREADS > 1 ? ` same, backward convs on ${THREADS} threads (ms/step) |` : '') +
      (RUN_BUILTINS ? ' wasm as shipped + only the 3 missing kernels (ms/step) |' : '') +
      ' tfjs cpu (ms/step) | cpu / wasm |',
    '|---|---|---|---|' + (THREADS > 1 ? '---|' : '') + (RUN_BUILTINS ? '---|' : '') + '---|---|',
    ...rows.map((r) => {
      const spec = NETS.find((n) => n.name === r.net)!;
      return (
        `| ${r.net} | ${spec.batch} | ${(forwardMacs(spec) / 1e6).toFixed(0)} | ${fmt(r.wasm)} |` +
        (THREADS > 1 ? ` ${fmt(r.threaded)} |` : '') +
        (RUN_BUILTINS ? ` ${fmt(r.builtins)} |` : '') +
        ` ${r.cpu ? median(r.cpu).toFixed(0) : '–'} | ${r.cpu ? (median(r.cpu) / median(r.wasm)).toFixed(0) + '×' : '–'} |`
      );
    }),
    '',
  ];
  if (KERNELS) {
    lines.push(
      '### Backward convolutions alone (3×3 same; FLOP = 2·MACs of the matching forward conv)',
      '',
      ...(await kernelTable()),
      '',
    );
  }
  const table = lines.join('\n');
  console.log('\n' + table);
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/wasm-train.md', import.meta.url), table);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
