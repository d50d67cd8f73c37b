/**
 * bench/gpu: what the GPU run needs (checked before anything starts, with a message per missing
 * piece), its settings, and its table (results/gpu.md). The driver is gpu.ts.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { MODEL_ZOO } from '../../src/core/zoo';
import type { StepNet, StepTimingConfig, StepTimingResult } from '../backends';
import {
  perSampleRatio,
  ratioCell,
  stepCell,
  type BrowserStepRun,
  type PytorchRun,
} from '../backends-report';
import type { MachineInfo } from '../node-env';
import { describeMachine } from '../node-env';
import { fixed, markdownTable } from '../stats';

export { isSoftwareAdapter } from '../pages/protocol';

/** `gpu`: the real run (a GPU, WebGPU on Vulkan, PyTorch CUDA); `cpu-check`: the same path on the CPU. */
export type GpuMode = 'gpu' | 'cpu-check';

/**
 * Chromium flags for WebGPU (and WebGL) on a real GPU through Vulkan, headless. Replace them with
 * PS_GPU_CHROMIUM_FLAGS (space-separated) where a driver wants others.
 */
export const GPU_CHROMIUM_FLAGS = [
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan,VulkanFromANGLE,DefaultANGLEVulkan',
  '--use-angle=vulkan',
  '--ignore-gpu-blocklist',
  '--disable-vulkan-surface',
  '--disable-software-rasterizer',
];

const ZOO = MODEL_ZOO.map((m) => m.id);

export interface GpuSettings {
  browser: StepTimingConfig;
  pytorch: StepTimingConfig;
}

/** Nets A and B at their batches and every zoo model at 32; the check runs net A at batch 8, 1+2 steps. */
export function gpuSettings(mode: GpuMode, only?: readonly string[]): GpuSettings {
  if (mode === 'cpu-check') {
    const nets: StepNet[] = [{ net: 'net-A', batch: 8 }];
    return {
      browser: { nets, warmupSteps: 1, steps: 2 },
      pytorch: { nets, warmupSteps: 1, steps: 2 },
    };
  }
  const all: StepNet[] = [
    { net: 'net-A', batch: 32 },
    { net: 'net-B', batch: 64 },
    ...ZOO.map((net) => ({ net, batch: 32 })),
  ];
  const nets = only ? all.filter((n) => only.includes(n.net)) : all;
  // Shader compilation and cuDNN's first calls are in the warm-up steps.
  return {
    browser: { nets, warmupSteps: 5, steps: 20 },
    pytorch: { nets, warmupSteps: 5, steps: 20 },
  };
}

export interface Prerequisites {
  root: string;
  chromium: string;
  /** The interpreter to probe; undefined: none was found that can import torch. */
  python?: string;
  mode: GpuMode;
  /** Folders holding Vulkan ICD manifests (tests pass their own). */
  icdDirs?: readonly string[];
}

export interface TorchProbe {
  torch?: string;
  cuda?: boolean;
  cudaVersion?: string | null;
  device?: string;
  error?: string;
}

/** Asks `python` which torch it has and whether CUDA works there. */
export function probeTorch(python: string): TorchProbe {
  const script =
    'import json, torch\n' +
    'ok = torch.cuda.is_available()\n' +
    'print(json.dumps({"torch": torch.__version__, "cuda": ok, "cudaVersion": torch.version.cuda,' +
    ' "device": torch.cuda.get_device_name(0) if ok else ""}))';
  const result = spawnSync(python, ['-c', script], { encoding: 'utf8', timeout: 120_000 });
  if (result.status !== 0) {
    const why = (result.stderr || result.error?.message || `exit ${result.status}`).trim();
    return { error: why.split('\n').pop() };
  }
  try {
    return JSON.parse(result.stdout.trim().split('\n').pop()!) as TorchProbe;
  } catch {
    return { error: `unexpected output: ${result.stdout.trim().slice(0, 200)}` };
  }
}

/** The packages a GPU run loads (checkPrerequisites names those missing). */
export const NEEDED_MODULES = [
  'vite',
  'playwright-core',
  'tsx',
  '@tensorflow/tfjs',
  '@tensorflow/tfjs-backend-webgpu',
  '@tensorflow/tfjs-backend-wasm',
];
const DEFAULT_ICD_DIRS = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d'];

/**
 * Everything the run needs that must already be on the machine (it may have no network).
 * `problems` stop the run; `warnings` are printed and the run goes on.
 */
