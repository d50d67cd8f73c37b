// Where one training step's time goes on the wasm backend (Node): kernel calls per kernel name
// and their summed time (tf.profile), after a few warm-up steps, for the studio's trainer.
//   npx tsx bench/profile-step.ts [network] [batch] [--prune] [--width W] [--threads N]
//     [--min-macs M] [--copy]
// --threads: kernel threads (helpers on a shared memory); --min-macs: the split threshold
// (minMacsToSplit); --copy: copy mode instead of tfjs's heap.
// network: net-A, net-B (bench/backends.ts) or a zoo model id; default net-A, batch 32.
// Prints to the console only (no results file): a tool for finding the next kernel to fuse.
import * as tf from '@tensorflow/tfjs';
import { stepTrainer } from './backends';
import { useBackend } from './node-env';
import { median } from './stats';

const argv = process.argv.slice(2);
const VALUED = ['--width', '--threads', '--min-macs'];
const flag = (name: string): number | undefined => {
  const at = argv.indexOf(name);
  return at >= 0 ? Number(argv[at + 1]) : undefined;
};
const width = flag('--width') ?? 1;
const threads = flag('--threads') ?? 1;
const minMacsToSplit = flag('--min-macs');
const args = argv.filter((a, i) => !a.startsWith('--') && !VALUED.includes(argv[i - 1]));
const net = args[0] ?? 'net-A';
const batch = Number(args[1] ?? 32);
const problem = await useBackend('wasm');
if (problem) throw new Error(problem);
const { installWasmTrainingKernelsFromDisk } =
  await import('../src/train/wasm/loadTrainingKernelsNode');
const kernels = await installWasmTrainingKernelsFromDisk({
  threads,
  minMacsToSplit,
  memory: argv.includes('--copy') ? 'copy' : 'auto',
});
const { trainer } = stepTrainer(net, batch, { width, pruning: argv.includes('--prune') });
for (let i = 0; i < 5; i++) await trainer.trainStep();
const times: number[] = [];
for (let i = 0; i < 15; i++) {
  const began = performance.now();
  await trainer.trainStep();
  times.push(performance.now() - began);
}
console.log(
  `${net}, batch ${batch}, ${kernels.threads} thread(s), ${kernels.simd} SIMD, ` +
    `${kernels.heapMode()}: ${median(times).toFixed(1)} ms/step ` +
    `(min ${Math.min(...times).toFixed(1)}), ${kernels.splitCalls()} split calls so far`,
);
const profile = await tf.profile(async () => {
  await trainer.trainStep();
});
const byName = new Map<string, { calls: number; ms: number }>();
let total = 0;
for (const k of profile.kernels) {
  const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
  total += ms;
  const entry = byName.get(k.name) ?? { calls: 0, ms: 0 };
  entry.calls++;
  entry.ms += ms;
  byName.set(k.name, entry);
}
console.log(`${profile.kernels.length} kernel calls, ${total.toFixed(1)} ms in kernels`);
for (const [name, e] of [...byName].sort((a, b) => b[1].ms - a[1].ms)) {
  console.log(`${name.padEnd(40)} ${String(e.calls).padStart(5)} ${e.ms.toFixed(2).padStart(9)}`);
}
trainer.dispose();
kernels.unregister();
