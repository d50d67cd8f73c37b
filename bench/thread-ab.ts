// Which convolution calls the training kernels should split over their helper threads, decided
// in the browser where the studio trains: one page, one worker with 2 kernel threads, and per
// network interleaved rounds of split policies on the plain training step (measureStepAB), so
// that the load of other jobs on the shared machine hits every policy alike (the backend table
// runs its 1- and 2-thread columns minutes apart, in different pages).
//   npm run bench:threads [-- --rounds N --steps N --nets net-A,resnet8 --variants "never;rule;all"]
// Variants: `never` (no split: one thread, the helpers idle), `rule` (the default cost model,
// splitPays in src/train/wasm/kernels/convolution.ts, at the browser's fixed cost per split,
// BROWSER_SPLIT_FIXED_US), `rule=U` (the same with a fixed cost of U µs per split), `min=M` (split every call of ≥ M multiply-adds; `all` is min=0). The first
// variant is the reference of the paired ratios. Writes bench/results/thread-ab.md (+ -runs.json).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SplitPolicy } from '../src/train/wasm/registerTrainingKernels';
import type { StepABResult, StepNet, StepVariant } from './backends';
import { runInBrowser } from './browser';
import { describeMachine, machineInfo, ROOT } from './node-env';
import { fixed, markdownTable, median } from './stats';

const argv = process.argv.slice(2);
const value = (name: string) => {
  const at = argv.indexOf(name);
  return at >= 0 ? argv[at + 1] : undefined;
};
const ALL_NETS = [
  'net-A',
  'net-B',
  'mnist-cnn',
  'tiny-cnn',
  'vgg-cifar',
  'ds-cnn',
  'mobilenetv2',
  'resnet8',
];
const nets: StepNet[] = (value('--nets')?.split(',') ?? ALL_NETS).map((net) => ({
  net,
  batch: net === 'net-B' ? 64 : 32,
}));
const rounds = Number(value('--rounds') ?? 6);
const stepsPerRound = Number(value('--steps') ?? 3);

/** A variant's token as a policy (see the header). */
export function parseVariant(token: string): StepVariant<SplitPolicy> {
  if (token === 'never') return { name: '1 thread (never split)', setting: { split: false } };
  if (token === 'rule') return { name: '2t, split rule (the default)', setting: {} };
  if (token === 'all') return { name: '2t, every call split', setting: { minMacsToSplit: 0 } };
  const rule = /^rule=(\d+(?:\.\d+)?)$/.exec(token);
  if (rule) return { name: `2t, rule at ${rule[1]} µs`, setting: { fixedUs: Number(rule[1]) } };
  const min = /^min=(\d+(?:\.\d+)?(?:e\d+)?)$/.exec(token);
  if (min)
    return { name: `2t, calls ≥ ${min[1]} MACs`, setting: { minMacsToSplit: Number(min[1]) } };
  throw new Error(`unknown variant ${token} (never, rule, rule=U, min=M, all)`);
}

// A variant named twice (e.g. `never;rule;never`) is an A/A control: the noise floor.
const variants = (value('--variants') ?? 'never;rule;rule=20;rule=400;all;never')
  .split(';')
  .map((t, i, all) => {
    const variant = parseVariant(t.trim());
    const repeat = all.slice(0, i).filter((u) => u.trim() === t.trim()).length;
    return repeat ? { ...variant, name: `${variant.name}, again` } : variant;
  });

const machine = machineInfo();
const began = performance.now();
const run = await runInBrowser(
  [
    {
      backend: 'wasm',
      threads: 2,
      overhead: [],
      splitAB: { nets, variants, rounds, stepsPerRound, warmupSteps: 2 },
    },
  ],
  (line) => console.log(line),
  60 * 60_000,
);
const page = run.results[0];
if (page.error || page.skipped || !page.splitAB) {
  throw new Error(`the page did not run the A/B: ${page.error ?? page.skipped ?? 'no result'}`);
}
if (page.threads?.ran !== 2) throw new Error(`the worker ran ${page.threads?.ran} kernel threads`);
const minutes = (performance.now() - began) / 60_000;

const range = (values: number[]) =>
  `${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)}`;
function netTable(row: StepABResult): string {
  return markdownTable(
    [
      'variant',
      'median ms/step',
      'min ms/step',
      'paired ratio (median of rounds)',
      'rounds',
      'split calls / step',
    ],
    row.variants.map((v) => [
      v.name,
      fixed(v.stepMs),
      fixed(v.minMs),
      `**${median(v.roundRatios).toFixed(2)}×**`,
      range(v.roundRatios),
      fixed(v.countPerStep, 0),
    ]),
  );
}
const summary = markdownTable(
  ['network', 'batch', ...variants.slice(1).map((v) => `${v.name} / ${variants[0].name}`)],
  page.splitAB.map((row) => [
    row.net,
    String(row.batch),
    ...(row.error
      ? variants.slice(1).map(() => `failed: ${row.error}`)
      : row.variants.slice(1).map((v) => `${median(v.roundRatios).toFixed(2)}×`)),
  ]),
);
const command = `npm run bench:threads${argv.length ? ` -- ${argv.join(' ')}` : ''}`;
const md = [
  '# Splitting convolutions over kernel threads, A/B in one page',
  '',
  `Machine: ${describeMachine(machine)}.`,
  `Command: \`${command}\` (${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC; ${minutes.toFixed(1)} min). Load average at the end: ${machineInfo().loadAverage}.`,
  `Browser: headless Chromium ${run.version}; ${page.device}; page crossOriginIsolated ${String(page.crossOriginIsolated)}.`,
  '',
  'One worker of a cross-origin isolated page, with the training kernels on 2 threads',
  "(`activateWasmTrainingBackend({ threads: 2 })`, as the studio trains), runs each network's plain",
  `training step (bench/backends.ts) in ${rounds} rounds; in each round every variant sets its split policy`,
  `(\`setSplitPolicy\`), runs one untimed step and ${stepsPerRound} timed ones. The paired ratio of a variant is, per`,
  "round, its median over the first variant's median in that round; the table gives the median of",
  'those ratios and their range. Below 1: faster than the first variant.',
  '',
  '## Paired ratios to the first variant',
  '',
  summary,
  '',
  ...page.splitAB.flatMap((row) =>
    row.error
      ? [`## ${row.net}`, '', `failed: ${row.error}`, '']
      : [`## ${row.net} (${row.input}, batch ${row.batch})`, '', netTable(row), ''],
  ),
].join('\n');
const resultsDir = join(ROOT, 'bench/results');
mkdirSync(resultsDir, { recursive: true });
writeFileSync(join(resultsDir, 'thread-ab.md'), md);
writeFileSync(
  join(resultsDir, 'thread-ab-runs.json'),
  JSON.stringify({ command, machine, browser: run.version, page }, null, 1),
);
console.log(md);
