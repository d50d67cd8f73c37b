/** Markdown for the three result files. */
import type { MachineInfo } from './node-env';
import { describeMachine } from './node-env';
import {
  BOARD_PRESET,
  BUDGET_METHODS,
  BUDGETED_RESOURCES,
  describeBudget,
  METHOD_LABEL,
  type BudgetedResource,
  type Method,
  type QualityConfig,
  type QualityResult,
  type QualityRun,
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

/**
 * A result file of one table, a row per backend and result: the title, what was measured
 * (`about`), where each row ran, the table (`row` gives a result's cells after the backend's)
 * and the backends not measured.
 */
function perBackendMarkdown<T>(
  runs: BackendRun<T>[],
  machine: MachineInfo,
  command: string,
  page: { title: string; about: string[]; columns: string[]; row: (result: T) => string[] },
): string {
  const rows = runs.flatMap((run) => run.results.map((r) => [run.backend, ...page.row(r)]));
  const where = runs.filter((r) => !r.skipped).map((r) => `- ${r.backend}: ${r.where}`);
  return [
    ...header(page.title, machine, command, [...page.about, '', 'Where each row ran:', ...where]),
    markdownTable(['backend', ...page.columns], rows),
    ...skippedLines(runs),
    '',
  ].join('\n');
}

export function overheadMarkdown(
  runs: BackendRun<OverheadResult>[],
  machine: MachineInfo,
  command: string,
): string {
  return perBackendMarkdown(runs, machine, command, {
    title: 'Pruning overhead: prune-while-training vs plain training',
    about: [
      'Per step: a trainer that stays in its pruning phase (masks, dL/dm read back, importances,',
      'resource model + π update every step) against plain training of the same network (no masks,',
      'no π: `PruningTrainer` with `pruning: false`), same backend, batch, data and initial weights;',
      'the two trainers step alternately (P Q, Q P, …) after one warm-up step each; medians.',
      'Whole run: warm-up 20% / pruning 50% / fine-tune 30% of the steps with a flash budget of 1/4,',
      'including feasibility repair and physical removal, against plain training for the same steps,',
      'again stepped alternately; sums of step wall times.',
    ],
    columns: [
      'network',
      'batch',
      'step ms: pruning / plain (pairs)',
      'step ratio',
      'whole run s: pruning / plain (steps)',
      'whole-run ratio',
      'per phase (median step ratio, steps)',
      'final flash',
    ],
    row: (r) => [
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
    ],
  });
}

export function throughputMarkdown(
  runs: BackendRun<ThroughputResult>[],
  machine: MachineInfo,
  command: string,
): string {
  return perBackendMarkdown(runs, machine, command, {
    title: 'Training throughput per backend, zoo models at their default size',
    about: [
      'One pruning-phase training step = forward, backward, Adam, mask gradients read back,',
      "importances, resource model and π update; random inputs of the model's default shape.",
      'Median of the timed steps after one warm-up step. Smaller batches and fewer steps on the',
      'slowest backends keep the run short (bench/settings.ts).',
    ],
    columns: [
      'model',
      'input',
      'MMACs / sample',
      'batch',
      'steps (warm-up + timed)',
      'ms / step',
      'samples / s',
    ],
    row: (r) => [
      r.model,
      r.input,
      (r.macs / 1e6).toFixed(2),
      String(r.batch),
      `1 + ${r.steps}`,
      r.error ? `failed: ${r.error}` : fixed(r.stepMs, 0),
      r.error ? '–' : `**${fixed(r.samplesPerSecond, 1)}**`,
    ],
  });
}

const spread = (values: number[]) =>
  `${percent(mean(values), 2)} ± ${(standardDeviation(values) * 100).toFixed(2)}` +
  ` (${percent(Math.min(...values), 1)}–${percent(Math.max(...values), 1)})`;

/** One figure at its unit: bytes as KB, latency in ms. */
function figure(resource: BudgetedResource, value: number): string {
  return resource === 'latency' ? `${fixed(value, 2)} ms` : kilobytes(value);
}

function figures(values: Partial<Record<BudgetedResource, number>>): string {
  return BUDGETED_RESOURCES.filter((r) => values[r] !== undefined)
    .map((r) => `${figure(r, values[r]!)}${r === 'latency' ? '' : ` ${r}`}`)
    .join(', ');
}

/** The final figures' mean per resource over runs. */
function meanFigures(runs: QualityRun[]): Partial<Record<BudgetedResource, number>> {
  const out: Partial<Record<BudgetedResource, number>> = {};
  for (const r of BUDGETED_RESOURCES) {
    const v = runs.map((run) => run.figures[r]).filter((x): x is number => x !== undefined);
    if (v.length) out[r] = mean(v);
  }
  return out;
}

const BASELINES: readonly Method[] = ['uniform', 'magnitude', 'dpf'];

/**
 * (a)'s lead over the best baseline at a budget, in points and in units of the larger of the two
 * standard deviations (the issue's "more than one standard deviation").
 */
function leadCell(result: QualityResult, b: number): string {
  const acc = (m: Method) =>
    result.runs.filter((r) => r.budget === b && r.method === m).map((r) => r.accuracy);
  const own = acc('pruning');
  const others = BASELINES.map((m) => ({ m, a: acc(m) })).filter((x) => x.a.length);
  if (!own.length || !others.length) return '';
  const best = others.reduce((x, y) => (mean(y.a) > mean(x.a) ? y : x));
  const lead = mean(own) - mean(best.a);
  const sd = Math.max(standardDeviation(own), standardDeviation(best.a));
  const sds = sd > 0 ? ` = ${fixed(lead / sd, 1)} sd` : '';
  return `${lead >= 0 ? '+' : ''}${fixed(lead * 100, 2)} pts over ${best.m}${sds}`;
}

export interface QualitySection {
  config: QualityConfig;
  result: QualityResult;
  minutes: number;
}

export function qualityMarkdown(
  sections: QualitySection[],
  backend: string,
  machine: MachineInfo,
  command: string,
  notRun: string[] = [],
  notes: string[] = [],
): string {
  const allFit = sections.every((s) => s.result.runs.every((r) => r.fits));
  const minutes = sections.reduce((t, s) => t + s.minutes, 0);
  const first = sections[0];
  const out: string[] = [
    ...header('Quality at a budget', machine, command, [
      `Backend: ${backend}. Whole quality section: ${Number.isFinite(minutes) ? `${minutes.toFixed(1)} min` : 'not recorded for every part'}.`,
      '',
      '(b), (c) and (d) prune to the same budget as (a). (b) and (c) use one network: every',
      'prunable group at round(r·C), r the largest width multiplier that fits; (b) trains it from',
      'scratch for all steps, (c) keeps the filters of largest L1 norm after the warm-up of the',
      'full network and trains the rest (Adam state carried over, as in (a)). (d) trains the full',
      'network with straight-through masks (gradients reach the pruned filters), recomputes the',
      'masks every 16 steps from one global L2-saliency cut meeting a cubic schedule from the full',
      "figure to the budget over (a)'s pruning phase, removes the pruned filters at its end and",
      "fine-tunes the rest. The diagnostic row trains (a)'s final widths from scratch for all steps.",
      'All runs of one seed see the same batches and the same initial weights.',
      first
        ? `The board preset is the studio's default budgets: ${describeBudget(BOARD_PRESET)} = ${BUDGETED_RESOURCES.map((r) => `${r} 1/${BOARD_PRESET.divisors[r]}`).join(' + ')}.`
        : '',
      '',
      `**Budget check: ${allFit ? 'every final network fits every budget' : 'SOME NETWORKS EXCEED THEIR BUDGET'}** (each figure from the resource model of the final, physically smaller graph).`,
      ...(notes.length
        ? ['', '**Where these runs come from:**', ...notes.map((n) => `- ${n}`)]
        : []),
      ...(notRun.length ? ['', '**Not run here:**', ...notRun.map((n) => `- ${n}`)] : []),
    ]),
  ];
  for (const { config, result, minutes: m } of sections) {
    const { warmupFraction: w, pruneFraction: p } = config;
    const budgetRows = config.budgets.map(
      (spec, b) => `${describeBudget(spec)} = ${figures(result.budgetValues[b])}`,
    );
    const rows: string[][] = [];
    const reference = result.runs.filter((r) => r.method === 'unpruned');
    if (reference.length) {
      rows.push([
        'none',
        METHOD_LABEL.unpruned,
        spread(reference.map((r) => r.accuracy)),
        `${kilobytes(result.unpruned.flash)} flash, ${kilobytes(result.unpruned.ram)} ram, ${fixed(result.unpruned.latency, 2)} ms`,
        '–',
        result.groups.map((g) => g.size).join('-'),
        '',
      ]);
    }
    config.budgets.forEach((spec, b) => {
      for (const method of BUDGET_METHODS) {
        const runs = result.runs.filter((r) => r.budget === b && r.method === method);
        if (!runs.length) continue;
        const kept =
          method === 'uniform' || method === 'magnitude'
            ? `${runs[0].kept.join('-')} (width ×${fixed(runs[0].ratio ?? NaN, 3)})`
            : runs.map((r) => r.kept.join('-')).join(' / ');
        rows.push([
          describeBudget(spec),
          METHOD_LABEL[method],
          spread(runs.map((r) => r.accuracy)),
          figures(meanFigures(runs)),
          runs.every((r) => r.fits) ? 'yes' : `**NO** (${runs.filter((r) => !r.fits).length} runs)`,
          kept,
          method === 'pruning' ? leadCell(result, b) : '',
        ]);
      }
    });
    const repaired = result.runs.filter((r) => r.method === 'pruning' && r.note);
    const seedRows = result.runs.map((r) => [
      r.budget < 0 ? 'none' : describeBudget(config.budgets[r.budget]),
      r.method,
      String(r.seed),
      percent(r.accuracy, 2),
      figures(r.figures) || '–',
      r.kept.join('-'),
      fixed(r.ms / 1000, 1),
    ]);
    out.push(
      `## ${config.dataset === 'textured' ? 'textured shapes, ' : ''}${config.model} ×${config.width}, ${config.steps} steps`,
      '',
      `${config.steps} steps of batch ${config.batch} (${config.steps * config.batch} samples, ${fixed((config.steps * config.batch) / result.trainSamples, 2)} epochs of the ${result.trainSamples.toLocaleString('en-US')} training samples), Adam lr ${config.learningRate},`,
      `schedule warm-up ${Math.round(w * 100)}% / pruning ${Math.round(p * 100)}% / fine-tune ${Math.round((1 - w - p) * 100)}% of the steps, seeds ${config.seeds.join(', ')},`,
      `final accuracy on the first ${result.validationSamples} validation samples. Board for the resource model: ${config.board}.${Number.isFinite(m) ? ` ${fixed(m, 1)} min.` : ''}`,
      `Prunable groups: ${result.groups.map((g) => `${g.name} ${g.size}`).join(', ')}.`,
      `Budgets (fractions of the unpruned network's figures): ${budgetRows.join('; ')}.`,
      repaired.length
        ? `Feasibility repair removed channels after pruning in ${repaired.length} of ${result.runs.filter((r) => r.method === 'pruning').length} runs of (a).`
        : 'Feasibility repair was not needed in any run of (a).',
      '',
      markdownTable(
        [
          'budget',
          'method',
          'val. accuracy: mean ± sd (min–max)',
          'final figures (mean)',
          'fits',
          'channels kept',
          '(a) vs best baseline',
        ],
        rows,
      ),
      '',
      `### Every run (${config.steps} steps)`,
      '',
      markdownTable(['budget', 'method', 'seed', 'accuracy', 'figures', 'kept', 's'], seedRows),
      '',
    );
  }
  return out.join('\n');
}
