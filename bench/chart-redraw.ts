// What one redraw of each live chart costs on the page's main thread, with nothing else
// running: the charts of the studio (src/ui) on a page of their own (bench/chart-redraw/), fed
// made-up steps. Prints, per chart, the median and 90th percentile of its redraws in ms.
//   npm run bench:charts [-- --points 300,500 --updates 30 --runs 3]
// For comparing chart code (before / after a change, in one sitting); the run's own long
// tasks are measured by `npm run bench:main-thread`.
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { chromium } from 'playwright-core';
import { build, preview } from 'vite';
import react from '@vitejs/plugin-react';
import { CHROMIUM_FLAGS } from '../e2e/chromiumFlags';
import { CHROMIUM } from './browser';
import { ROOT } from './node-env';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : fallback;
};
const POINTS = flag('points', '300').split(',').map(Number);
const UPDATES = Number(flag('updates', '30'));
const RUNS = Number(flag('runs', '3'));
/** `--profile`: an unminified build and the top functions of a CPU profile of the updates. */
const PROFILE = args.includes('--profile');
/**
 * `--throttle R`: Chrome's CPU throttling (R× slower), standing in for a run's worker and kernel
 * threads taking the cores (on 2 cores a run's redraws took 2–3× their quiet time).
 */
const THROTTLE = Number(flag('throttle', '1'));

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

function topSelf(nodes: ProfileNode[], count: number): string[] {
  const self = new Map<string, number>();
  let total = 0;
  for (const n of nodes) {
    if (['(idle)', '(program)', '(root)'].includes(n.callFrame.functionName)) continue;
    const key = `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').at(-1)}:${n.callFrame.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + (n.hitCount ?? 0));
    total += n.hitCount ?? 0;
  }
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([k, v]) => `${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`);
}

const outDir = join(tmpdir(), `pruning-studio-chart-redraw-${process.pid}`);
const shared = {
  configFile: false as const,
  root: join(ROOT, 'bench/chart-redraw'),
  base: './',
  logLevel: 'warn' as const,
  plugins: [react()],
};
await build({
  ...shared,
  build: { outDir, emptyOutDir: true, target: 'es2022', minify: !PROFILE },
});
const server = await preview({
  ...shared,
  build: { outDir },
  preview: { port: 4291, strictPort: false, host: '127.0.0.1' },
});
const url = server.resolvedUrls?.local[0];
if (!url) throw new Error('vite preview did not report its address');
const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_FLAGS] });
const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
try {
  for (const points of POINTS) {
    const all: Record<string, number[]> = {};
    const longTasks: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 2000 } });
      page.on('pageerror', (e) => console.log(`page error: ${e.message}`));
      const cdp = PROFILE || THROTTLE > 1 ? await page.context().newCDPSession(page) : undefined;
      if (cdp && THROTTLE > 1) await cdp.send('Emulation.setCPUThrottlingRate', { rate: THROTTLE });
      if (cdp && PROFILE) {
        await cdp.send('Profiler.enable');
        await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
        await cdp.send('Profiler.start');
      }
      await page.goto(
        `${url}index.html#${encodeURIComponent(JSON.stringify({ points, updates: UPDATES }))}`,
      );
      await page.waitForFunction(() => window.chartResult !== undefined, undefined, {
        timeout: 120_000,
      });
      const result = await page.evaluate(() => window.chartResult!);
      if (cdp && PROFILE) {
        const { profile } = (await cdp.send('Profiler.stop')) as {
          profile: { nodes: ProfileNode[] };
        };
        console.log(`CPU profile of page ${run + 1} (self time, busy samples):`);
        for (const line of topSelf(profile.nodes, 40)) console.log(`  ${line}`);
      }
      if ('error' in result) throw new Error(result.error);
      for (const [chart, d] of Object.entries(result.redraws)) (all[chart] ??= []).push(...d);
      longTasks.push(...result.longTasks);
      await page.close();
    }
    console.log(
      `\n${points} points per series, ${UPDATES} updates × ${RUNS} pages, CPU throttled ${THROTTLE}×:`,
    );
    longTasks.sort((a, b) => b - a);
    console.log(
      `long tasks (≥ 50 ms): ${longTasks.length}, longest ${
        longTasks
          .slice(0, 5)
          .map((d) => d.toFixed(0))
          .join(', ') || '–'
      } ms`,
    );
    console.log('| chart | redraws | median ms | p90 ms | longest ms |');
    console.log('| --- | --- | --- | --- | --- |');
    for (const chart of Object.keys(all).sort()) {
      const d = all[chart].sort((a, b) => a - b);
      console.log(
        `| ${chart} | ${d.length} | ${quantile(d, 0.5).toFixed(1)} | ${quantile(d, 0.9).toFixed(1)} | ${d.at(-1)!.toFixed(1)} |`,
      );
    }
  }
} finally {
  await browser.close();
  await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
}
