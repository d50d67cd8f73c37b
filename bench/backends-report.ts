/**
 * Node side of the backend section: runs the PyTorch reference (bench/pytorch_reference.py) with
 * whichever python3 can import torch, and renders `results/backends.md` with the ratios.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { StepTimingConfig, StepTimingResult } from './backends';
import type { MachineInfo } from './node-env';
import { describeMachine, ROOT } from './node-env';
import type { BrowserBackend } from './pages/protocol';
import { fixed, markdownTable } from './stats';

export interface PytorchRun {
  /** Why there are no PyTorch numbers (e.g. "not installed"). */
  skipped?: string;
  torch?: string;
  python?: string;
  executable?: string;
  threads?: number;
  blas?: string;
  results: StepTimingResult[];
}

/** Interpreters tried in order: Debian's (python3-torch) first, then whatever python3 is on PATH. */
const PYTHONS = [process.env.PS_PYTHON, '/usr/bin/python3', 'python3'].filter((p): p is string =>
  Boolean(p),
);

export function findTorchPython(): string | undefined {
  return PYTHONS.find(
    (python) => spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0,
  );
}

export function runPytorch(config: StepTimingConfig, timeoutMs = 10 * 60_000): PytorchRun {
  const python = findTorchPython();
  if (!python) return { skipped: 'not installed', results: [] };
  const nets = config.nets.map((n) => `${n.net}:${n.batch}`).join(',');
  const result = spawnSync(
    python,
    [
      join(ROOT, 'bench/pytorch_reference.py'),
      '--nets',
      nets,
      '--warmup',
      String(config.warmupSteps),
      '--steps',
      String(config.steps),
      '--threads',
      '1',
    ],
    { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 16 << 20 },
  );
  if (result.status !== 0) {
    const why = (result.stderr || result.error?.message || `exit ${result.status}`).trim();
    return { skipped: `pytorch_reference.py failed: ${why.split('\n').pop()}`, results: [] };
  }
  const parsed = JSON.parse(result.stdout.trim().split('\n').pop()!) as Omit<
    PytorchRun,
    'results'
  > & {
    results: Partial<StepTimingResult>[];
  };
  return {
    ...parsed,
    results: parsed.results.map((r) => ({
      net: r.net ?? '?',
      input: '',
      batch: r.batch ?? 0,
      macs: NaN,
      warmupSteps: r.warmupSteps ?? config.warmupSteps,
      steps: r.steps ?? config.steps,
      stepMs: r.stepMs ?? NaN,
      minMs: r.minMs ?? NaN,
      error: r.error,
    })),
  };
}

export interface BrowserStepRun {
  backend: BrowserBackend;
  where: string;
  results: StepTimingResult[];
  skipped?: string;
}

const perSample = (r?: StepTimingResult) => (r && !r.error ? r.stepMs / r.batch : NaN);

/** `a / b` per sample, with a marker when the batches differ. */
function ratio(a?: StepTimingResult, b?: StepTimingResult): string {
  const v = perSample(a) / perSample(b);
  if (!Number.isFinite(v)) return '–';
  const digits = v >= 10 ? 0 : v >= 1 ? 1 : 2;
  return `**${v.toFixed(digits)}×**${a!.batch !== b!.batch ? '†' : ''}`;
}

function cell(r?: StepTimingResult): string {
  if (!r) return '–';
  if (r.error) return `failed: ${r.error}`;
  return `${fixed(r.stepMs, r.stepMs < 100 ? 1 : 0)} (b ${r.batch}, ${r.warmupSteps}+${r.steps})`;
}

