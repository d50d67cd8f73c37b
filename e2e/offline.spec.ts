import type { Page } from '@playwright/test';
import { test, expect, openStudio } from './fixtures';
import { plainHostTest } from './staticServer';

/**
 * The installable offline app (vite-plugin-pwa / Workbox, src/pwa/sw.ts): once the service
 * worker controls the page, the studio reloads, trains on the built-in MNIST and exports with
 * the network off; and Chromium finds nothing missing for installation.
 */
const SHORT_MNIST_RUN =
  '#data=mnist&model=mnist-cnn&width=0.5&board=stm32f746g-disco' +
  '&flash=none&ram=none&latency=none&macs=none' +
  '&steps=30&warmup=0.2&prune=0.5&batch=16&lr=0.005&seed=5&backend=wasm';

async function waitForOfflineCopy(page: Page): Promise<void> {
  await expect
    .poll(() => page.evaluate(() => navigator.serviceWorker.controller?.state ?? 'none'), {
      timeout: 90_000,
    })
    .toBe('activated');
  await expect(page.getByTestId('offline-status')).toHaveText('Works offline');
}

test('with the network off the studio reloads, trains on the built-in MNIST and exports', async ({
  page,
  context,
  foreignRequests: _f,
  pageErrors: _e,
}) => {
  test.setTimeout(300_000);
  await openStudio(page, SHORT_MNIST_RUN);
  await waitForOfflineCopy(page);

  await context.setOffline(true);
  // Offline for real: the server cannot be reached from the page any more.
  expect(
    await page.evaluate(() =>
      fetch(`./index.html?probe=${Date.now()}`, { cache: 'no-store' }).then(
        () => 'reached',
        () => 'unreachable',
      ),
    ),
  ).toBe('unreachable');

  await page.reload();
  await expect(page.getByRole('heading', { name: 'Pruning Studio' })).toBeVisible();
  await expect(page.getByTestId('active-backend')).toHaveText('wasm', { timeout: 60_000 });
  await page.getByRole('button', { name: 'Start', exact: true }).click();
  await expect(page.getByTestId('run-status')).toContainText('Finished', { timeout: 240_000 });

  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: /TFLite/ }).click();
  const chunks: Buffer[] = [];
  for await (const chunk of await (await download).createReadStream()) chunks.push(chunk as Buffer);
  const tflite = Buffer.concat(chunks);
  expect(tflite.subarray(4, 8).toString('latin1')).toBe('TFL3');
  // The saved runs' scatter is a chunk of its own, fetched when it first comes into view: the
  // offline copy holds it too.
  const chart = page.getByTestId('tradeoff-chart');
  await chart.scrollIntoViewIfNeeded();
  await expect(chart.locator('.recharts-scatter')).toHaveCount(1);
  await context.setOffline(false);
});

test('installable: manifest, icons and a service worker with a fetch handler', async ({
  page,
  context,
  foreignRequests: _f,
  pageErrors: _e,
}) => {
  await openStudio(page);
  await waitForOfflineCopy(page);
  const manifest = await page.evaluate(async () => {
    const link = document.querySelector<HTMLLinkElement>('link[rel="manifest"]');
    return link ? ((await (await fetch(link.href)).json()) as Record<string, unknown>) : null;
  });
  expect(manifest).toMatchObject({ name: 'Pruning Studio', display: 'standalone' });
  const icons = (manifest?.icons ?? []) as { src: string; sizes: string }[];
  expect(icons.map((i) => i.sizes)).toEqual(expect.arrayContaining(['192x192', '512x512']));
  for (const icon of icons) {
    const size = await page.evaluate(async (src) => {
      const bitmap = await createImageBitmap(await (await fetch(src)).blob());
      return `${bitmap.width}x${bitmap.height}`;
    }, icon.src);
    expect(size).toBe(icon.sizes);
  }
  // Chromium's own installability check (what Lighthouse reports): no errors but the one about
  // Playwright's browser context being off the record, which is not the app's doing.
  const cdp = await context.newCDPSession(page);
  const { installabilityErrors } = (await cdp.send(
    'Page.getInstallabilityErrors' as 'Page.enable',
  )) as unknown as { installabilityErrors: { errorId: string }[] };
  expect(installabilityErrors.filter((e) => e.errorId !== 'in-incognito')).toEqual([]);
});

/** A run long enough to pause before it ends. */
const LONG_RUN =
  '#data=generated&gseed=6&gclasses=3&gsize=16&gsamples=150&model=mnist-cnn&width=0.5' +
  '&board=stm32f746g-disco&flash=none&ram=none&latency=none&macs=none' +
  '&steps=3000&warmup=0.2&prune=0.5&batch=16&lr=0.005&seed=6&backend=wasm';

/** Every URL in the page's Cache Storage, as paths relative to the site. */
async function cachedPaths(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const paths: string[] = [];
    for (const name of await caches.keys()) {
      for (const request of await (await caches.open(name)).keys()) {
        paths.push(new URL(request.url).pathname.slice(1));
      }
    }
    return paths.sort();
  });
}

plainHostTest(
  'a new deployment: the user is told a new version is ready, switches, and the old entries are gone',
  async ({ page, plainSite, foreignRequests: _f, pageErrors: _e }) => {
    plainHostTest.setTimeout(180_000);
    await page.goto(`./${LONG_RUN}`);
    await expect
      .poll(() => page.evaluate(() => crossOriginIsolated).catch(() => false), {
        timeout: 90_000,
      })
      .toBe(true);
    await waitForOfflineCopy(page);
    expect(await cachedPaths(page)).toContain('icons/apple-touch-icon.png');

    // "Deploy" a new build: a changed page and one file fewer in the precache manifest.
    plainSite.rewrite = (path, body) => {
      if (path !== '/sw.js') return body;
      const entry = (url: string) =>
        new RegExp(`\\{"revision":"[0-9a-f]+","url":"${url.replace(/[./]/g, '\\$&')}"\\}`);
      let text = body.toString('utf8');
      const icon = entry('icons/apple-touch-icon.png');
      const shell = entry('index.html');
      expect(text).toMatch(icon);
      expect(text).toMatch(shell);
      text = text
        .replace(new RegExp(`${icon.source},|,${icon.source}`), '')
        .replace(shell, '{"revision":"new-version","url":"index.html"}');
      return Buffer.from(text, 'utf8');
    };
    // A run is going on (paused): the new version must not interrupt it.
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    await expect(page.getByTestId('run-status')).toContainText('Paused', { timeout: 60_000 });
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.update());
    const banner = page.getByTestId('update-ready');
    await expect(banner).toContainText('once this run has ended', { timeout: 60_000 });
    await expect(banner.getByRole('button')).toHaveCount(0);
    // The page keeps working on the old version until the user switches.
    await expect(page.getByTestId('offline-status')).toHaveCount(0);
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    await expect(banner).toContainText('A new version is ready.');
    const reloaded = page.waitForEvent('load');
    await banner.getByRole('button', { name: 'Reload to update' }).click();
    await reloaded;
    await expect(page.getByRole('heading', { name: 'Pruning Studio' })).toBeVisible();
    await expect(page.getByTestId('offline-status')).toHaveText('Works offline');
    await expect(page.getByTestId('update-ready')).toHaveCount(0);
    const after = await cachedPaths(page);
    expect(after).not.toContain('icons/apple-touch-icon.png');
    expect(after).toContain('index.html');
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  },
);
