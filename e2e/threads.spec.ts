import type { Page } from '@playwright/test';
import { test, expect, openStudio } from './fixtures';
import { probe, trainingWorker } from './cspProbe';
import { plainHostTest } from './staticServer';

/**
 * Threads by default: where the page is cross-origin isolated the wasm kernels run on
 * navigator.hardwareConcurrency threads (at most 8). On `vite preview` the server's COOP/COEP
 * headers isolate the page; on a plain static server (no headers at all) the service worker adds
 * them, and the page reloads itself once to take them. The header says which mode and why.
 */
const SHORT_RUN =
  '#data=generated&gseed=4&gclasses=3&gsize=16&gsamples=150&model=mnist-cnn&width=0.5' +
  '&board=stm32f746g-disco&flash=none&ram=none&latency=none&macs=none' +
  '&steps=20&warmup=0.2&prune=0.5&batch=16&lr=0.005&seed=4&backend=wasm';

interface WasmDiagnostics {
  requestedThreads: number;
  kernelThreads: number;
  simd: 'relaxed' | 'plain';
}

async function expectThreadsInUse(page: Page): Promise<number> {
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  const expected = Math.min(8, cores);
  expect(expected, 'this machine reports more than one core').toBeGreaterThan(1);
  await expect(page.getByTestId('active-backend')).toHaveText('wasm', { timeout: 60_000 });
  const worker = page.workers().find((w) => /training\.worker/.test(w.url()));
  expect(worker, 'the training worker runs').toBeDefined();
  const diagnostics = await worker!.evaluate(
    () => (self as unknown as { pruningStudioWasm?: WasmDiagnostics }).pruningStudioWasm,
  );
  // Chromium has relaxed SIMD: the kernels' fused multiply-add build runs.
  expect(diagnostics).toEqual({
    requestedThreads: expected,
    kernelThreads: expected,
    simd: 'relaxed',
  });
  expect(await worker!.evaluate(() => crossOriginIsolated)).toBe(true);
  await expect(page.getByTestId('thread-mode')).toContainText(`${expected} threads`);
  return expected;
}

async function trainBriefly(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Start', exact: true }).click();
  await expect(page.getByTestId('run-status')).toContainText('Finished', { timeout: 180_000 });
}

test('on vite preview the server headers isolate the page and the kernels use every core', async ({
  page,
  foreignRequests: _f,
  pageErrors: _e,
}) => {
  test.setTimeout(240_000);
  await openStudio(page, SHORT_RUN);
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  await expectThreadsInUse(page);
  await expect(page.getByTestId('thread-mode')).toContainText('the server sends COOP/COEP');
  await trainBriefly(page);
});

plainHostTest(
  'on a plain static server the service worker adds COOP/COEP: one reload, then threads',
  async ({ page, plainSite, foreignRequests, pageErrors }) => {
    plainHostTest.setTimeout(240_000);
    const first = await page.goto(`./${SHORT_RUN}`);
    // The host really sends none of the headers.
    expect(first?.headers()['cross-origin-embedder-policy']).toBeUndefined();
    expect(first?.headers()['content-security-policy']).toBeUndefined();
    // The service worker installs, takes the page and the page reloads itself once.
    await expect
      .poll(() => page.evaluate(() => crossOriginIsolated).catch(() => false), {
        timeout: 90_000,
      })
      .toBe(true);
    await expect(page.getByRole('heading', { name: 'Pruning Studio' })).toBeVisible();
    // The same settings survive the reload (the link may list its keys in another order).
    const sorted = (hash: string) => [...new URLSearchParams(hash.slice(1)).entries()].sort();
    expect(sorted(await page.evaluate(() => location.hash))).toEqual(sorted(SHORT_RUN));
    await expectThreadsInUse(page);
    await expect(page.getByTestId('thread-mode')).toContainText(
      'the host sends no COOP/COEP, so the offline service worker adds them',
    );
    // Exactly one reload: the page was fetched from the server once, then from the worker.
    expect(plainSite.requests.filter((p) => p === '/').length).toBe(1);
    // The CSP the worker adds binds the training worker too, though the host sends none: another
    // origin (localhost instead of 127.0.0.1) is refused by connect-src, eval by script-src.
    const foreign = plainSite.url.replace('127.0.0.1', 'localhost') + 'from-training-worker';
    const inWorker = await (await trainingWorker(page)).evaluate(probe, foreign);
    expect(inWorker.eval).toMatch(/^EvalError/);
    expect(inWorker.newFunction).toMatch(/^EvalError/);
    expect(inWorker.violations).toEqual(['connect-src', 'script-src']);
    const provoked = /unsafe-eval|from-training-worker/;
    pageErrors.splice(0, pageErrors.length, ...pageErrors.filter((e) => !provoked.test(e)));
    foreignRequests.splice(
      0,
      foreignRequests.length,
      ...foreignRequests.filter((r) => !provoked.test(r)),
    );
    await trainBriefly(page);
  },
);
