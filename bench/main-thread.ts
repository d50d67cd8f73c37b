// How long the studio's main thread blocks during a default run, in headless Chromium.
//   npm run bench:main-thread [-- --runs N] [--profile | --trace]
// Builds the app (its own vite.config.ts) into a temporary folder, serves it with vite preview
// (which sends COOP / COEP, as the studio's hosts should), opens it with no link (the built-in
// defaults), starts a run and waits for "Finished"; a PerformanceObserver for 'longtask' entries
// (tasks of 50 ms or more) records every long task from the click on Start until the finished
// run's files are kept. Writes bench/results/main-thread.md (+ main-thread-runs.json).
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { build, preview } from 'vite';
import { CHROMIUM_FLAGS } from '../e2e/chromiumFlags';
import { CHROMIUM } from './browser';
import { REDRAW_TIMING_FLAG } from '../src/ui/LiveState';
import { describeMachine, machineInfo, ROOT } from './node-env';
import { summariseLongTasks, taskSummaryMarkdown, type TraceEvent } from './trace-summary';

interface LongTask {
  /** ms after the click on Start. */
  at: number;
  duration: number;
}

/** One live chart's redraw (the page's `redraw <chart>` User Timing measures). */
interface Redraw {
  chart: string;
  at: number;
  duration: number;
}

interface MainThreadRun {
  backend: string;
  threadMode: string;
  runSeconds: number;
  longTasks: LongTask[];
  redraws: Redraw[];
}

const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const RUNS = runsAt >= 0 ? Number(args[runsAt + 1]) : 2;
const RUN_TIMEOUT_MS = 15 * 60_000;
/** `--profile`: an unminified build, and a CPU profile of the run summarised per long task. */
const PROFILE = args.includes('--profile');
/**
 * `--trace`: a Chromium trace of the run (devtools.timeline), and per long task the browser's
 * own work in it (style, layout, paint, GC: what a CPU profile lumps into "(program)").
 */
const TRACE = args.includes('--trace');
/** `--trace-min MS`: summarise the traced tasks of at least MS (default 50: the long tasks). */
const TRACE_MIN_MS = args.includes('--trace-min')
  ? Number(args[args.indexOf('--trace-min') + 1])
  : 50;
const TRACE_CATEGORIES = [
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  'v8',
  'blink.user_timing',
].join(',');

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: CpuProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/**
 * Where the main thread's time went inside the long tasks: per function, the time of the samples
 * in any long task whose stack holds it (inclusive) and where it is the top frame (self).
 */
function summariseProfile(profile: CpuProfile, tasks: LongTask[], rows = 40): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const markNodes = new Set(
    profile.nodes.filter((n) => n.callFrame.functionName === 'profileMark').map((n) => n.id),
  );
  let clickedAtUs = profile.startTime;
  {
    let at = profile.startTime;
    for (let i = 0; i < profile.samples.length; i++) {
      at += profile.timeDeltas[i];
      if (markNodes.has(profile.samples[i])) {
        clickedAtUs = at;
        break;
      }
    }
  }
  const name = (n: CpuProfileNode) => {
    const file = n.callFrame.url.split('/').at(-1) ?? '';
    return `${n.callFrame.functionName || '(anonymous)'} ${file}:${n.callFrame.lineNumber + 1}`;
  };
  const inclusive = new Map<string, number>();
  const self = new Map<string, number>();
  let t = profile.startTime;
  let inTasks = 0;
  const windows = tasks.map((k) => [k.at * 1000, (k.at + k.duration) * 1000]);
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i];
    const dt = profile.timeDeltas[i + 1] ?? 0;
    const at = t - clickedAtUs;
    if (!windows.some(([a, b]) => at >= a && at < b)) continue;
    inTasks += dt;
    const seen = new Set<string>();
    let id: number | undefined = profile.samples[i];
    const top = byId.get(id);
    if (top) self.set(name(top), (self.get(name(top)) ?? 0) + dt);
    while (id !== undefined) {
      const n = byId.get(id);
      if (!n) break;
      const key = name(n);
      if (!seen.has(key)) {
        seen.add(key);
        inclusive.set(key, (inclusive.get(key) ?? 0) + dt);
      }
      id = parent.get(id);
    }
  }
  const table = (m: Map<string, number>, title: string) =>
    [
      `| ${title} | ms | share |`,
      '| --- | --- | --- |',
      ...[...m.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, rows)
        .map(
          ([k, v]) => `| ${k} | ${(v / 1000).toFixed(0)} | ${((100 * v) / inTasks).toFixed(1)}% |`,
        ),
    ].join('\n');
  return [
    `Samples inside long tasks: ${(inTasks / 1000).toFixed(0)} ms.`,
    '',
    table(inclusive, 'inclusive'),
    '',
    table(self, 'self'),
  ].join('\n');
}

