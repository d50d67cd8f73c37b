/** Node-side setup for the benchmark: machine description, tfjs backends, the MNIST asset. */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { Dataset } from '../src/data/dataset';
import { parseMnistAsset } from '../src/data/mnist';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MNIST_ASSET = fileURLToPath(new URL('../public/data/mnist.bin', import.meta.url));
const WASM_KERNELS = fileURLToPath(
  new URL('../src/train/wasm/build/train-kernels.wasm', import.meta.url),
);

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  os: string;
  tfjs: string;
  loadAverage: string;
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    os: `${platform()} ${release()}`,
    tfjs: tf.version.tfjs,
    loadAverage: loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
  };
}

export function describeMachine(m: MachineInfo): string {
  return (
    `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}, tfjs ${m.tfjs}` +
    ` (load average at start ${m.loadAverage}; the machine is shared, timings are noisy)`
  );
}

/** Runs one of scripts/ (a .ts one through tsx). */
function runScript(script: string): void {
  const args = script.endsWith('.ts') ? ['--import', 'tsx', script] : [script];
  const result = spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`node ${script} failed (exit ${result.status})`);
}

/** The built-in MNIST set; prepares the asset first on a clean checkout. */
export function loadMnist(): Dataset {
  if (!existsSync(MNIST_ASSET)) runScript('scripts/prepare-mnist.ts');
  const buf = readFileSync(MNIST_ASSET);
  return parseMnistAsset(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

export type NodeBackend = 'cpu' | 'wasm';

let wasmState: Promise<string | undefined> | undefined;

/**
 * Sets up tfjs's wasm backend with the project's SIMD training kernels (src/train/wasm), building
 * them first if the binaries are missing. Resolves to why it is unavailable, or undefined.
 */
function prepareWasm(): Promise<string | undefined> {
  wasmState ??= (async () => {
    try {
      if (!existsSync(WASM_KERNELS) && existsSync(`${ROOT}/scripts/build-wasm.mjs`)) {
        runScript('scripts/build-wasm.mjs');
      }
      if (!(await tf.setBackend('wasm'))) return 'tfjs could not initialise the wasm backend';
      // Imported lazily: the module is another engineer's work in progress, and the benchmark's
      // cpu rows must not depend on it.
      const { installWasmTrainingKernelsFromDisk } =
        await import('../src/train/wasm/loadTrainingKernelsNode');
      await installWasmTrainingKernelsFromDisk();
      return undefined;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  })();
  return wasmState;
}

/** Activates a backend; resolves to why it cannot be used, or undefined. */
export async function useBackend(name: NodeBackend): Promise<string | undefined> {
  if (name === 'wasm') {
    const problem = await prepareWasm();
    if (problem) return problem;
  }
  if (!(await tf.setBackend(name))) return `tfjs could not initialise the ${name} backend`;
  await tf.ready();
  return undefined;
}

export function backendLabel(name: string): string {
  return name === 'wasm' ? 'wasm + SIMD training kernels (Node)' : `${name} (Node)`;
}
