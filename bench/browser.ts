/**
 * Runs the benchmark page (bench/pages) in headless Chromium, one fresh page per backend:
 * builds it with Vite into a temporary folder, serves it with `vite preview`, drives it with
 * playwright-core. Needs no change to the app's vite.config.ts. The preview server sends COOP /
 * COEP itself, so the page is cross-origin isolated (SharedArrayBuffer, the kernels' threads).
 */
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { build, preview } from 'vite';
import type { PageJob, PageResult } from './pages/protocol';
import { ISOLATION_HEADERS } from '../src/pwa/securityHeaders';
import { ROOT } from './node-env';
import type { Progress } from './timing';
import { CHROMIUM_FLAGS } from '../e2e/chromiumFlags';

export const CHROMIUM = process.env.PS_CHROMIUM ?? '/usr/bin/chromium';

export interface BrowserRun {
  version: string;
  results: PageResult[];
}

export interface BrowserOptions {
  /** Chromium flags to add to CHROMIUM_FLAGS (e.g. bench/gpu's flags for a real GPU). */
  extraFlags?: readonly string[];
  /** Serve the page without COOP / COEP (default: cross-origin isolated). */
  notIsolated?: boolean;
}

/** A page job as the progress log names it: `wasm (2 threads)`, `webgl`. */
export function jobLabel(job: PageJob): string {
  return job.backend === 'wasm' && job.steps
    ? `wasm (${job.threads ?? 1} kernel thread${(job.threads ?? 1) > 1 ? 's' : ''})`
    : job.backend;
}

export async function runInBrowser(
  jobs: readonly PageJob[],
  progress: Progress,
  timeoutMs: number,
  options: BrowserOptions = {},
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
    // The step worker imports tfjs dynamically (code splitting): ES module workers.
    worker: { format: 'es' },
  });
  const server = await preview({
    ...shared,
    build: { outDir },
    preview: {
      port: 4190,
      strictPort: false,
      host: '127.0.0.1',
      headers: options.notIsolated ? {} : { ...ISOLATION_HEADERS },
    },
  });
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('vite preview did not report its address');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [...CHROMIUM_FLAGS, ...(options.extraFlags ?? [])],
    headless: true,
  });
  try {
    const results: PageResult[] = [];
    for (const job of jobs) {
      progress(`${jobLabel(job)} (headless Chromium ${browser.version()})`);
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
          ...(job.backend === 'wasm' ? { threads: { requested: job.threads ?? 1, ran: 0 } } : {}),
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
