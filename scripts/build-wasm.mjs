// Compiles the AssemblyScript training kernels (src/train/wasm/assembly) to WebAssembly with
// 128-bit SIMD. Four binaries, one source:
//   train-kernels.wasm         imports a plain memory (tfjs-backend-wasm's heap, or the glue's own)
//   train-kernels-shared.wasm  imports a shared memory (tfjs's threaded build, served with COOP/COEP)
//   train-kernels-relaxed.wasm, train-kernels-relaxed-shared.wasm: the same with relaxed SIMD
// Output goes to src/train/wasm/build/ (ignored by git; rebuilt by `npm run build:wasm`).
import { spawnSync } from 'node:child_process';
import { mkdirSync, renameSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'src/train/wasm/assembly/index.ts');
const outDir = join(root, 'src/train/wasm/build');
// The package's own CLI file (what node_modules/.bin/asc links to), run with this Node so the
// script also works where .bin shims are .cmd files.
const asc = join(
  dirname(createRequire(import.meta.url).resolve('assemblyscript/package.json')),
  'bin/asc.js',
);

const common = [
  entry,
  '--enable',
  'simd',
  '-O3',
  '--noAssert',
  // No allocator, no GC, no static data: the module never writes memory it was not handed,
  // which is what makes importing tfjs's heap safe.
  '--runtime',
  'stub',
  '--use',
  'abort=',
  '--importMemory',
  // AS112 warns that v128 values cannot cross into JavaScript; none do (madd in memory.ts is
  // shared between the kernel files, not exported by the module).
  '--disableWarning',
  '112',
];

// tfjs's threaded build creates its heap with maximum 4 GiB (65536 pages), shared.
const shared = ['--enable', 'threads', '--sharedMemory', '--maximumMemory', '65536'];
// Relaxed SIMD: fused multiply-adds in the GEMM and convolution loops (madd in memory.ts), for
// browsers that have it (feature-detected by the loaders; the plain builds are the fallback).
const relaxed = ['--enable', 'relaxed-simd'];
const targets = [
  { file: 'train-kernels.wasm', flags: [] },
  { file: 'train-kernels-shared.wasm', flags: shared },
  { file: 'train-kernels-relaxed.wasm', flags: relaxed },
  { file: 'train-kernels-relaxed-shared.wasm', flags: [...relaxed, ...shared] },
];

mkdirSync(outDir, { recursive: true });
for (const target of targets) {
  const out = join(outDir, target.file);
  // Write beside and rename, so that a concurrent reader (parallel test files) never sees half a file.
  const partial = `${out}.${process.pid}.partial`;
  const started = Date.now();
  const result = spawnSync(
    process.execPath,
    [asc, ...common, ...target.flags, '--outFile', partial],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  if (result.status !== 0) {
    console.error(`build-wasm: asc failed for ${target.file} (exit ${result.status})`);
    process.exit(result.status ?? 1);
  }
  renameSync(partial, out);
  const { size } = statSync(out);
  console.log(`build-wasm: ${relative(root, out)} (${size} bytes, ${Date.now() - started} ms)`);
}
