/**
 * `npm run bench:defaults`: does the studio's default run keep its accuracy? For every built-in
 * model on every built-in dataset (MNIST and the generated shapes at their defaults), trains
 * with the page's default settings (steps, schedule, batch, learning rate, seed, board) the
 * unpruned network and the prune-while-training run at the budgets the page proposes
 * (presetBudgets in src/state/configSlice.ts, the rule of src/state/budgets.ts), on the same code path
 * as the worker, and writes bench/results/defaults.md: both accuracies and their ratio.
 *
 *   npm run bench:defaults                                   every model × dataset, seed 1
 *   npm run bench:defaults -- --models ds-cnn,resnet8 --datasets generated --seeds 1,2
 *   npm run bench:defaults -- --steps 200 --out defaults-short.md   (shorter runs: the table says so)
 *   npm run bench:defaults -- --models tiny-cnn --append   re-measures those rows, keeps the others
 *   npm run bench:defaults -- --render                     rewrites the table from the JSON only
 *   npm run bench:defaults -- --append --reuse-unpruned    re-measures only the default runs (after a
 *                            change of the pruning method), keeping each row's unpruned accuracy
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyseGraph } from '../src/core/graphAnalysis';
import { fitsBudgets } from '../src/core/uniformWidth';
import { MODEL_ZOO, zooModel } from '../src/core/zoo';
import type { Budgets, ResourceFigures } from '../src/core/resources';
import type { Dataset } from '../src/data/dataset';
import { generateShapes } from '../src/data/generated';
import { boardFor } from '../src/state/boards';
import { modelShrink, type Shrink } from '../src/state/budgets';
import { BASE_DEFAULTS, DEFAULT_GENERATED, type DatasetChoice } from '../src/state/config';
import { presetBudgets } from '../src/state/store';
import { createResourceEstimator } from '../src/train/estimator';
import { PruningTrainer, type TrainerSettings } from '../src/train/trainer';
import { describeMachine, loadMnist, machineInfo, ROOT, useBackend } from './node-env';

type DatasetName = 'mnist' | 'generated';

interface Row {
  model: string;
  dataset: DatasetName;
  seed: number;
  budgets: Budgets;
  unpruned: ResourceFigures;
  unprunedAccuracy: number;
  prunedAccuracy: number;
  /** The final network's figures (its own resource model) and whether they meet the budgets. */
  final: ResourceFigures;
  fits: boolean;
  kept: string;
  seconds: number;
  /** The model's shrink the budgets came from (budgets.ts modelShrink). */
  shrink: Shrink;
  /** The command and date of the run that measured this row. */
  command: string;
}

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
}

function list(name: string, all: readonly string[]): string[] {
  const raw = option(name);
  if (raw === undefined) return [...all];
  const wanted = raw.split(',').map((s) => s.trim());
  const unknown = wanted.filter((w) => !all.includes(w));
  if (unknown.length > 0)
    throw new Error(`--${name}: unknown ${unknown.join(', ')} (known: ${all.join(', ')})`);
  return wanted;
}

const DATASETS: readonly DatasetName[] = ['mnist', 'generated'];
const models = list(
  'models',
  MODEL_ZOO.map((m) => m.id),
);
const datasets = list('datasets', DATASETS) as DatasetName[];
const seeds = (option('seeds') ?? String(BASE_DEFAULTS.seed)).split(',').map(Number);
const steps = Number(option('steps') ?? BASE_DEFAULTS.schedule.totalSteps);
const outName = option('out') ?? 'defaults.md';
if (!/^[\w.-]+\.md$/.test(outName)) throw new Error(`--out "${outName}": expected NAME.md`);
if (!seeds.every((s) => Number.isInteger(s) && s >= 0))
  throw new Error('--seeds: expected integers ≥ 0, e.g. 1,2');
if (!(Number.isInteger(steps) && steps >= 10)) throw new Error('--steps: expected an integer ≥ 10');
/** Final accuracy on the first n validation samples (the page shows 500 during a run). */
const VALIDATION = 2000;

const choice = (name: DatasetName): DatasetChoice =>
  name === 'mnist' ? { kind: 'mnist' } : { kind: 'generated', ...DEFAULT_GENERATED };

