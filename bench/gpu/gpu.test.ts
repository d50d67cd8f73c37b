// bench/gpu's checks and table, on fabricated inputs: what the GPU run refuses, and what it writes.
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MODEL_ZOO } from '../../src/core/zoo';
import type { StepTimingResult } from '../backends';
import { machineInfo, ROOT } from '../node-env';
import {
  NEEDED_MODULES,
  checkPrerequisites,
  gpuMarkdown,
  gpuSettings,
  isSoftwareAdapter,
} from './gpu-report';

/** A stand-in python3 that prints what `probeTorch` asks for. */
function fakePython(cuda: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), 'bench-gpu-python-'));
  const file = join(dir, 'python3');
  const json = JSON.stringify({
    torch: '2.4.0',
    cuda,
    cudaVersion: cuda ? '12.1' : null,
    device: cuda ? 'Test GPU' : '',
  });
  writeFileSync(file, `#!/bin/sh\necho '${json}'\n`);
  chmodSync(file, 0o755);
  return file;
}

/** A fake checkout: node_modules with the needed packages (or not) and built kernels (or not). */
function fakeRoot(withModules: boolean, withKernels: boolean): string {
  const root = mkdtempSync(join(tmpdir(), 'bench-gpu-root-'));
  if (withModules)
    for (const m of NEEDED_MODULES) mkdirSync(join(root, 'node_modules', m), { recursive: true });
  if (withKernels) {
    mkdirSync(join(root, 'src/train/wasm/build'), { recursive: true });
    writeFileSync(join(root, 'src/train/wasm/build/train-kernels.wasm'), '');
  }
  return root;
}

const icdDir = (...names: string[]) => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-gpu-icd-'));
  for (const n of names) writeFileSync(join(dir, n), '{}');
  return [dir];
};

describe('bench/gpu prerequisites', () => {
  const chromium = process.execPath; // any executable file will do for the check

  it('passes when everything is there (GPU mode, CUDA torch, a GPU ICD)', () => {
    const result = checkPrerequisites({
      root: fakeRoot(true, true),
      chromium,
      python: fakePython(true),
      mode: 'gpu',
      icdDirs: icdDir('nvidia_icd.json'),
    });
    expect(result).toEqual({ problems: [], warnings: [] });
  });

  it('names each missing piece and what to do about it', () => {
    const { problems } = checkPrerequisites({
      root: fakeRoot(false, false),
      chromium: '/nonexistent/chromium',
      python: undefined,
      mode: 'gpu',
      icdDirs: icdDir('nvidia_icd.json'),
    });
    expect(problems).toHaveLength(4);
    expect(problems[0]).toMatch(/node_modules lacks vite, playwright-core, tsx.*npm ci/);
    expect(problems[1]).toMatch(/npm run build:wasm/);
    expect(problems[2]).toMatch(/no Chromium at \/nonexistent\/chromium.*PS_CHROMIUM/);
    expect(problems[3]).toMatch(/no python3 that can `import torch`.*CUDA build of PyTorch/);
  });

  it('refuses a torch without CUDA in GPU mode, accepts it for the CPU check', () => {
    const python = fakePython(false);
    const root = fakeRoot(true, true);
    const gpu = checkPrerequisites({ root, chromium, python, mode: 'gpu', icdDirs: icdDir() });
    expect(gpu.problems).toEqual([
      expect.stringMatching(
        /torch 2\.4\.0 without a usable CUDA device \(torch\.version\.cuda=None\)/,
      ),
    ]);
    const check = checkPrerequisites({ root, chromium, python, mode: 'cpu-check', icdDirs: [] });
    expect(check).toEqual({ problems: [], warnings: [] });
  });

  it('warns when Vulkan has only software drivers', () => {
    const { warnings } = checkPrerequisites({
      root: fakeRoot(true, true),
      chromium,
      python: fakePython(true),
      mode: 'gpu',
      icdDirs: icdDir('lvp_icd.x86_64.json'),
    });
    expect(warnings).toEqual([expect.stringMatching(/no Vulkan driver manifest.*only lvp_icd/)]);
  });

  it('finds this checkout complete for the CPU check (node_modules, built kernels)', () => {
    const { problems } = checkPrerequisites({
      root: ROOT,
      chromium,
      python: fakePython(false),
      mode: 'cpu-check',
    });
    expect(problems).toEqual([]);
  });
});

describe('bench/gpu settings and adapters', () => {
  it('runs nets A, B and the whole zoo on the GPU, net-A only in the CPU check', () => {
    const gpu = gpuSettings('gpu');
    expect(gpu.browser.nets.map((n) => n.net)).toEqual([
      'net-A',
      'net-B',
      ...MODEL_ZOO.map((m) => m.id),
    ]);
    expect(gpu.browser).toEqual(gpu.pytorch);
    expect(gpuSettings('gpu', ['resnet8']).browser.nets).toEqual([{ net: 'resnet8', batch: 32 }]);
    const check = gpuSettings('cpu-check');
    expect(check.browser.nets).toEqual([{ net: 'net-A', batch: 8 }]);
    expect(check.browser.steps).toBeLessThanOrEqual(2);
  });

  it('tells software rasterisers from GPUs', () => {
    expect(isSoftwareAdapter('google swiftshader')).toBe(true);
    expect(isSoftwareAdapter('ANGLE (Mesa, llvmpipe (LLVM 15.0.6, 256 bits))')).toBe(true);
    expect(isSoftwareAdapter('nvidia hopper NVIDIA H200')).toBe(false);
  });
});

describe('bench/gpu table', () => {
  const row = (net: string, batch: number, ms: number): StepTimingResult => ({
    net,
    input: '28×28×1',
    batch,
    macs: 1.47e6,
    warmupSteps: 5,
    steps: 20,
    stepMs: ms,
    minMs: ms,
  });
  const runs = [
    {
      backend: 'webgpu' as const,
      where: 'nvidia hopper',
      results: [row('net-A', 32, 8), row('net-B', 64, 12)],
    },
  ];
  const pytorch = {
    requestedThreads: 1,
    torch: '2.4.0',
    device: 'cuda NVIDIA H200',
    results: [row('net-A', 32, 2), row('net-B', 64, 3)],
  };

  it('has the webgpu and PyTorch CUDA columns and their per-sample ratios', () => {
    const md = gpuMarkdown('gpu', runs, pytorch, machineInfo(), 'bench/gpu/run.sh', 1);
    expect(md).toMatch(/^# Training on a real GPU/);
    expect(md).toContain(
      '| network | input | MMACs / sample | webgpu ms/step | PyTorch CUDA ms/step | webgpu / PyTorch CUDA |',
    );
    expect(md).toContain(
      '| net-A | 28×28×1 | 1.47 | 8.0 (b 32, 5+20) | 2.0 (b 32, 5+20) | **4.0×** |',
    );
    expect(md).toContain('geometric mean over 2 network(s): 4.00×');
    expect(md).toContain('- PyTorch CUDA: PyTorch 2.4.0');
  });

  it('labels the CPU check as such', () => {
    const md = gpuMarkdown('cpu-check', runs, pytorch, machineInfo(), 'x', 1);
    expect(md).toMatch(/^# CPU CHECK of bench\/gpu \(not GPU numbers\)/);
    expect(md).toContain('PyTorch CPU ms/step');
  });
});
