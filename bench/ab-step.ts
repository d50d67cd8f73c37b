// A/B of training-kernel variants on one network in one Node process: the studio's plain training
// step (as bench/profile-step.ts) under each variant in turn, in interleaved rounds, so that load
// from other jobs on the machine hits every variant alike.
//   node --experimental-wasm-relaxed-simd --import tsx bench/ab-step.ts [network] [batch]
//     [--variants "1t;2t min=4e6 inplace=0;2t"] [--rounds N] [--steps N] [--build-b DIR]
// A variant is a list of settings: `Nt` (kernel threads), `min=M` (minMacsToSplit), `inplace=0`
// (every part of a split call copied, as before), `copy` (copy mode), `b` (the binaries in
// --build-b, e.g. an earlier build of the kernels), `no=KERNEL` (that kernel unregistered, e.g.
// `no=PsMovingAverages`: the code falls back to tfjs ops where it checks for a fused kernel). Prints the median and minimum ms per step
// of each variant and each one's ratio to the first. Console only.
import { readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs';
import { KernelThreadPool } from '../src/train/wasm/kernelThreads';
import {
  readTrainKernelBinaries,
  spawnNodeHelper,
} from '../src/train/wasm/loadTrainingKernelsNode';
import {
  compileTrainKernelModules,
  registerWasmTrainingKernels,
  relaxedSimdSupported,
  type RegisterTrainingKernelsOptions,
} from '../src/train/wasm/registerTrainingKernels';
import { stepTrainer } from './backends';
import { useBackend } from './node-env';
import { median } from './stats';

const argv = process.argv.slice(2);
const VALUED = ['--variants', '--rounds', '--steps', '--build-b'];
const value = (name: string) => {
  const at = argv.indexOf(name);
  return at >= 0 ? argv[at + 1] : undefined;
};
const args = argv.filter((a, i) => !a.startsWith('--') && !VALUED.includes(argv[i - 1]));
const net = args[0] ?? 'net-A';
const batch = Number(args[1] ?? 32);
const rounds = Number(value('--rounds') ?? 6);
const steps = Number(value('--steps') ?? 4);
const buildB = value('--build-b');
const variants = (value('--variants') ?? '1t;2t').split(';').map((v) => v.trim());

const problem = await useBackend('wasm');
if (problem) throw new Error(problem);
const relaxed = relaxedSimdSupported();
const compile = async (dir?: string) => {
  if (!dir) {
    const { plain, shared } = await readTrainKernelBinaries(relaxed);
    return compileTrainKernelModules(plain, shared, relaxed);
  }
  const suffix = relaxed ? '-relaxed' : '';
  const read = async (name: string) =>
    new Uint8Array(await readFile(`${dir}/train-kernels${name}.wasm`)).buffer;
  return compileTrainKernelModules(await read(suffix), await read(`${suffix}-shared`), relaxed);
};
const modules = { a: await compile(), b: buildB ? await compile(buildB) : undefined };
const pools = new Map<string, KernelThreadPool>();

interface Variant {
  name: string;
  modules: 'a' | 'b';
  threads: number;
  options: RegisterTrainingKernelsOptions;
  without: string[];
  times: number[];
}

const parsed: Variant[] = variants.map((name) => {
  const v: Variant = { name, modules: 'a', threads: 1, options: {}, without: [], times: [] };
  for (const token of name.split(/\s+/)) {
    if (/^\d+t$/.test(token)) v.threads = Number(token.slice(0, -1));
    else if (token.startsWith('min=')) v.options.minMacsToSplit = Number(token.slice(4));
    else if (token === 'inplace=0') v.options.splitInPlace = false;
    else if (token === 'copy') v.options.memory = 'copy';
    else if (token === 'b') v.modules = 'b';
    else if (token.startsWith('no=')) v.without.push(token.slice(3));
    else throw new Error(`unknown variant setting ${token}`);
  }
  if (v.modules === 'b' && !modules.b) throw new Error('variant b needs --build-b');
  return v;
});

for (const v of parsed) {
  const key = `${v.modules} ${v.threads}`;
  if (v.threads > 1 && !pools.has(key)) {
    const pool = await KernelThreadPool.start(
      modules[v.modules]!.shared!,
      v.threads,
      spawnNodeHelper,
    );
    pools.set(key, pool);
  }
}
const kept = (key: string) => {
  const pool = pools.get(key);
  // Registrations replace one another (disposing their pool); these pools outlive them.
  return pool && (Object.create(pool, { dispose: { value: () => undefined } }) as KernelThreadPool);
};

const { trainer } = stepTrainer(net, batch);

for (let round = 0; round < rounds; round++) {
  for (const v of parsed) {
    registerWasmTrainingKernels(modules[v.modules]!, {
      ...v.options,
      threadPool: v.threads > 1 ? kept(`${v.modules} ${v.threads}`) : undefined,
    });
    // Taken out for this variant and put back after it (the next registration removes them).
    const removed = v.without.map((kernel) => tf.getKernel(kernel, 'wasm')!);
    for (const kernel of v.without) tf.unregisterKernel(kernel, 'wasm');
    await trainer.trainStep(); // warm-up under this variant
    for (let i = 0; i < steps; i++) {
      const began = performance.now();
      await trainer.trainStep();
      v.times.push(performance.now() - began);
    }
    removed.forEach((config) => tf.registerKernel(config));
  }
}
trainer.dispose();
pools.forEach((p) => p.dispose());

const base = median(parsed[0].times);
console.log(
  `${net}, batch ${batch}, ${relaxed ? 'relaxed' : 'plain'} SIMD, ${rounds} rounds × ${steps} steps`,
);
for (const v of parsed) {
  const m = median(v.times);
  console.log(
    `${v.name.padEnd(28)} median ${m.toFixed(1).padStart(7)} ms  min ${Math.min(...v.times)
      .toFixed(1)
      .padStart(7)} ms  ${(m / base).toFixed(3)}× the first`,
  );
}