export function backendsMarkdown(
  runs: BrowserStepRun[],
  pytorch: PytorchRun,
  machine: MachineInfo,
  command: string,
  minutes: number,
): string {
  const find = (backend: BrowserBackend, net: string) =>
    runs.find((r) => r.backend === backend)?.results.find((x) => x.net === net);
  const torch = (net: string) => pytorch.results.find((x) => x.net === net);
  const nets: StepTimingResult[] = [];
  for (const run of runs)
    for (const r of run.results) if (!nets.some((n) => n.net === r.net) && r.input) nets.push(r);
  const rows = nets.map((n) => {
    const wasm = find('wasm', n.net);
    return [
      n.net,
      n.input,
      fixed(n.macs / 1e6, 2),
      cell(wasm),
      cell(find('webgl', n.net)),
      cell(find('webgpu', n.net)),
      cell(find('cpu', n.net)),
      pytorch.skipped ? pytorch.skipped : cell(torch(n.net)),
      ratio(find('webgl', n.net), wasm),
      ratio(find('webgpu', n.net), wasm),
      ratio(find('cpu', n.net), wasm),
      ratio(wasm, torch(n.net)),
    ];
  });
  const target = (net: string) => {
    const wasm = find('wasm', net);
    const webgl = perSample(find('webgl', net)) / perSample(wasm);
    const vsTorch = perSample(wasm) / perSample(torch(net));
    const verdict = (ok: boolean) => (ok ? 'met' : '**not met**');
    return (
      `- ${net}: ${Number.isFinite(webgl) ? `${webgl.toFixed(0)}× faster than webgl (target ≥ 20×: ${verdict(webgl >= 20)})` : 'webgl not measured'}; ` +
      (Number.isFinite(vsTorch)
        ? `${vsTorch.toFixed(2)}× PyTorch's time (target ≤ 3×: ${verdict(vsTorch <= 3)}).`
        : `PyTorch ${pytorch.skipped ?? 'not measured'}.`)
    );
  };
  const where = runs
    .filter((r) => !r.skipped)
    .map((r) => `- ${r.backend} (headless Chromium): ${r.where}`);
  if (!pytorch.skipped)
    where.push(
      `- PyTorch ${pytorch.torch} (${pytorch.executable}, Python ${pytorch.python}), ` +
        `torch.set_num_threads(${pytorch.threads}), BLAS ${pytorch.blas}`,
    );
  const skipped = runs
    .filter((r) => r.skipped)
    .map((r) => `- ${r.backend}: not measured (${r.skipped}).`);
  return [
    '# Training step per backend: wasm + SIMD kernels vs webgl vs webgpu vs cpu vs PyTorch',
    '',
    `Machine: ${describeMachine(machine)}.`,
    `Command: \`${command}\` (${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC; browser pages and PyTorch: ${minutes.toFixed(1)} min).`,
    '',
    'One plain training step, as the app trains (`PruningTrainer` with `pruning: false`: MaskedNetwork',
    'forward, softmax cross-entropy, backward, WeightAdam, loss and accuracy read back), on random',
    "data of the network's input shape; every tfjs backend in headless Chromium, one fresh page each",
    "(wasm started by the app's `activateWasmTrainingBackend`: tfjs wasm + the SIMD training kernels",
    'of src/train/wasm, one thread). PyTorch: the same networks in bench/pytorch_reference.py',
    '(NCHW, TF-style same padding, Adam), one thread, CPU. Cells: median ms per step (batch,',
    'warm-up + timed steps). net-A: 28×28×1 conv16 → conv32 s2 → conv32 s2; net-B: 32×32×3 conv32 →',
    'conv64 s2 → conv64 s2 (3×3 same, BN, ReLU; GAP, dense 10); then every zoo model at its default',
    'input, classes and width.',
    '',
    'Ratios are of the time per sample (ms/step ÷ batch), from this one run; † marks a ratio between',
    'different batch sizes (the slow backends run smaller batches of the zoo models to keep the',
    'run short), which favours the backend with the smaller batch a little. Settings:',
    'bench/backend-settings.ts.',
    '',
    'Where each column ran:',
    ...where,
    '',
    'Targets of the issue ("Fast training where there is no GPU"):',
    ...['net-A', 'net-B'].filter((n) => nets.some((x) => x.net === n)).map(target),
    '',
    markdownTable(
      [
        'network',
        'input',
        'MMACs / sample',
        'wasm ms/step',
        'webgl ms/step',
        'webgpu ms/step',
        'cpu ms/step',
        'PyTorch ms/step',
        'webgl / wasm',
        'webgpu / wasm',
        'cpu / wasm',
        'wasm / PyTorch',
      ],
      rows,
    ),
    ...(skipped.length ? ['', ...skipped] : []),
    '',
  ].join('\n');
}
