/**
 * Runs the benchmark page (bench/pages) in headless Chromium, one fresh page per backend:
 * builds it with Vite into a temporary folder, serves it with `vite preview`, drives it with
 * playwright-core. Needs no change to the app's vite.config.ts.
 */
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { build, preview } from 'vite';
import type { PageJob, PageResult } from './pages/protocol';
import { ROOT } from './node-env';
import type { Progress } from './timing';

export const CHROMIUM = process.env.PS_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--enable-unsafe-webgpu',
];

export interface BrowserRun {
  version: string;
  results: PageResult[];
}

export async function runInBrowser(
  jobs: readonly PageJob[],
  progress: Progress,
  timeoutMs: number,
): Promise<BrowserRun> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (set PS_CHROMIUM)`);
  const outDir = join(tmpdir(), `pruning-studio-bench-page-${process.pid}`);
  const shared = {
    configFile: false as const,
    root: join(ROOT, 'bench/pages'),
    base: './',
    publicDir: join(ROOT, 'public'),
    logLevel: 'warn' as const,
  };
  progress('building the benchmark page (vite build)…');
  await build({
    ...shared,
    build: { outDir, emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 8192 },
  });
  const server = await preview({
    ...shared,
    build: { outDir },
    preview: { port: 4190, strictPort: false, host: '127.0.0.1' },
  });
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('vite preview did not report its address');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: CHROMIUM_FLAGS,
    headless: true,
  });
  try {
    const results: PageResult[] = [];
    for (const job of jobs) {
      progress(`${job.backend} (headless Chromium ${browser.version()})`);
      const page = await browser.newPage();
      page.on('console', (msg) => {
        const text = msg.text();
        if (text.startsWith('[bench] ')) progress(`  ${text.slice(8)}`);
      });
      page.on('pageerror', (err) => progress(`  page error: ${err.message}`));
      try {
        await page.goto(`${url}index.html#${encodeURIComponent(JSON.stringify(job))}`);
        await page.waitForFunction(() => window.benchResult !== undefined, undefined, {
          timeout: timeoutMs,
          polling: 1000,
        });
        results.push((await page.evaluate(() => window.benchResult))!);
      } catch (error) {
        results.push({
          backend: job.backend,
          userAgent: '',
          hardwareConcurrency: 0,
          device: '',
          overhead: [],
          throughput: [],
          error: error instanceof Error ? error.message.split('\n')[0] : String(error),
        });
      } finally {
        await page.close();
      }
    }
    return { version: browser.version(), results };
  } finally {
    await browser.close();
    await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
  }
}
