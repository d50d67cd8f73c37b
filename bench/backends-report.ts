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
import { fixed, markdownTable, median } from './stats';

export interface PytorchRun {
  /** Why there are no PyTorch numbers (e.g. "not installed"). */
  skipped?: string;
  torch?: string;
  python?: string;
  executable?: string;
  /** Threads asked for (torch.set_num_threads and OPENBLAS / OMP / MKL_NUM_THREADS). */
  requestedThreads: number;
  /** torch.get_num_threads() after setting it. */
  threads?: number;
  /** The thread variables as the Python process saw them. */
  threadEnv?: Record<string, string>;
  blas?: string;
  /** 'cpu', or the CUDA device's name (bench/gpu). */
  device?: string;
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

/** Environment variables that fix the BLAS / OpenMP pools to `threads`, for one PyTorch run. */
export function threadEnvironment(threads: number): Record<string, string> {
  const n = String(threads);
  return { OPENBLAS_NUM_THREADS: n, OMP_NUM_THREADS: n, MKL_NUM_THREADS: n };
}

export interface PytorchOptions {
  threads?: number;
  /** 'cpu' (default) or 'cuda'. */
  device?: 'cpu' | 'cuda';
  timeoutMs?: number;
  python?: string;
}

export function runPytorch(config: StepTimingConfig, options: PytorchOptions = {}): PytorchRun {
  const threads = options.threads ?? 1;
  const python = options.python ?? findTorchPython();
  if (!python) return { skipped: 'not installed', requestedThreads: threads, results: [] };
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
      String(threads),
      '--device',
      options.device ?? 'cpu',
    ],
    {
      encoding: 'utf8',
      timeout: options.timeoutMs ?? 10 * 60_000,
      maxBuffer: 16 << 20,
      env: { ...process.env, ...threadEnvironment(threads) },
    },
  );
  if (result.status !== 0) {
    const why = (result.stderr || result.error?.message || `exit ${result.status}`).trim();
    return {
      skipped: `pytorch_reference.py failed: ${why.split('\n').pop()}`,
      requestedThreads: threads,
      results: [],
    };
  }
  const parsed = JSON.parse(result.stdout.trim().split('\n').pop()!) as Omit<
    PytorchRun,
    'results' | 'requestedThreads'
  > & {
    results: Partial<StepTimingResult>[];
  };
  return {
    ...parsed,
    requestedThreads: threads,
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
  /** wasm: kernel threads requested and those that actually ran (0: unknown, it failed). */
  threads?: { requested: number; ran: number };
  crossOriginIsolated?: boolean;
}

/**
 * One column's results over repeated runs of the section (`--repeat N`): per network, the median
 * of the runs' medians and the least step of all; `repeats` keeps each run's median. A network
 * failed in every run keeps the first run's error; a run in which it failed is left out.
 */
export function mergeRepeatedResults(runs: readonly StepTimingResult[][]): StepTimingResult[] {
  const [first = []] = runs;
  return first.map((row) => {
    const same = runs
      .map((results) => results.find((r) => r.net === row.net && r.batch === row.batch))
      .filter((r): r is StepTimingResult => r !== undefined && !r.error);
    if (same.length === 0) return row;
    const repeats = same.map((r) => r.stepMs);
    return {
      ...same[0],
      stepMs: median(repeats),
      minMs: Math.min(...same.map((r) => r.minMs)),
      repeats,
    };
  });
}

/** A column (browser page or PyTorch process) over repeated runs: its first run, results merged. */
export function mergeRepeatedRuns<R extends { results: StepTimingResult[]; skipped?: string }>(
  runs: readonly R[],
): R {
  const ran = runs.filter((r) => !r.skipped);
  if (ran.length === 0) return runs[0];
  return { ...ran[0], results: mergeRepeatedResults(ran.map((r) => r.results)) };
}

export const perSample = (r?: StepTimingResult): number =>
  r && !r.error ? r.stepMs / r.batch : NaN;

/** `a / b` of the time per sample; NaN where either is missing or failed. */
export function perSampleRatio(a?: StepTimingResult, b?: StepTimingResult): number {
  return perSample(a) / perSample(b);
}

