// How long the studio's main thread blocks during a default run, in headless Chromium.
//   npm run bench:main-thread [-- --runs N]
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
import { describeMachine, machineInfo, ROOT } from './node-env';

interface LongTask {
  /** ms after the click on Start. */
  at: number;
  duration: number;
}

interface MainThreadRun {
  backend: string;
  threadMode: string;
  runSeconds: number;
  longTasks: LongTask[];
}

const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const RUNS = runsAt >= 0 ? Number(args[runsAt + 1]) : 2;
const RUN_TIMEOUT_MS = 15 * 60_000;

async function oneRun(page: Page, url: string): Promise<MainThreadRun> {
  await page.addInitScript(() => {
    const w = window as unknown as { longTasks: { start: number; duration: number }[] };
    w.longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries())
        w.longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  });
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
  const clickedAt = await page.evaluate(() => performance.now());
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
  const tasks = await page.evaluate(
    () => (window as unknown as { longTasks: { start: number; duration: number }[] }).longTasks,
  );
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
    `Thread mode shown in the header: ${runs[0]?.threadMode || 'not shown'}.`,
    '',
    `Issue 18's target: no task over 50 ms. Longest task over all runs: **${fmt(worst)} ms**${worst <= 50 ? ' (met)' : ' (**not met**)'}.`,
    '',
    '| run | backend | run s | long tasks (≥ 50 ms) | > 100 ms | > 200 ms | longest ms | five longest ms |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

const outDir = join(tmpdir(), `pruning-studio-main-thread-${process.pid}`);
console.log('building the studio (vite build)…');
await build({ root: ROOT, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
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
const md = markdown(
  runs,
  describeMachine(machineInfo()),
  `npm run bench:main-thread -- --runs ${RUNS}`,
);
writeFileSync(join(resultsDir, 'main-thread.md'), md);
writeFileSync(join(resultsDir, 'main-thread-runs.json'), JSON.stringify(runs, null, 1));
console.log(md);
