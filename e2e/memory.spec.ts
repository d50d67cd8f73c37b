import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { test, expect, openStudio } from './fixtures';

const SHORT =
  '#data=generated&gseed=2&gclasses=3&gsize=16&gsamples=300&model=mobilenetv2&width=0.5' +
  '&board=stm32f746g-disco&flash=none&ram=none&latency=none&macs=none' +
  '&steps=24&warmup=0.25&prune=0.5&batch=8&lr=0.01&seed=1&backend=wasm';

test('five runs one after another, kept whole and reopened, leave the worker holding the same tensor memory (±10%)', async ({
  page,
  pageErrors: _e,
}) => {
  test.setTimeout(300_000);
  await openStudio(page, SHORT);
  await expect(page.getByTestId('active-backend')).toHaveText('wasm');
  const after: { bytes: number; tensors: number }[] = [];
  for (let run = 1; run <= 5; run++) {
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await expect(page.getByTestId('run-status')).toContainText('Finished', { timeout: 120_000 });
    await expect(page.getByTestId('saved-runs-table').locator('tbody tr')).toHaveCount(run);
    const text = (await page.getByTestId('tensor-memory').textContent()) ?? '';
    const m = /([\d.]+)\s*(B|KB|MB)\s*\((\d+) tensors\)/.exec(text);
    expect(m, text).not.toBeNull();
    const scale = { B: 1, KB: 1024, MB: 1024 * 1024 }[m![2] as 'B' | 'KB' | 'MB'];
    after.push({ bytes: Number(m![1]) * scale, tensors: Number(m![3]) });
  }
  // Every run is kept whole; reopening them (charts from storage) must not hold on to more.
  await expect(page.getByTestId('storage-use')).toContainText('5 runs kept whole');
  const rows = page.getByTestId('saved-runs-table').locator('tbody tr');
  for (let i = 4; i >= 0; i--) {
    await rows
      .nth(i)
      .getByRole('button', { name: /^Reopen/ })
      .click();
    await expect(rows.nth(i)).toContainText('(shown)');
  }
  await page.getByRole('button', { name: 'Start', exact: true }).click();
  await expect(page.getByTestId('run-status')).toContainText('Finished', { timeout: 120_000 });
  await expect(rows).toHaveCount(6);
  const text = (await page.getByTestId('tensor-memory').textContent()) ?? '';
  const m = /([\d.]+)\s*(B|KB|MB)\s*\((\d+) tensors\)/.exec(text);
  const scale = { B: 1, KB: 1024, MB: 1024 * 1024 }[m![2] as 'B' | 'KB' | 'MB'];
  after.push({ bytes: Number(m![1]) * scale, tensors: Number(m![3]) });
  for (const a of after.slice(1)) {
    expect(a.bytes).toBeLessThanOrEqual(after[0].bytes * 1.1);
    expect(a.tensors).toBeLessThanOrEqual(after[0].tensors * 1.1);
  }
  // With every chart, table and saved run drawn, the page is still accessible.
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join('; ')})`);
  expect(bad).toEqual([]);
});

/** A model whose saved run holds about 2 MB of export files: a run kept in memory would show. */
const HEAVY =
  '#data=generated&gseed=1&gclasses=4&gsize=16&gsamples=400&model=mnist-cnn&width=2' +
  '&board=stm32f746g-disco&flash=none&ram=none&latency=none&macs=none' +
  '&steps=20&warmup=0.25&prune=0.5&batch=8&lr=0.01&seed=1&backend=wasm';

/** The page's memory, workers and array buffers included (after a GC; up to a minute). */
async function pageMemory(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const p = performance as unknown as {
      measureUserAgentSpecificMemory: () => Promise<{ bytes: number }>;
    };
    return (await p.measureUserAgentSpecificMemory()).bytes;
  });
}

test('ten finished runs, each kept whole, leave the page and worker memory flat', async ({
  page,
  pageErrors: _e,
}) => {
  // Ten heavy runs take about 15 s each here (the export files of a 2 MB model), and each
  // memory measurement waits for a garbage collection: up to a minute in headless Chromium.
  test.setTimeout(600_000);
  await openStudio(page, HEAVY);
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  const sizes: number[] = [];
  for (let run = 1; run <= 10; run++) {
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await expect(page.getByTestId('run-status')).toContainText('Finished', { timeout: 120_000 });
    await expect(page.getByTestId('storage-use')).toContainText(
      `${run} run${run === 1 ? '' : 's'} kept whole`,
    );
    if (run === 2 || run === 10) sizes.push(await pageMemory(page));
  }
  const mb = sizes.map((b) => (b / 2 ** 20).toFixed(1));
  console.log(`memory after runs 2 and 10: ${mb.join(' MB, ')} MB`);
  // Measured here: +1.8 MB over the eight runs; with every run's record kept in memory
  // (a leak made on purpose to check this test), +16.5 MB.
  expect(sizes[1] - sizes[0], mb.join(' → ')).toBeLessThan(8 * 2 ** 20);
});
