/**
 * bench/gpu: tfjs-webgpu training of nets A, B and the zoo in headless Chromium on a real GPU
 * (Vulkan) against PyTorch CUDA on the same GPU; writes bench/results/gpu.md. Start it with
 * bench/gpu/run.sh (see bench/gpu/README.md):
 *
 *   bench/gpu/run.sh                    the GPU run → bench/results/gpu.md (+ gpu-runs.json)
 *   bench/gpu/run.sh --cpu-check        the same path on the CPU (SwiftShader, torch CPU, net-A,
 *                                       1+2 steps) → bench/results/quick/gpu-cpu-check.md
 *   bench/gpu/run.sh --nets net-A,resnet8 --backends webgpu,webgl --steps 2+5 --out /tmp/gpu.md
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { findTorchPython, runPytorch, type BrowserStepRun } from '../backends-report';
import { CHROMIUM, runInBrowser } from '../browser';
import { describeMachine, machineInfo, ROOT } from '../node-env';
import type { BrowserBackend, PageJob } from '../pages/protocol';
import {
  checkPrerequisites,
  GPU_CHROMIUM_FLAGS,
  gpuMarkdown,
  gpuSettings,
  isSoftwareAdapter,
  type GpuMode,
} from './gpu-report';

const args = process.argv.slice(2);
const value = (name: string): string | undefined => {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (!v || v.startsWith('--')) fail(`${name} needs a value`, 2);
  return v;
};
const KNOWN = ['--cpu-check', '--nets', '--backends', '--steps', '--out', '--help'];

function fail(message: string, code: number): never {
  console.error(`bench/gpu: ${message}`);
  process.exit(code);
}

async function main(): Promise<void> {
  if (args.includes('--help')) {
    console.log(
      'usage: bench/gpu/run.sh [--cpu-check] [--nets id,…] [--backends webgpu,webgl] [--steps W+T] [--out file]',
    );
    return;
  }
  const unknown = args.filter((a) => a.startsWith('--') && !KNOWN.includes(a));
  if (unknown.length) fail(`unknown option ${unknown.join(', ')} (known: ${KNOWN.join(' ')})`, 2);
  const mode: GpuMode = args.includes('--cpu-check') ? 'cpu-check' : 'gpu';
  const backends = (value('--backends') ?? 'webgpu').split(',') as BrowserBackend[];
  const badBackend = backends.filter((b) => b !== 'webgpu' && b !== 'webgl');
  if (badBackend.length) fail(`--backends: ${badBackend.join(', ')}; known: webgpu, webgl`, 2);
  const settings = gpuSettings(mode, value('--nets')?.split(','));
  if (settings.browser.nets.length === 0) fail(`--nets ${value('--nets')}: no known network`, 2);
  const steps = value('--steps');
  if (steps) {
    const match = /^(\d+)\+(\d+)$/.exec(steps);
    if (!match || Number(match[2]) < 1)
      fail(`--steps ${steps}: write warm-up + timed steps, e.g. 2+5`, 2);
    for (const config of [settings.browser, settings.pytorch]) {
      config.warmupSteps = Number(match[1]);
      config.steps = Number(match[2]);
    }
  }
  const out = resolve(
    value('--out') ??
      join(ROOT, 'bench/results', mode === 'gpu' ? 'gpu.md' : 'quick/gpu-cpu-check.md'),
  );

  const python = findTorchPython();
  const { problems, warnings } = checkPrerequisites({
    root: ROOT,
    chromium: CHROMIUM,
    python,
    mode,
  });
  for (const w of warnings) console.warn(`bench/gpu: warning: ${w}`);
  if (problems.length)
    fail(`cannot run (${mode}):\n${problems.map((p) => `  - ${p}`).join('\n')}`, 2);

  const machine = machineInfo();
  const log = (line: string) => console.log(line);
  log(`bench/gpu (${mode}): ${settings.browser.nets.map((n) => n.net).join(', ')}`);
  log(`Machine: ${describeMachine(machine)}`);
  const flags =
    mode === 'gpu'
      ? (process.env.PS_GPU_CHROMIUM_FLAGS?.split(/\s+/).filter(Boolean) ?? GPU_CHROMIUM_FLAGS)
      : [];
  if (flags.length) log(`Chromium flags: ${flags.join(' ')}`);
  const began = performance.now();
  const jobs: PageJob[] = backends.map((backend) => ({
    backend,
    overhead: [],
    steps: settings.browser,
    requireGpu: mode === 'gpu',
  }));
  const { version, results } = await runInBrowser(jobs, log, 20 * 60_000, { extraFlags: flags });
  const runs: BrowserStepRun[] = results.map((r) => ({
    backend: r.backend,
    where: `Chromium ${version}, ${r.device || 'device not reported'}`,
    results: r.steps ?? [],
    skipped: r.skipped ?? r.error,
  }));
  if (mode === 'gpu') {
    const soft = results.filter((r) => !r.skipped && !r.error && isSoftwareAdapter(r.device));
    const down = results.filter((r) => r.skipped || r.error);
    if (soft.length || down.length)
      fail(
        'Chromium did not train on a GPU, so gpu.md is not written:\n' +
          [
            ...soft.map((r) => `  - ${r.backend} ran on ${r.device} (software)`),
            ...down.map((r) => `  - ${r.backend}: ${r.skipped ?? r.error}`),
          ].join('\n') +
          '\n  Check `vulkaninfo --summary` lists the GPU, that VK_ICD_FILENAMES points at its ' +
          'driver manifest, and try other flags with PS_GPU_CHROMIUM_FLAGS (see bench/gpu/README.md).',
        3,
      );
  }

  log(`PyTorch (${mode === 'gpu' ? 'cuda' : 'cpu'})`);
  const pytorch = runPytorch(settings.pytorch, {
    device: mode === 'gpu' ? 'cuda' : 'cpu',
    threads: 1,
    python,
    timeoutMs: 20 * 60_000,
  });
  for (const r of pytorch.results)
    log(`  PyTorch ${r.net} batch ${r.batch}: ${r.error ?? `${r.stepMs.toFixed(1)} ms/step`}`);
  if (pytorch.skipped) fail(`PyTorch: ${pytorch.skipped}`, 4);

  const minutes = (performance.now() - began) / 60_000;
  const command = `bench/gpu/run.sh${args.length ? ` ${args.join(' ')}` : ''}`;
  const markdown = gpuMarkdown(mode, runs, pytorch, machine, command, minutes);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, markdown);
  writeFileSync(
    out.replace(/\.md$/, '') + '-runs.json',
    JSON.stringify({ mode, machine, settings, flags, browser: runs, pytorch }, null, 1),
  );
  console.log(`\n${markdown}\nwritten to ${out}`);

  const failed = [
    ...runs.flatMap((r) =>
      r.skipped
        ? [`${r.backend}: ${r.skipped}`]
        : r.results.filter((x) => x.error).map((x) => `${r.backend} ${x.net}: ${x.error}`),
    ),
    ...pytorch.results.filter((x) => x.error).map((x) => `PyTorch ${x.net}: ${x.error}`),
  ];
  if (failed.length) fail(`some measurements failed:\n  - ${failed.join('\n  - ')}`, 1);
  log(mode === 'cpu-check' ? 'cpu check passed: the GPU run is ready.' : 'done.');
}

main().catch((error: unknown) => {
  fail(error instanceof Error ? (error.stack ?? error.message) : String(error), 1);
});