export function checkPrerequisites(p: Prerequisites): { problems: string[]; warnings: string[] } {
  const problems: string[] = [];
  const warnings: string[] = [];
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 19))
    problems.push(`Node ${process.versions.node} is too old: the project needs Node ≥ 20.19.`);
  const missing = NEEDED_MODULES.filter((m) => !existsSync(join(p.root, 'node_modules', m)));
  if (missing.length)
    problems.push(
      `node_modules lacks ${missing.join(', ')}: run \`npm ci\` on a machine with network and copy ` +
        'the checkout with its node_modules (the GPU machine needs no registry after that).',
    );
  const kernels = join(p.root, 'src/train/wasm/build/train-kernels.wasm');
  if (!existsSync(kernels))
    problems.push(
      'the wasm training kernels are not built (src/train/wasm/build/): run `npm run build:wasm` ' +
        '(offline, from node_modules) before this script; the benchmark page bundles them.',
    );
  try {
    accessSync(p.chromium, constants.X_OK);
  } catch {
    problems.push(
      `no Chromium at ${p.chromium}: install one (Debian: apt-get install chromium) or point ` +
        'PS_CHROMIUM at a Chromium / Chrome ≥ 121 (WebGPU on Linux).',
    );
  }
  if (!p.python) {
    problems.push(
      'no python3 that can `import torch` (tried $PS_PYTHON, /usr/bin/python3, python3): ' +
        (p.mode === 'gpu'
          ? 'install a CUDA build of PyTorch (pip wheel with +cu…, or conda), and set PS_PYTHON to its python.'
          : 'install PyTorch (Debian: apt-get install python3-torch libopenblas0-pthread).'),
    );
  } else {
    const probe = probeTorch(p.python);
    if (probe.error) problems.push(`${p.python} cannot import torch: ${probe.error}`);
    else if (p.mode === 'gpu' && !probe.cuda)
      problems.push(
        `${p.python} has torch ${probe.torch} without a usable CUDA device ` +
          `(torch.version.cuda=${probe.cudaVersion ?? 'None'}): install a CUDA build of PyTorch ` +
          'and check `nvidia-smi`; set PS_PYTHON to pick another interpreter.',
      );
  }
  if (p.mode === 'gpu') {
    const icds = (p.icdDirs ?? DEFAULT_ICD_DIRS).flatMap((dir) =>
      existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')) : [],
    );
    if (!icds.some((f) => !/lvp|swiftshader/i.test(f)))
      warnings.push(
        `no Vulkan driver manifest (ICD) for a GPU in ${(p.icdDirs ?? DEFAULT_ICD_DIRS).join(' or ')}` +
          `${icds.length ? ` (only ${icds.join(', ')})` : ''}: Chromium will likely find only ` +
          'SwiftShader and the run will stop. NVIDIA: the driver package ships nvidia_icd.json; ' +
          'VK_ICD_FILENAMES can point at it.',
      );
  }
  return { problems, warnings };
}

export function gpuMarkdown(
  mode: GpuMode,
  runs: BrowserStepRun[],
  pytorch: PytorchRun,
  machine: MachineInfo,
  command: string,
  minutes: number,
): string {
  const backends = runs.map((r) => r.backend);
  const find = (run: BrowserStepRun, net: string) => run.results.find((x) => x.net === net);
  const torch = (net: string) => pytorch.results.find((x) => x.net === net);
  const nets: StepTimingResult[] = [];
  for (const run of runs)
    for (const r of run.results) if (!nets.some((n) => n.net === r.net) && r.input) nets.push(r);
  const torchLabel = mode === 'gpu' ? 'PyTorch CUDA' : 'PyTorch CPU';
  const rows = nets.map((n) => [
    n.net,
    n.input,
    fixed(n.macs / 1e6, 2),
    ...runs.map((run) => (run.skipped ? `not run: ${run.skipped}` : stepCell(find(run, n.net)))),
    pytorch.skipped ? pytorch.skipped : stepCell(torch(n.net)),
    ...runs.map((run) => ratioCell(find(run, n.net), torch(n.net))),
  ]);
  const webgpu = runs.find((r) => r.backend === 'webgpu');
  const geo = (values: number[]) =>
    values.length ? Math.exp(values.reduce((s, v) => s + Math.log(v), 0) / values.length) : NaN;
  const webgpuRatios = webgpu
    ? nets.map((n) => perSampleRatio(find(webgpu, n.net), torch(n.net))).filter(Number.isFinite)
    : [];
  const where = runs.map(
    (r) => `- ${r.backend} (headless Chromium): ${r.skipped ? `not run (${r.skipped})` : r.where}`,
  );
  where.push(
    pytorch.skipped
      ? `- ${torchLabel}: not run (${pytorch.skipped})`
      : `- ${torchLabel}: PyTorch ${pytorch.torch} (${pytorch.executable}, Python ${pytorch.python}), ${pytorch.device}`,
  );
  return [
    mode === 'gpu'
      ? '# Training on a real GPU: tfjs-webgpu in headless Chromium vs PyTorch CUDA, same GPU'
      : '# CPU CHECK of bench/gpu (not GPU numbers): tfjs-webgpu on SwiftShader vs PyTorch CPU',
    '',
    ...(mode === 'cpu-check'
      ? [
          'This is the dry run of `bench/gpu/run.sh --cpu-check`: it proves that the script runs end',
          'to end (page build, Chromium, WebGPU, PyTorch, this table), on the CPU, with net-A only and',
          'a couple of steps. Its numbers say nothing about GPUs.',
          '',
        ]
      : []),
    `Machine: ${describeMachine(machine)}.`,
    `Command: \`${command}\` (${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC; ${minutes.toFixed(1)} min).`,
    '',
    'One plain training step as the app trains (`PruningTrainer` with `pruning: false`: forward,',
    'softmax cross-entropy, backward, WeightAdam, loss and accuracy read back), random data, median',
    'of the timed steps after warm-up (shader compilation, cuDNN set-up). PyTorch: the same networks',
    `in bench/pytorch_reference.py (NCHW, TF-style same padding, Adam), --device ${mode === 'gpu' ? 'cuda' : 'cpu'},`,
    'loss read back and the device synchronised each step. Cells: median ms per step (batch,',
    'warm-up + timed steps); ratios of the time per sample.',
    '',
    'Where each column ran:',
    ...where,
    '',
    ...(webgpuRatios.length
      ? [
          `webgpu / ${torchLabel}, geometric mean over ${webgpuRatios.length} network(s): ${geo(webgpuRatios).toFixed(2)}×.`,
          '',
        ]
      : []),
    markdownTable(
      [
        'network',
        'input',
        'MMACs / sample',
        ...backends.map((b) => `${b} ms/step`),
        `${torchLabel} ms/step`,
        ...backends.map((b) => `${b} / ${torchLabel}`),
      ],
      rows,
    ),
    '',
  ].join('\n');
}