const loaded = new Map<DatasetName, Dataset>();
function dataset(name: DatasetName): Dataset {
  let d = loaded.get(name);
  if (!d) {
    d = name === 'mnist' ? loadMnist() : generateShapes({ ...DEFAULT_GENERATED });
    loaded.set(name, d);
  }
  return d;
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
const describe = (b: Budgets) =>
  [
    b.flash !== undefined ? `flash ${kb(b.flash)}` : '',
    b.ram !== undefined ? `RAM ${kb(b.ram)}` : '',
    b.latency !== undefined ? `latency ${b.latency} ms` : '',
  ]
    .filter(Boolean)
    .join(', ');

function markdown(rows: Row[], machine: string): string {
  const board = boardFor(BASE_DEFAULTS);
  const s = BASE_DEFAULTS.schedule;
  const lines = [
    '# Default budgets: accuracy kept by the default run',
    '',
    `Machine: ${machine}.`,
    `Commands: ${[...new Set(rows.map((r) => r.command))].join('; ')}.`,
    "Backend: wasm + SIMD training kernels (Node), the worker's training code path (PruningTrainer).",
    '',
    `Every run uses the page's defaults: board ${board.name}, ${steps} steps` +
      (steps === s.totalSteps
        ? ' (the default)'
        : ` (the page's default is ${s.totalSteps}: shortened here)`) +
      `, schedule warm-up ${s.warmupFraction * 100}% / pruning ${s.pruneFraction * 100}%, batch ${BASE_DEFAULTS.batchSize}, ` +
      `Adam lr ${BASE_DEFAULTS.learningRate}, width ×${BASE_DEFAULTS.widthMultiplier}; MNIST (8,000 training digits) and the ` +
      `generated shapes at their defaults (seed ${DEFAULT_GENERATED.seed}, ${DEFAULT_GENERATED.classes} classes, ` +
      `${DEFAULT_GENERATED.size}×${DEFAULT_GENERATED.size}, ${DEFAULT_GENERATED.samples} samples). Budgets: the ones the page ` +
      'proposes for that model, dataset and board (src/state/budgets.ts). Accuracy: the first ' +
      `${VALIDATION} validation samples (all of them when fewer). Seeds: ${[...new Set(rows.map((r) => r.seed))].sort((a, b) => a - b).join(', ')}.`,
    '',
    '| model | dataset | seed | shrink (flash/RAM/latency) | default budgets | unpruned | default run | kept | final network | fits |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  const order = (r: Row) =>
    DATASETS.indexOf(r.dataset) * 1e6 + MODEL_ZOO.findIndex((m) => m.id === r.model) * 1e3 + r.seed;
  for (const r of [...rows].sort((a, b) => order(a) - order(b))) {
    const k = r.shrink;
    lines.push(
      `| ${r.model} | ${r.dataset} | ${r.seed} | 1/${k.flash}, 1/${k.ram}, 1/${k.latency} | ${describe(r.budgets)} (of ${kb(r.unpruned.flash)}, ${kb(r.unpruned.ram)}, ${r.unpruned.latency.toFixed(1)} ms) | ` +
        `${pct(r.unprunedAccuracy)} | ${pct(r.prunedAccuracy)} | **${pct(r.prunedAccuracy / r.unprunedAccuracy)}** | ` +
        `${kb(r.final.flash)}, ${kb(r.final.ram)}, ${r.final.latency.toFixed(1)} ms; channels ${r.kept} | ${r.fits ? 'yes' : 'NO'} |`,
    );
  }
  const ratios = rows.map((r) => r.prunedAccuracy / r.unprunedAccuracy);
  if (ratios.length > 0) {
    const worst = Math.min(...ratios);
    lines.push(
      '',
      `Lowest kept fraction: ${pct(worst)} (target ≥ 95%: ${worst >= 0.95 ? 'met' : 'NOT met'}` +
        ` in ${rows.length} runs). "kept" = default run ÷ unpruned, same seed.`,
    );
  }
  return lines.join('\n') + '\n';
}

function settings(seed: number, budgets: Budgets, pruning: boolean): TrainerSettings {
  const s = BASE_DEFAULTS.schedule;
  return {
    totalSteps: steps,
    warmupFraction: s.warmupFraction,
    pruneFraction: s.pruneFraction,
    batchSize: BASE_DEFAULTS.batchSize,
    learningRate: BASE_DEFAULTS.learningRate,
    seed,
    budgets,
    validationEvery: 0,
    validationSamples: VALIDATION,
    pruning,
  };
}

async function train(trainer: PruningTrainer): Promise<number> {
  while (!trainer.done) await trainer.trainStep();
  return trainer.accuracy(trainer.dataset.validation, VALIDATION);
}

async function main() {
  const problem = await useBackend('wasm');
  if (problem) throw new Error(`The wasm backend is unavailable: ${problem}`);
  const started = new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
  const args = process.argv.slice(2).join(' ');
  const command = `\`npm run bench:defaults${args ? ` -- ${args}` : ''}\` (${started})`;
  const machine = describeMachine(machineInfo());
  const out = join(ROOT, 'bench', 'results', outName);
  const json = out.replace(/\.md$/, '-runs.json');
  const reuseUnpruned = process.argv.includes('--reuse-unpruned');
  const rows: Row[] =
    (process.argv.includes('--append') || process.argv.includes('--render') || reuseUnpruned) &&
    existsSync(json)
      ? (JSON.parse(readFileSync(json, 'utf8')) as Row[])
      : [];
  if (process.argv.includes('--render')) {
    // The machine as the table described it when its rows were measured.
    const before = existsSync(out) ? /^Machine: (.*)\.$/m.exec(readFileSync(out, 'utf8')) : null;
    writeFileSync(out, markdown(rows, before?.[1] ?? machine));
    return;
  }
  for (const name of datasets) {
    const data = dataset(name);
    for (const model of models) {
      const config = { ...BASE_DEFAULTS, modelId: model, dataset: choice(name) };
      const board = boardFor(config);
      const budgets = presetBudgets(config);
      const analysed = analyseGraph(
        zooModel(model).build({
          inputShape: data.inputShape,
          numClasses: data.numClasses,
          widthMultiplier: config.widthMultiplier,
        }),
      );
      const estimator = createResourceEstimator(analysed, board);
      const unpruned = estimator.report(analysed.groups.map((g) => g.size)).values;
      for (const seed of seeds) {
        const began = performance.now();
        // The unpruned network trains without masks or π: a change of the pruning method
        // leaves it as it was, so --reuse-unpruned takes it from the row measured before.
        const previous = reuseUnpruned
          ? rows.find((r) => r.model === model && r.dataset === name && r.seed === seed)
          : undefined;
        let unprunedAccuracy = previous?.unprunedAccuracy;
        if (unprunedAccuracy === undefined) {
          const plain = new PruningTrainer(analysed, data, settings(seed, {}, false), estimator);
          unprunedAccuracy = await train(plain);
          plain.dispose();
        }
        const trainer = new PruningTrainer(
          analysed,
          data,
          settings(seed, budgets, true),
          estimator,
        );
        const prunedAccuracy = await train(trainer);
        const current = trainer.current;
        const final = createResourceEstimator(current, board).report(
          current.groups.map((g) => g.size),
        ).values;
        const fits = fitsBudgets(final, budgets);
        const kept = current.groups
          .filter((g) => g.prunable)
          .map((g) => g.size)
          .join('-');
        trainer.dispose();
        const row: Row = {
          model,
          dataset: name,
          seed,
          budgets,
          unpruned,
          unprunedAccuracy,
          prunedAccuracy,
          final,
          fits,
          kept,
          seconds: (performance.now() - began) / 1000,
          shrink: modelShrink(model),
          command,
        };
        const same = rows.findIndex(
          (r) => r.model === model && r.dataset === name && r.seed === seed,
        );
        if (same >= 0) rows[same] = row;
        else rows.push(row);
        console.log(
          `${model} ${name} seed ${seed}: unpruned ${pct(unprunedAccuracy)}, default ${pct(prunedAccuracy)} ` +
            `(${pct(prunedAccuracy / unprunedAccuracy)}) ${describe(budgets)} kept ${kept}${fits ? '' : ' OVER BUDGET'} ` +
            `${row.seconds.toFixed(0)} s`,
        );
        writeFileSync(out, markdown(rows, machine));
        writeFileSync(json, JSON.stringify(rows, null, 1) + '\n');
      }
    }
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