async function oneRun(page: Page, url: string): Promise<MainThreadRun> {
  await page.addInitScript((flag) => {
    type Entry = { name: string; start: number; duration: number };
    const w = window as unknown as Record<string, unknown> & {
      longTasks: Entry[];
      redraws: Entry[];
    };
    w.longTasks = [];
    w.redraws = [];
    // The page then measures each live chart's redraw (src/ui/LiveState.tsx).
    w[flag] = true;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries())
        w.longTasks.push({ name: e.name, start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
    new PerformanceObserver((list) => {
      for (const e of list.getEntries())
        if (e.name.startsWith('redraw '))
          w.redraws.push({ name: e.name.slice(7), start: e.startTime, duration: e.duration });
      performance.clearMeasures();
    }).observe({ type: 'measure', buffered: true });
  }, REDRAW_TIMING_FLAG);
  await page.goto(url);
  await page.getByRole('heading', { name: 'Pruning Studio' }).waitFor();
  const backend = page.getByTestId('active-backend');
  await page.waitForFunction(
    () => (document.querySelector('[data-testid="active-backend"]')?.textContent ?? '') !== '',
    undefined,
    { timeout: 120_000 },
  );
  const start = page.getByRole('button', { name: 'Start', exact: true });
  await start.waitFor();
  const cdp = PROFILE || TRACE ? await page.context().newCDPSession(page) : undefined;
  const traceEvents: TraceEvent[] = [];
  const traced = new Promise<void>((resolve) => {
    cdp?.on('Tracing.dataCollected', ({ value }) =>
      traceEvents.push(...(value as unknown as TraceEvent[])),
    );
    cdp?.on('Tracing.tracingComplete', () => resolve());
  });
  if (cdp && TRACE) {
    await cdp.send('Tracing.start', {
      categories: TRACE_CATEGORIES,
      transferMode: 'ReportEvents',
    });
  }
  if (cdp && PROFILE) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
    await cdp.send('Profiler.start');
  }
  // With a profile, a 15 ms mark right after the clock is read places the profile's samples
  // (their own clock) on the long tasks' timeline: its first sample is the click's time.
  // (A string: the bench's transpiler would wrap a named function in a helper the page lacks.)
  const clickedAt = (await page.evaluate(
    PROFILE
      ? `(() => { const now = performance.now(); (function profileMark() { const end = performance.now() + 15; while (performance.now() < end); })(); return now; })()`
      : `(() => { performance.mark('bench-start-click'); return performance.now(); })()`,
  )) as number;
  await start.click();
  const began = Date.now();
  await page.getByTestId('run-status').getByText('Finished').waitFor({ timeout: RUN_TIMEOUT_MS });
  const runSeconds = (Date.now() - began) / 1000;
  // The finished run's files are kept next (the saved-runs table gains its row).
  await page
    .getByTestId('saved-runs-table')
    .locator('tbody tr')
    .first()
    .waitFor({ timeout: 120_000 });
  if (cdp && PROFILE) {
    const { profile } = (await cdp.send('Profiler.stop')) as { profile: CpuProfile };
    profiles.push(profile);
  }
  if (cdp && TRACE) {
    await cdp.send('Tracing.end');
    await traced;
    // The trace's clock differs from the page's: take the tasks after the Start mark.
    const mark = traceEvents.find((e) => e.name === 'bench-start-click');
    traces.push(summariseLongTasks(traceEvents, TRACE_MIN_MS, mark?.ts ?? -Infinity));
  }
  const { tasks, redraws } = await page.evaluate(() => {
    type Entry = { name: string; start: number; duration: number };
    const w = window as unknown as { longTasks: Entry[]; redraws: Entry[] };
    return { tasks: w.longTasks, redraws: w.redraws };
  });
  return {
    backend: (await backend.textContent()) ?? '',
    threadMode:
      (await page
        .getByTestId('thread-mode')
        .textContent()
        .catch(() => '')) ?? '',
    runSeconds,
    longTasks: tasks
      .filter((t) => t.start >= clickedAt)
      .map((t) => ({ at: t.start - clickedAt, duration: t.duration })),
    redraws: redraws
      .filter((t) => t.start >= clickedAt)
      .map((t) => ({ chart: t.name, at: t.start - clickedAt, duration: t.duration })),
  };
}

