/** Markdown for the three result files. */
import type { MachineInfo } from './node-env';
import { describeMachine } from './node-env';
import {
  describeBudget,
  METHOD_LABEL,
  type Method,
  type QualityConfig,
  type QualityResult,
} from './quality';
import { fixed, kilobytes, markdownTable, mean, percent, standardDeviation } from './stats';
import type { OverheadResult, ThroughputResult } from './timing';

/** Where a set of numbers ran: the backend's label and the device it ran on. */
export interface BackendRun<T> {
  backend: string;
  where: string;
  results: T[];
  skipped?: string;
}

function header(
  title: string,
  machine: MachineInfo,
  command: string,
  extra: string[] = [],
): string[] {
  return [
    `# ${title}`,
    '',
    `Machine: ${describeMachine(machine)}.`,
    `Command: \`${command}\` (${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC).`,
    ...extra,
    '',
  ];
}

function skippedLines<T>(runs: BackendRun<T>[]): string[] {
  const lines = runs
    .filter((r) => r.skipped)
    .map((r) => `- ${r.backend}: not measured (${r.skipped}).`);
  return lines.length ? ['', ...lines] : [];
}

export function overheadMarkdown(
  runs: BackendRun<OverheadResult>[],
  machine: MachineInfo,
  command: string,
): string {
  const rows = runs.flatMap((run) =>
    run.results.map((r) => [
      run.backend,
      `${r.model} ×${r.width}`,
      String(r.batch),
      `${fixed(r.pruningStepMs)} / ${fixed(r.plainStepMs)} (${r.pairs})`,
      `**${fixed(r.stepRatio, 2)}×**`,
      `${fixed(r.wholeRun.pruningMs / 1000, 1)} / ${fixed(r.wholeRun.plainMs / 1000, 1)} (${r.wholeRun.steps})`,
      `**${fixed(r.wholeRun.ratio, 2)}×**`,
      r.wholeRun.phases
        .map((p) => `${p.phase} ${fixed(p.pruningStepMs / p.plainStepMs, 2)}× (${p.steps})`)
        .join(', '),
      percent(r.wholeRun.flashKept, 0),
    ]),
  );
  const where = runs.filter((r) => !r.skipped).map((r) => `- ${r.backend}: ${r.where}`);
  return [
    ...header('Pruning overhead: prune-while-training vs plain training', machine, command, [
      'Per step: a trainer that stays in its pruning phase (masks, dL/dm read back, importances,',
      'resource model + π update every step) against plain training of the same network (no masks,',
      'no π: `PruningTrainer` with `pruning: false`), same backend, batch, data and initial weights;',
      'the two trainers step alternately (P Q, Q P, …) after one warm-up step each; medians.',
      'Whole run: warm-up 20% / pruning 50% / fine-tune 30% of the steps with a flash budget of 1/4,',
      'including feasibility repair and physical removal, against plain training for the same steps,',
      'again stepped alternately; sums of step wall times.',
      '',
      'Where each row ran:',
      ...where,
    ]),
    markdownTable(
      [
        'backend',
        'network',
        'batch',
        'step ms: pruning / plain (pairs)',
        'step ratio',
        'whole run s: pruning / plain (steps)',
        'whole-run ratio',
        'per phase (median step ratio, steps)',
        'final flash',
      ],
      rows,
    ),
    ...skippedLines(runs),
    '',
  ].join('\n');
}

export function throughputMarkdown(
  runs: BackendRun<ThroughputResult>[],
  machine: MachineInfo,
  command: string,
): string {
  const rows = runs.flatMap((run) =>
    run.results.map((r) => [
      run.backend,
      r.model,
      r.input,
      (r.macs / 1e6).toFixed(2),
      String(r.batch),
      `1 + ${r.steps}`,
      r.error ? `failed: ${r.error}` : fixed(r.stepMs, 0),
      r.error ? '–' : `**${fixed(r.samplesPerSecond, 1)}**`,
    ]),
  );
  const where = runs.filter((r) => !r.skipped).map((r) => `- ${r.backend}: ${r.where}`);
  return [
    ...header(
      'Training throughput per backend, zoo models at their default size',
      machine,
      command,
      [
        'One pruning-phase training step = forward, backward, Adam, mask gradients read back,',
        "importances, resource model and π update; random inputs of the model's default shape.",
        'Median of the timed steps after one warm-up step. Smaller batches and fewer steps on the',
        'slowest backends keep the run short (bench/settings.ts).',
        '',
        'Where each row ran:',
        ...where,
      ],
    ),
    markdownTable(
      [
        'backend',
        'model',
        'input',
        'MMACs / sample',
        'batch',
        'steps (warm-up + timed)',
        'ms / step',
        'samples / s',
      ],
      rows,
    ),
    ...skippedLines(runs),
    '',
  ].join('\n');
}

