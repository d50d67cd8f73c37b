/**
 * `npm run bench`: pruning overhead, quality at a budget and training throughput. Writes
 * markdown tables to bench/results/ (bench/results/quick/ with --quick) and prints them.
 *
 *   npm run bench                       every section; the quality protocol in full takes hours
 *   npm run bench -- --only quality --steps 240 --seeds 1,2,3 --budgets flash/4,ram/4
 *                                       a reduced quality run (flags: settings.ts qualityConfigs)
 *   npm run bench -- --quick            a smoke run (~2 min)
 *   npm run bench -- --only overhead,throughput --backends cpu,wasm,webgl,webgpu
 *   npm run bench -- --no-browser       Node backends only
 *   npm run bench -- --only backends    ms/step of nets A, B and the zoo on wasm (1 and 2 kernel
 *                                       threads) / webgl / webgpu / cpu in headless Chromium and
 *                                       PyTorch at 1 and 2 threads (results/backends.md);
 *                                       `--repeat N`: N alternating runs, each cell their median
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StepTimingConfig } from './backends';
import { BACKEND_SECTION_SETTINGS } from './backend-settings';
import {
  backendsMarkdown,
  mergeRepeatedRuns,
  runPytorch,
  type BrowserStepRun,
  type PytorchRun,
} from './backends-report';
import type { BrowserBackend, PageJob, PageResult } from './pages/protocol';
import { runInBrowser } from './browser';
import {
  backendLabel,
  describeMachine,
  loadMnist,
  machineInfo,
  ROOT,
  useBackend,
  type NodeBackend,
} from './node-env';
import {
  describeBudget,
  mergeSections,
  runQuality,
  type BudgetedResource,
  type QualityDataset,
  type QualityResult,
  type QualityRun,
} from './quality';
import type { Dataset } from '../src/data/dataset';
import { generateTexturedShapes } from '../src/data/textured';
import {
  overheadMarkdown,
  qualityMarkdown,
  throughputMarkdown,
  type BackendRun,
  type QualitySection,
} from './report';
import {
  DEFAULT_SETTINGS,
  QUALITY_LENGTHS,
  QUICK_SETTINGS,
  qualityConfigs,
  type Backend,
} from './settings';
import {
  measureOverhead,
  measureThroughput,
  type OverheadResult,
  type ThroughputResult,
} from './timing';

type Section = 'overhead' | 'quality' | 'throughput' | 'backends';
const SECTIONS: Section[] = ['overhead', 'throughput', 'backends', 'quality'];
const BACKENDS: Backend[] = ['cpu', 'wasm', 'webgl', 'webgpu'];

const args = process.argv.slice(2);
function listOption<T extends string>(name: string, all: readonly T[]): T[] {
  const i = args.indexOf(name);
  if (i < 0) return [...all];
  const picked = (args[i + 1] ?? '').split(',').filter(Boolean);
  const unknown = picked.filter((p) => !all.includes(p as T));
  if (unknown.length)
    throw new Error(`${name}: unknown ${unknown.join(', ')}; known: ${all.join(', ')}`);
  return picked as T[];
}

const settings = args.includes('--quick') ? QUICK_SETTINGS : DEFAULT_SETTINGS;
const sections = listOption('--only', SECTIONS);
const noBrowser = args.includes('--no-browser');
/** `--repeat N`: the backend section's columns run N times, each cell their median. */
const REPEAT = (() => {
  const i = args.indexOf('--repeat');
  const n = i < 0 ? 1 : Number(args[i + 1]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--repeat "${args[i + 1]}": expected N ≥ 1`);
  return n;
})();

/** A browser page's plain training steps as one column of the backend table. */
function stepRunOf(r: PageResult, where: string, skipped?: string): BrowserStepRun {
  return {
    backend: r.backend,
    where,
    results: r.steps ?? [],
    skipped,
    threads: r.threads,
    crossOriginIsolated: r.crossOriginIsolated,
  };
}
const backends = listOption('--backends', BACKENDS).filter(
  (b) => !(noBrowser && (b === 'webgl' || b === 'webgpu')),
);
/**
 * The backend section: all of it alone (`--only backends`), nets A and B only inside the default
 * run of every section (keeps that under 30 min), a smoke run with --quick.
 */
const backendSection =
  settings.mode === 'quick'
    ? BACKEND_SECTION_SETTINGS.quick
    : sections.includes('quality')
      ? BACKEND_SECTION_SETTINGS.inDefaultRun
      : BACKEND_SECTION_SETTINGS.full;
const command = `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}`;
const outDir = join(ROOT, 'bench/results', settings.mode === 'quick' ? 'quick' : '');
/** `--quality-file NAME.md`: where the quality tables go (default quality.md), for experiments. */
const qualityFile = (() => {
  const i = args.indexOf('--quality-file');
  const name = i < 0 ? 'quality.md' : (args[i + 1] ?? '');
  if (!/^[\w.-]+\.md$/.test(name)) throw new Error(`--quality-file "${name}": expected NAME.md`);
  return name;
})();
const machine = machineInfo();
const log = (line: string) => console.log(line);

function write(name: string, markdown: string): void {
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, name), markdown);
  console.log(`\n${markdown}\nwritten to ${join(outDir, name)}\n`);
}

function saveQuality(sections: QualitySection[], label: string, quiet = false): void {
  const markdown = qualityMarkdown(
    sections,
    label,
    machine,
    command,
    listArg('--not-run'),
    listArg('--notes'),
  );
  if (quiet) {
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, qualityFile), markdown);
  } else write(qualityFile, markdown);
  writeFileSync(
    join(outDir, qualityFile.replace(/\.md$/, '-runs.json')),
    JSON.stringify(
      {
        machine,
        backend: label,
        sections: sections.map((s) => ({ config: s.config, minutes: s.minutes, ...s.result })),
      },
      null,
      1,
    ),
  );
}

/** `--not-run "a;b"` (what the tables should say was not run), `--notes "a;b"` (provenance). */
function listArg(name: string): string[] {
  const i = args.indexOf(name);
  return i < 0 ? [] : (args[i + 1] ?? '').split(';').filter(Boolean);
}

/**
 * `--merge a-runs.json,b-runs.json:uniform+magnitude` (files under the results folder, each
 * optionally limited to some methods' runs): one quality table from
 * separate runs of the same lengths (e.g. the baselines and (a) run apart), sections matched by
 * length; nothing is trained.
 */
type SavedQuality = {
  backend: string;
  sections: (QualityResult & { config: QualitySection['config']; minutes: number })[];
};

/**
 * The quality JSON as saved before budgets could name several resources (one section; a budget
 * was { resource, divisor } and a run's figure one `value`), read as today's format.
 */
function upgradeSaved(saved: SavedQuality | Record<string, unknown>): SavedQuality {
  if ('sections' in saved) return saved as SavedQuality;
  type Old = {
    backend: string;
    config: Omit<QualitySection['config'], 'budgets'> & {
      budgets: { resource: BudgetedResource; divisor: number }[];
    };
    budgetValues: number[];
    runs: (Omit<QualityRun, 'figures'> & { value: number })[];
  } & Omit<QualityResult, 'budgetValues' | 'runs'>;
  const old = saved as unknown as Old;
  const resources = old.config.budgets.map((b) => b.resource);
  return {
    backend: old.backend,
    sections: [
      {
        ...old,
        minutes: NaN,
        config: {
          ...old.config,
          budgets: old.config.budgets.map((b) => ({ divisors: { [b.resource]: b.divisor } })),
        },
        budgetValues: old.budgetValues.map((v, b) => ({ [resources[b]]: v })),
        runs: old.runs.map(({ value, ...run }) => ({
          ...run,
          figures: run.budget < 0 ? {} : { [resources[run.budget]]: value },
        })),
      },
    ],
  };
}

function mergeQualityFiles(files: string[]): void {
  // "file.json" or "file.json:method+method" (only those methods' runs; "unpruned" for the reference).
  const saved = files.map((entry) => {
    const [file, only] = entry.split(':');
    const data = upgradeSaved(JSON.parse(readFileSync(join(outDir, file), 'utf8')));
    if (!only) return data;
    const keep = new Set(only.split('+'));
    return {
      ...data,
      sections: data.sections.map((x) => ({
        ...x,
        runs: x.runs.filter((r) => keep.has(r.method)),
      })),
    };
  });
  const lengths = [...new Set(saved.flatMap((s) => s.sections.map((x) => x.config.steps)))];
  const sections: QualitySection[] = lengths.map((steps) => {
    const parts = saved.flatMap((s) => s.sections.filter((x) => x.config.steps === steps));
    const { config, result } = mergeSections(parts.map((p) => ({ config: p.config, result: p })));
    return { config, result, minutes: parts.reduce((t, p) => t + p.minutes, 0) };
  });
  saveQuality(sections, saved[0].backend);
}

async function main(): Promise<void> {
  const mergeAt = args.indexOf('--merge');
  if (mergeAt >= 0) {
    mergeQualityFiles((args[mergeAt + 1] ?? '').split(',').filter(Boolean));
    return;
  }
  const began = performance.now();
  log(
    `Pruning Studio benchmark (${settings.mode}): ${sections.join(', ')} on ${backends.join(', ')}`,
  );
  log(`Machine: ${describeMachine(machine)}`);
  const overhead: BackendRun<OverheadResult>[] = [];
  const throughput: BackendRun<ThroughputResult>[] = [];
  const nodeWhere = `Node ${machine.node}, ${machine.cpu} × ${machine.cores}`;

  for (const backend of backends.filter((b): b is NodeBackend => b === 'cpu' || b === 'wasm')) {
    const wantOverhead = sections.includes('overhead') && settings.overhead[backend];
    const wantThroughput = sections.includes('throughput') && settings.throughput[backend];
    if (!wantOverhead && !wantThroughput) continue;
    const label = backendLabel(backend);
    const problem = await useBackend(backend);
    if (problem) log(`${label}: unavailable (${problem})`);
    if (wantOverhead) {
      const run: BackendRun<OverheadResult> = {
        backend: label,
        where: nodeWhere,
        results: [],
        skipped: problem,
      };
      if (!problem) {
        const mnist = loadMnist();
        for (const config of settings.overhead[backend]!) {
          log(`overhead on ${label}: ${config.model} ×${config.width}, batch ${config.batch}`);
          run.results.push(await measureOverhead(mnist, config, log));
        }
      }
      overhead.push(run);
    }
    if (wantThroughput) {
      log(`throughput on ${label}`);
      throughput.push({
        backend: label,
        where: nodeWhere,
        results: problem ? [] : await measureThroughput(settings.throughput[backend]!, log),
        skipped: problem,
      });
    }
  }

  // One page per browser backend, for every section that runs there. Overhead runs on webgl and
  // webgpu only; throughput on those and wasm (the app's wasm training backend in the browser);
  // the backend section on all four.
  const browserOrder: BrowserBackend[] = ['wasm', 'webgl', 'webgpu', 'cpu'];
  const browserBackends = noBrowser ? [] : browserOrder.filter((b) => backends.includes(b));
  const gpuLike = (b: BrowserBackend) => b === 'webgl' || b === 'webgpu';
  const jobs: PageJob[] = browserBackends
    .map((backend): PageJob => ({
      backend,
      overhead:
        sections.includes('overhead') && gpuLike(backend) ? (settings.overhead[backend] ?? []) : [],
      throughput:
        sections.includes('throughput') && backend !== 'cpu'
          ? settings.throughput[backend]
          : undefined,
      steps: sections.includes('backends') ? backendSection.browser[backend] : undefined,
      ...(backend === 'wasm' ? { threads: 1 } : {}),
    }))
    .filter((job) => job.overhead.length > 0 || job.throughput || job.steps);
  // The backend section's second wasm column: the same steps with two kernel threads.
  const wasmOne = jobs.findIndex((j) => j.backend === 'wasm' && j.steps);
  if (wasmOne >= 0)
    jobs.splice(wasmOne + 1, 0, {
      backend: 'wasm',
      threads: 2,
      overhead: [],
      steps: jobs[wasmOne].steps,
    });
  const browserLabel = (b: BrowserBackend) =>
    b === 'wasm' ? 'wasm + SIMD training kernels (headless Chromium)' : `${b} (headless Chromium)`;
  const stepRuns: BrowserStepRun[] = [];
  const backendsBegan = performance.now();
  if (jobs.length > 0) {
    try {
      const timeoutMs = sections.includes('backends')
        ? Math.max(settings.browserTimeoutMs, backendSection.pageTimeoutMs)
        : settings.browserTimeoutMs;
      const { version, results } = await runInBrowser(jobs, log, timeoutMs);
      for (const r of results) {
        const label = browserLabel(r.backend);
        const where = `Chromium ${version}, ${r.device || 'device not reported'}, navigator.hardwareConcurrency ${r.hardwareConcurrency}`;
        const skipped = r.skipped ?? r.error;
        const job = jobs[results.indexOf(r)]; // one result per job, in order
        if (job.overhead.length > 0)
          overhead.push({ backend: label, where, results: r.overhead, skipped });
        if (job.throughput)
          throughput.push({ backend: label, where, results: r.throughput, skipped });
        if (job.steps) stepRuns.push(stepRunOf(r, where, skipped));
      }
    } catch (error) {
      const reason = `browser run failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
      log(reason);
      for (const job of jobs) {
        const run = { backend: browserLabel(job.backend), where: '', results: [], skipped: reason };
        if (job.overhead.length > 0) overhead.push(run);
        if (job.throughput) throughput.push({ ...run, results: [] });
        if (job.steps)
          stepRuns.push({
            backend: job.backend,
            where: '',
            results: [],
            skipped: reason,
            ...(job.threads ? { threads: { requested: job.threads, ran: 0 } } : {}),
          });
      }
    }
  }
  if (sections.includes('backends')) {
    if (noBrowser) log('backends: the browser columns are skipped (--no-browser)');
    const runTorch = (): PytorchRun[] =>
      [1, 2].map((threads) => {
        log(`backends: PyTorch CPU reference (bench/pytorch_reference.py, ${threads} thread(s))`);
        const run = runPytorch(backendSection.pytorch as StepTimingConfig, { threads });
        for (const r of run.results)
          log(
            `  PyTorch ${r.net} batch ${r.batch}: ${r.error ?? `${r.stepMs.toFixed(1)} ms/step`}`,
          );
        if (run.skipped) log(`  PyTorch: ${run.skipped}`);
        return run;
      });
    // `--repeat N`: the browser columns and PyTorch N times, alternating which goes first, so
    // that a slow minute of the shared machine does not land on one column only.
    const stepRepeats = [stepRuns];
    const torchRepeats = [runTorch()];
    const stepJobs = jobs
      .filter((job) => job.steps)
      .map((job) => ({ ...job, overhead: [], throughput: undefined }));
    for (let r = 1; r < REPEAT; r++) {
      log(`backends: run ${r + 1} of ${REPEAT}`);
      if (r % 2 === 1) torchRepeats.push(runTorch());
      if (stepJobs.length > 0) {
        const timeoutMs = Math.max(settings.browserTimeoutMs, backendSection.pageTimeoutMs);
        const again = await runInBrowser(stepJobs, log, timeoutMs).catch((error: unknown) => {
          log(`browser run failed: ${error instanceof Error ? error.message : String(error)}`);
          return undefined;
        });
        if (again) {
          stepRepeats.push(
            again.results.map((result) => stepRunOf(result, '', result.skipped ?? result.error)),
          );
        }
      }
      if (r % 2 === 0) torchRepeats.push(runTorch());
    }
    const merged = stepRuns.map((run, i) =>
      mergeRepeatedRuns([
        run,
        ...stepRepeats.slice(1).map((runs) => ({ ...runs[i], where: run.where })),
      ]),
    );
    const pytorch = [0, 1].map((i) => mergeRepeatedRuns(torchRepeats.map((runs) => runs[i])));
    const minutes = (performance.now() - backendsBegan) / 60_000;
    write(
      'backends.md',
      backendsMarkdown(merged, pytorch, machine, command, minutes, machineInfo().loadAverage),
    );
    writeFileSync(
      join(outDir, 'backends-runs.json'),
      JSON.stringify(
        {
          machine,
          settings: backendSection,
          browser: merged,
          pytorch,
          ...(REPEAT > 1 ? { repeats: { browser: stepRepeats, pytorch: torchRepeats } } : {}),
        },
        null,
        1,
      ),
    );
  }
  if (overhead.length) {
    write('overhead.md', overheadMarkdown(overhead, machine, command));
    writeFileSync(
      join(outDir, 'overhead-runs.json'),
      JSON.stringify({ machine, overhead }, null, 1),
    );
  }
  if (throughput.length) {
    write('throughput.md', throughputMarkdown(throughput, machine, command));
    writeFileSync(
      join(outDir, 'throughput-runs.json'),
      JSON.stringify({ machine, throughput }, null, 1),
    );
  }

  if (sections.includes('quality')) {
    const backend = settings.qualityBackend;
    const problem = await useBackend(backend);
    if (problem) {
      log(
        `quality: the ${backend} backend is unavailable (${problem}); the quality runs need it ` +
          '(tfjs cpu in Node is ~100× slower). Build the wasm kernels: node scripts/build-wasm.mjs',
      );
      process.exitCode = 1;
    } else {
      const configs = qualityConfigs(
        args,
        settings.quality,
        settings.mode === 'quick' ? [settings.quality.steps] : QUALITY_LENGTHS,
      );
      const tasks = new Map<QualityDataset, Dataset>();
      const taskOf = (name: QualityDataset = 'mnist') => {
        let task = tasks.get(name);
        if (!task) {
          task = name === 'textured' ? generateTexturedShapes() : loadMnist();
          tasks.set(name, task);
        }
        return task;
      };
      const sections: QualitySection[] = [];
      const label = backendLabel(backend);
      for (const q of configs) {
        log(
          `quality on ${label}: ${q.dataset ?? 'mnist'}, ${q.model} ×${q.width}, ${q.steps} steps, seeds ${q.seeds.join(', ')}, budgets ${q.budgets.map(describeBudget).join(', ')}`,
        );
        const start = performance.now();
        const save = (result: QualityResult, quiet: boolean) => {
          const minutes = (performance.now() - start) / 60_000;
          saveQuality([...sections, { config: q, result, minutes }], label, quiet);
        };
        // Written after every run, so that a long run stopped early keeps what it finished.
        const result = await runQuality(taskOf(q.dataset), q, log, (partial) =>
          save(partial, true),
        );
        save(result, false);
        sections.push({ config: q, result, minutes: (performance.now() - start) / 60_000 });
      }
      if (!sections.every((s) => s.result.runs.every((r) => r.fits))) {
        log('FAILED: some final networks exceed their budget (see quality.md).');
        process.exitCode = 1;
      }
    }
  }
  log(`done in ${((performance.now() - began) / 60_000).toFixed(1)} min`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