function markdown(runs: MainThreadRun[], machine: string, command: string): string {
  const fmt = (ms: number) => ms.toFixed(0);
  const rows = runs.map((r, i) => {
    const d = r.longTasks.map((t) => t.duration).sort((a, b) => b - a);
    const over = (limit: number) => d.filter((x) => x > limit).length;
    return `| ${i + 1} | ${r.backend} | ${r.runSeconds.toFixed(0)} | ${d.length} | ${over(100)} | ${over(200)} | ${d.length ? fmt(d[0]) : '–'} | ${
      d.slice(0, 5).map(fmt).join(', ') || '–'
    } |`;
  });
  const worst = Math.max(0, ...runs.flatMap((r) => r.longTasks.map((t) => t.duration)));
  const charts = [...new Set(runs.flatMap((r) => r.redraws.map((d) => d.chart)))].sort();
  const quantile = (sorted: number[], q: number) =>
    sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN;
  const redrawRows = charts.map((chart) => {
    const d = runs
      .flatMap((r) => r.redraws.filter((x) => x.chart === chart).map((x) => x.duration))
      .sort((a, b) => a - b);
    return `| ${chart} | ${d.length} | ${fmt(quantile(d, 0.5))} | ${fmt(quantile(d, 0.9))} | ${fmt(d.at(-1) ?? NaN)} | ${d.filter((x) => x >= 50).length} |`;
  });
  return [
    '# Main-thread long tasks during a default run',
    '',
    `Machine: ${machine}.`,
    `Command: \`${command}\` (${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC).`,
    '',
    'The built studio (its own vite.config.ts, served by vite preview with COOP / COEP) in headless',
    'Chromium, opened with no link: the built-in defaults (MNIST, the default model, board and',
    'budgets). One click on Start, then until the run is Finished and its files are kept. Long',
    "tasks are the browser's own 'longtask' entries: main-thread tasks of 50 ms or more (training",
    "runs in a worker; these are the page's own work: charts, state, storage).",
    `Thread mode shown in the header: ${(runs[0]?.threadMode || 'not shown').replace(/\.+$/, '')}.`,
    '',
    `Issue 18's target: no task over 50 ms. Longest task over all runs: **${fmt(worst)} ms**${worst <= 50 ? ' (met)' : ' (**not met**)'}.`,
    '',
    '| run | backend | run s | long tasks (≥ 50 ms) | > 100 ms | > 200 ms | longest ms | five longest ms |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    "Each live chart's redraw (one task each, `src/ui/LiveState.tsx`; the page's `redraw <chart>`",
    'User Timing measures), over all runs, in ms:',
    '',
    '| chart | redraws | median | 90th percentile | longest | ≥ 50 ms |',
    '| --- | --- | --- | --- | --- | --- |',
    ...redrawRows,
    '',
  ].join('\n');
}

const outDir = join(tmpdir(), `pruning-studio-main-thread-${process.pid}`);
console.log('building the studio (vite build)…');
await build({
  root: ROOT,
  logLevel: 'warn',
  build: { outDir, emptyOutDir: true, minify: !PROFILE },
});
const server = await preview({
  root: ROOT,
  logLevel: 'warn',
  build: { outDir },
  preview: { port: 4290, strictPort: false, host: '127.0.0.1' },
});
const url = server.resolvedUrls?.local[0];
if (!url) throw new Error('vite preview did not report its address');
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: [...CHROMIUM_FLAGS],
});
const runs: MainThreadRun[] = [];
const profiles: CpuProfile[] = [];
const traces: ReturnType<typeof summariseLongTasks>[] = [];
try {
  for (let i = 0; i < RUNS; i++) {
    // A fresh context each time: no stored runs or checkpoints from the run before.
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      const run = await oneRun(page, url);
      console.log(
        `run ${i + 1}: ${run.backend}, ${run.runSeconds.toFixed(0)} s, ${run.longTasks.length} long tasks, longest ${Math.max(0, ...run.longTasks.map((t) => t.duration)).toFixed(0)} ms`,
      );
      runs.push(run);
    } finally {
      await context.close();
    }
  }
} finally {
  await browser.close();
  await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
}
const resultsDir = join(ROOT, 'bench/results');
mkdirSync(resultsDir, { recursive: true });
if (TRACE) {
  const md = [
    "# The browser's own work in the main thread's long tasks (Chromium trace)",
    '',
    `Machine: ${describeMachine(machineInfo())}.`,
    `Command: \`npm run bench:main-thread -- --trace --runs ${RUNS}${TRACE_MIN_MS !== 50 ? ` --trace-min ${TRACE_MIN_MS}` : ''}\` (${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC).`,
    `A trace of devtools.timeline events over each run; per task of ${TRACE_MIN_MS} ms or more on the`,
    "renderer's main thread after the click on Start, the self time of each event inside it",
    '(scripts by function, and the style, layout, paint and GC work a CPU profile shows as',
    '"(program)"). A traced run is a little slower than an untraced one.',
    '',
    ...traces.flatMap((tasks, i) => [
      `## Run ${i + 1}`,
      '',
      taskSummaryMarkdown(tasks, 12, TRACE_MIN_MS),
      '',
    ]),
  ].join('\n');
  writeFileSync(join(resultsDir, 'main-thread-trace.md'), md);
  console.log(md);
} else if (PROFILE) {
  // A profiled run is slower (sampling); it explains the long tasks, it does not count them.
  const parts = runs.map((run, i) => {
    const file = join(tmpdir(), `main-thread-run${i + 1}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profiles[i]));
    console.log(`CPU profile of run ${i + 1}: ${file} (open it in Chrome DevTools)`);
    const longest = [...run.longTasks].sort((a, b) => b.duration - a.duration)[0];
    return [
      `## Run ${i + 1}: ${run.longTasks.length} long tasks, longest ${longest?.duration.toFixed(0) ?? '–'} ms`,
      '',
      '### All long tasks',
      '',
      summariseProfile(profiles[i], run.longTasks),
      '',
      // Each long task on its own: the tasks at the start and at the finish differ in cause.
      ...run.longTasks.flatMap((task, k) => [
        `### Long task ${k + 1} (${task.duration.toFixed(0)} ms at ${(task.at / 1000).toFixed(1)} s)`,
        '',
        summariseProfile(profiles[i], [task], 25),
        '',
      ]),
    ].join('\n');
  });
  const md = [
    '# Where the main thread spends its long tasks (CPU profile)',
    '',
    `Machine: ${describeMachine(machineInfo())}.`,
    `Command: \`npm run bench:main-thread -- --profile --runs ${RUNS}\` (${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC).`,
    'An unminified build, sampled every 0.5 ms over the run; per function, the time of the samples',
    'inside long tasks (≥ 50 ms) whose stack holds it (inclusive) or ends in it (self).',
    '',
    ...parts,
  ].join('\n');
  writeFileSync(join(resultsDir, 'main-thread-profile.md'), md);
  console.log(md.slice(0, 6000));
} else {
  const md = markdown(
    runs,
    describeMachine(machineInfo()),
    `npm run bench:main-thread -- --runs ${RUNS}`,
  );
  writeFileSync(join(resultsDir, 'main-thread.md'), md);
  writeFileSync(join(resultsDir, 'main-thread-runs.json'), JSON.stringify(runs, null, 1));
  console.log(md);
}