/** `a / b` per sample, bold, with a † when the batches differ. */
export function ratioCell(a?: StepTimingResult, b?: StepTimingResult): string {
  const v = perSampleRatio(a, b);
  if (!Number.isFinite(v)) return '–';
  const digits = v >= 10 ? 0 : v >= 1 ? 1 : v >= 0.1 ? 2 : 3;
  return `**${v.toFixed(digits)}×**${a!.batch !== b!.batch ? '†' : ''}`;
}

export function stepCell(r?: StepTimingResult): string {
  if (!r) return '–';
  if (r.error) return `failed: ${r.error}`;
  const repeated = r.repeats && r.repeats.length > 1 ? `, median of ${r.repeats.length} runs` : '';
  return `${fixed(r.stepMs, r.stepMs < 100 ? 1 : 0)} (b ${r.batch}, ${r.warmupSteps}+${r.steps}${repeated})`;
}

/** The targets of issue 18, on the time per sample: wasm-2t ≤ 1.0× and wasm-1t ≤ 1.5× PyTorch-1t. */
export const TARGETS = { wasm2tVsTorch1t: 1.0, wasm1tVsTorch1t: 1.5 } as const;

const WASM_THREADS = [1, 2] as const;
const TORCH_THREADS = [1, 2] as const;

/** Finds the run of one column: `wasm` by requested kernel threads, the others by backend. */
function browserRun(runs: BrowserStepRun[], backend: BrowserBackend, threads = 1) {
  return runs.find(
    (r) => r.backend === backend && (backend !== 'wasm' || (r.threads?.requested ?? 1) === threads),
  );
}

function threadNote(run: BrowserStepRun): string {
  if (!run.threads) return '';
  const { requested, ran } = run.threads;
  const isolated = `page crossOriginIsolated ${String(run.crossOriginIsolated ?? 'unknown')}`;
  if (ran === requested) return `${ran} kernel thread(s) ran as requested, ${isolated}`;
  return `**${ran || 'unknown'} kernel thread(s) ran of ${requested} requested**, ${isolated}`;
}

/**
 * Whether PyTorch ran on Debian's reference BLAS (netlib's plain loops: what the alternatives
 * system points at when no optimised BLAS is installed), which makes its column several times
 * slower than with OpenBLAS.
 */
export function onReferenceBlas(blas: string | undefined): boolean {
  return blas !== undefined && /\/blas\/libblas\.so/.test(blas);
}

function referenceBlasWarning(pytorch: readonly PytorchRun[]): string[] {
  const slow = pytorch.filter((p) => !p.skipped && onReferenceBlas(p.blas));
  if (slow.length === 0) return [];
  return [
    `**PyTorch ran on the reference BLAS** (${slow[0].blas}): its columns are several times ` +
      'slower than with an optimised BLAS, so every ratio against PyTorch flatters the studio. ' +
      'Install one (Debian: `apt-get install libopenblas0-pthread`) and run again.',
    '',
  ];
}