const spread = (values: number[]) =>
  `${percent(mean(values), 2)} ± ${(standardDeviation(values) * 100).toFixed(2)}` +
  ` (${percent(Math.min(...values), 1)}–${percent(Math.max(...values), 1)})`;

export function qualityMarkdown(
  result: QualityResult,
  config: QualityConfig,
  backend: string,
  machine: MachineInfo,
  command: string,
  minutes: number,
): string {
  const { warmupFraction: w, pruneFraction: p } = config;
  const allFit = result.runs.every((r) => r.fits);
  const budgetRows = config.budgets.map((spec, b) => {
    const unit = spec.resource === 'flash' ? 'flash' : 'RAM';
    return `${describeBudget(spec)} = ${kilobytes(result.budgetValues[b])} ${unit}`;
  });
  const methods: Method[] = ['pruning', 'uniform', 'magnitude'];
  const rows: string[][] = [];
  const reference = result.runs.filter((r) => r.method === 'unpruned');
  if (reference.length) {
    rows.push([
      'none',
      METHOD_LABEL.unpruned,
      spread(reference.map((r) => r.accuracy)),
      `${kilobytes(result.unpruned.flash)} flash, ${kilobytes(result.unpruned.ram)} RAM`,
      '–',
      result.groups.map((g) => g.size).join('-'),
    ]);
  }
  config.budgets.forEach((spec, b) => {
    for (const method of methods) {
      const runs = result.runs.filter((r) => r.budget === b && r.method === method);
      if (!runs.length) continue;
      const kept =
        method === 'pruning'
          ? runs.map((r) => r.kept.join('-')).join(' / ')
          : `${runs[0].kept.join('-')} (width ×${fixed(runs[0].ratio ?? NaN, 3)})`;
      rows.push([
        `${describeBudget(spec)} (${kilobytes(result.budgetValues[b])})`,
        METHOD_LABEL[method],
        spread(runs.map((r) => r.accuracy)),
        `${kilobytes(mean(runs.map((r) => r.value)))} (max ${kilobytes(Math.max(...runs.map((r) => r.value)))})`,
        runs.every((r) => r.fits) ? 'yes' : `**NO** (${runs.filter((r) => !r.fits).length} runs)`,
        kept,
      ]);
    }
  });
  const repaired = result.runs.filter((r) => r.method === 'pruning' && r.note);
  const seedRows = result.runs.map((r) => [
    r.budget < 0 ? 'none' : describeBudget(config.budgets[r.budget]),
    r.method,
    String(r.seed),
    percent(r.accuracy, 2),
    Number.isFinite(r.value) ? kilobytes(r.value) : '–',
    r.kept.join('-'),
    fixed(r.ms / 1000, 1),
  ]);
  return [
    ...header('Quality at a budget: built-in MNIST', machine, command, [
      `Backend: ${backend}. Whole quality section: ${minutes.toFixed(1)} min.`,
      '',
      `Settings: ${config.model} at width ×${config.width} (prunable groups ${result.groups.map((g) => `${g.name} ${g.size}`).join(', ')}),`,
      `${config.steps} steps of batch ${config.batch} (${config.steps * config.batch} samples, from the ${result.trainSamples.toLocaleString('en-US')} training digits), Adam lr ${config.learningRate},`,
      `schedule warm-up ${w * 100}% / pruning ${p * 100}% / fine-tune ${Math.round((1 - w - p) * 100)}% of the steps, seeds ${config.seeds.join(', ')},`,
      `final accuracy on the first ${result.validationSamples} validation digits. Board for the resource model: ${config.board}.`,
      `Budgets (fractions of the unpruned network's ${kilobytes(result.unpruned.flash)} flash, ${kilobytes(result.unpruned.ram)} RAM): ${budgetRows.join('; ')}.`,
      '(b) and (c) use the same network: every prunable group (conv filters and the hidden dense',
      'units) at round(r·C), with r the largest width multiplier the core ResourceModel fits in the',
      'budget; (b) trains it from scratch for all steps, (c) keeps the filters of largest L1 norm',
      'after the warm-up of the full network and trains the rest of the steps (Adam state carried',
      'over, as in (a)). All runs of one seed see the same batches and the same initial weights.',
      '',
      `**Budget check: ${allFit ? 'every final network fits its budget' : 'SOME NETWORKS EXCEED THEIR BUDGET'}** (each figure from the resource model of the final, physically smaller graph).`,
      repaired.length
        ? `Feasibility repair removed channels after pruning in ${repaired.length} of ${result.runs.filter((r) => r.method === 'pruning').length} runs of (a).`
        : 'Feasibility repair was not needed in any run of (a).',
    ]),
    markdownTable(
      [
        'budget',
        'method',
        'val. accuracy: mean ± sd (min–max)',
        'final figure (mean)',
        'fits',
        'channels kept',
      ],
      rows,
    ),
    '',
    '## Every run',
    '',
    markdownTable(['budget', 'method', 'seed', 'accuracy', 'figure', 'kept', 's'], seedRows),
    '',
  ].join('\n');
}
