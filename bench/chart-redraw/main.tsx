// The studio's live charts on a page of their own, fed made-up steps instead of a worker, so
// that the cost of each chart's redraw can be measured without a run competing for the cores
// (bench/chart-redraw.ts). The hash holds the job: {"points": N, "updates": U}.
import { createRoot } from 'react-dom/client';
import '../../src/ui/styles.css';
import { appendMetrics, emptyRunSeries, type RunSeries } from '../../src/state/series';
import { studioStore } from '../../src/state/store';
import { makeMetrics } from '../../src/testing/runFixtures';
import { LiveCharts } from '../../src/ui/LiveCharts';
import { REDRAW_TIMING_FLAG } from '../../src/ui/LiveState';
import type { StepMetrics } from '../../src/worker/protocol';

declare global {
  interface Window {
    chartResult?: { redraws: Record<string, number[]>; longTasks: number[] } | { error: string };
  }
}

(globalThis as Record<string, unknown>)[REDRAW_TIMING_FLAG] = true;
const job = JSON.parse(decodeURIComponent(location.hash.slice(1)) || '{}') as {
  points?: number;
  updates?: number;
};
const TOTAL = 5000;

/** The MNIST CNN's groups, with importances and masks that change from step to step. */
function metrics(step: number): StepMetrics {
  const sizes: [string, number][] = [
    ['conv1', 32],
    ['conv2', 32],
    ['conv3', 64],
    ['conv4', 64],
    ['dense1', 128],
  ];
  const pi = Math.max(0.1, 1 - step / TOTAL);
  return makeMetrics(step, {
    totalSteps: TOTAL,
    phase: 'pruning',
    loss: 0.2 + Math.abs(Math.sin(step / 7)) / (1 + step / 50),
    accuracy: 0.9 + 0.05 * Math.sin(step / 5),
    validationAccuracy: step % 40 === 0 ? 0.95 : undefined,
    groups: [
      ...sizes.map(([name, size], g) => {
        const kept = Math.max(1, Math.round(size * pi));
        const importance = Array.from(
          { length: size },
          (_, c) => Math.abs(Math.sin(c * 1.7 + g + step / 30)) * 1e-3,
        );
        return {
          name,
          size,
          prunable: true,
          sizeProportion: pi,
          kept,
          importance,
          mask: importance.map((_, c) => (c < kept ? 1 : 0)),
        };
      }),
      // The fixture's logits group (not prunable).
      ...makeMetrics(step).groups.filter((g) => !g.prunable),
    ],
  });
}

function show(series: RunSeries, latest: StepMetrics) {
  studioStore.setState((s) => ({ run: { ...s.run, status: 'running', series, latest } }));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const redraws: Record<string, number[]> = {};
  let recording = false;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (!recording || !e.name.startsWith('redraw ')) continue;
      (redraws[e.name.slice(7)] ??= []).push(e.duration);
    }
  }).observe({ type: 'measure' });
  const longTasks: number[] = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (recording) longTasks.push(e.duration);
  }).observe({ type: 'longtask' });
  let series = emptyRunSeries();
  let step = 0;
  const points = job.points ?? 300;
  while (series.steps.points.length < points) series = appendMetrics(series, metrics(++step));
  show(series, metrics(step));
  createRoot(document.getElementById('root')!).render(
    <div className="chart-grid" style={{ width: 1200 }}>
      <LiveCharts />
    </div>,
  );
  await sleep(2000);
  recording = true;
  for (let u = 0; u < (job.updates ?? 30); u++) {
    // A few steps per update, as the store takes the worker's metrics in batches.
    for (let k = 0; k < 4; k++) series = appendMetrics(series, metrics(++step));
    show(series, metrics(step));
    // Every live chart redraws at most every 400 ms, one per task (src/ui/LiveState.tsx).
    await sleep(500);
  }
  recording = false;
  window.chartResult = { redraws, longTasks };
}

main().catch((e: unknown) => {
  window.chartResult = { error: e instanceof Error ? e.message : String(e) };
});