export function backendsMarkdown(
  runs: BrowserStepRun[],
  pytorch: PytorchRun[],
  machine: MachineInfo,
  command: string,
  minutes: number,
  /** `os.loadavg()` when the run ended, formatted like MachineInfo.loadAverage. */
  loadAverageAtEnd?: string,
): string {
  const wasmRun = (threads: number) => browserRun(runs, 'wasm', threads);
  const find = (backend: BrowserBackend, net: string, threads = 1) =>
    browserRun(runs, backend, threads)?.results.find((x) => x.net === net);
  const torchRun = (threads: number) => pytorch.find((p) => p.requestedThreads === threads);
  const torch = (net: string, threads: number) =>
    torchRun(threads)?.results.find((x) => x.net === net);
  const torchCell = (net: string, threads: number) => {
    const run = torchRun(threads);
    if (!run) return '–';
    return run.skipped ? run.skipped : stepCell(torch(net, threads));
  };
  const nets: StepTimingResult[] = [];
  for (const run of runs)
    for (const r of run.results) if (!nets.some((n) => n.net === r.net) && r.input) nets.push(r);

  const timeRows = nets.map((n) => [
    n.net,
    n.input,
    fixed(n.macs / 1e6, 2),
    ...WASM_THREADS.map((t) => stepCell(find('wasm', n.net, t))),
    stepCell(find('webgl', n.net)),
    stepCell(find('webgpu', n.net)),
    stepCell(find('cpu', n.net)),
    ...TORCH_THREADS.map((t) => torchCell(n.net, t)),
  ]);

  const verdict = (v: number, limit: number) =>
    Number.isFinite(v) ? (v <= limit ? 'met' : '**not met**') : 'not measured';
  const ratioRows = nets.map((n) => {
    const w1 = find('wasm', n.net, 1);
    const w2 = find('wasm', n.net, 2);
    const t1 = torch(n.net, 1);
    const t2 = torch(n.net, 2);
    return [
      n.net,
      ratioCell(w2, t1),
      ratioCell(w1, t1),
      ratioCell(w2, t2),
      ratioCell(w1, w2),
      ratioCell(t1, t2),
      ratioCell(find('webgl', n.net), w1),
      ratioCell(find('webgpu', n.net), w1),
      ratioCell(find('cpu', n.net), w1),
      `2t: ${verdict(perSampleRatio(w2, t1), TARGETS.wasm2tVsTorch1t)}; ` +
        `1t: ${verdict(perSampleRatio(w1, t1), TARGETS.wasm1tVsTorch1t)}`,
    ];
  });

  const where: string[] = [];
  for (const t of WASM_THREADS) {
    const run = wasmRun(t);
    if (run && !run.skipped)
      where.push(`- wasm ${t}t (headless Chromium): ${run.where}; ${threadNote(run)}`);
  }
  for (const backend of ['webgl', 'webgpu', 'cpu'] as const) {
    const run = browserRun(runs, backend);
    if (run && !run.skipped) where.push(`- ${backend} (headless Chromium): ${run.where}`);
  }
  for (const t of TORCH_THREADS) {
    const run = torchRun(t);
    if (run && !run.skipped) {
      const env = Object.entries(run.threadEnv ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .join(' ');
      where.push(
        `- PyTorch ${t}t: PyTorch ${run.torch} (${run.executable}, Python ${run.python}), ` +
          `${run.device ?? 'cpu'}, torch.set_num_threads(${t}) → ${run.threads} thread(s), ` +
          `${env || 'thread variables not reported'}, BLAS ${run.blas}`,
      );
    }
  }
  const skipped = [
    ...runs
      .filter((r) => r.skipped)
      .map(
        (r) =>
          `- ${r.backend}${r.threads ? ` ${r.threads.requested}t` : ''}: not measured (${r.skipped}).`,
      ),
    ...pytorch
      .filter((p) => p.skipped)
      .map((p) => `- PyTorch ${p.requestedThreads}t: not measured (${p.skipped}).`),
  ];
  const isolation = runs.find((r) => r.crossOriginIsolated !== undefined)?.crossOriginIsolated;
  const wasm2 = wasmRun(2);
  const threadsLine =
    `Threads: the benchmark page was ${isolation === true ? '' : isolation === false ? '**not** ' : 'maybe not (not reported) '}` +
    'cross-origin isolated (its `vite preview` server sends COOP same-origin + COEP require-corp); ' +
    (wasm2?.threads
      ? wasm2.threads.ran === wasm2.threads.requested
        ? `the wasm 2t column ran ${wasm2.threads.ran} kernel threads.`
        : `**the wasm 2t column ran ${wasm2.threads.ran || 'an unknown number of'} kernel thread(s), not ${wasm2.threads.requested}**.`
      : 'the wasm 2t column did not run.');
  const met = nets.filter((n) => {
    const t1 = torch(n.net, 1);
    return (
      perSampleRatio(find('wasm', n.net, 2), t1) <= TARGETS.wasm2tVsTorch1t &&
      perSampleRatio(find('wasm', n.net, 1), t1) <= TARGETS.wasm1tVsTorch1t
    );
  });
  const oneMinute = (load?: string) => Number(load?.split(' ')[0]);
  const loaded = [oneMinute(machine.loadAverage), oneMinute(loadAverageAtEnd)].some(
    (l) => l > machine.cores,
  );
  const loadLines = [
    ...(loadAverageAtEnd ? [`Load average at the end: ${loadAverageAtEnd}.`] : []),
    ...(loaded
      ? [
          `**Measured on a loaded machine** (1-minute load average above its ${machine.cores} cores at the`,
          'start or the end): other work shared the cores, so every column is slower than on an idle',
          'machine and the threaded columns (wasm 2t, PyTorch 2t) gain least; compare ratios within',
          'this run only.',
        ]
      : []),
  ];
  return [
    '# Training step per backend: wasm (1 and 2 kernel threads) vs webgl vs webgpu vs cpu vs PyTorch (1 and 2 threads)',
    '',
    `Machine: ${describeMachine(machine)}.`,
    `Command: \`${command}\` (${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC; browser pages and PyTorch: ${minutes.toFixed(1)} min).`,
    ...loadLines,
    '',
    threadsLine,
    '',
    'One plain training step, as the app trains (`PruningTrainer` with `pruning: false`: MaskedNetwork',
    'forward, softmax cross-entropy, backward, WeightAdam, loss and accuracy read back), on random',
    "data of the network's input shape; every tfjs backend in headless Chromium, one fresh page each.",
    "wasm: the app's `activateWasmTrainingBackend({ threads })` (tfjs wasm + the SIMD training kernels",
    'of src/train/wasm) in a dedicated worker of the page, as the studio trains; `threads` is the',
    'number of threads of the training kernels (helper threads on one shared memory, cross-origin',
    'isolated pages only). PyTorch: the same networks in bench/pytorch_reference.py (NCHW, TF-style',
    'same padding, Adam) on the CPU, one process per thread count, with torch.set_num_threads(n)',
    'and OPENBLAS_NUM_THREADS = OMP_NUM_THREADS = MKL_NUM_THREADS = n. Cells: median ms per step',
    '(batch, warm-up + timed steps). net-A: 28×28×1 conv16 → conv32 s2 → conv32 s2; net-B: 32×32×3',
    'conv32 → conv64 s2 → conv64 s2 (3×3 same, BN, ReLU; GAP, dense 10); then every zoo model at its',
    'default input, classes and width.',
    '',
    'Ratios are of the time per sample (ms/step ÷ batch), from this one run; † marks a ratio between',
    'different batch sizes (the slow backends run smaller batches of the zoo models to keep the',
    'run short), which favours the backend with the smaller batch a little. Settings:',
    'bench/backend-settings.ts.',
    '',
    'Where each column ran:',
    ...where,
    '',
    ...referenceBlasWarning(pytorch),
    `Targets of issue 18 (time per sample): wasm 2t ≤ ${TARGETS.wasm2tVsTorch1t.toFixed(1)}× PyTorch 1t and wasm 1t ≤ ` +
      `${TARGETS.wasm1tVsTorch1t.toFixed(1)}× PyTorch 1t: both met on ${met.length} of ${nets.length} networks` +
      `${met.length ? ` (${met.map((n) => n.net).join(', ')})` : ''}.`,
    '',
    '## ms per step',
    '',
    markdownTable(
      [
        'network',
        'input',
        'MMACs / sample',
        'wasm 1t ms/step',
        'wasm 2t ms/step',
        'webgl ms/step',
        'webgpu ms/step',
        'cpu ms/step',
        'PyTorch 1t ms/step',
        'PyTorch 2t ms/step',
      ],
      timeRows,
    ),
    '',
    '## Ratios of the time per sample',
    '',
    markdownTable(
      [
        'network',
        'wasm 2t / PyTorch 1t',
        'wasm 1t / PyTorch 1t',
        'wasm 2t / PyTorch 2t',
        'wasm 1t / wasm 2t',
        'PyTorch 1t / PyTorch 2t',
        'webgl / wasm 1t',
        'webgpu / wasm 1t',
        'cpu / wasm 1t',
        'targets (≤ 1.0×, ≤ 1.5×)',
      ],
      ratioRows,
    ),
    ...(skipped.length ? ['', ...skipped] : []),
    '',
  ].join('\n');
}
