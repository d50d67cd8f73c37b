import AxeBuilder from '@axe-core/playwright';
import type { Locator, Page } from '@playwright/test';
import { test, expect, openStudio } from './fixtures';

/** A short default run on wasm (the fastest backend in headless Chromium here). */
async function shortRun(page: Page, steps = 60): Promise<void> {
  await openStudio(page, `#steps=${steps}&backend=wasm`);
  await page.getByRole('button', { name: 'Start' }).click();
  await expect(page.getByRole('button', { name: /TFLite/ })).toBeEnabled({ timeout: 150_000 });
}

const tickLabels = (chart: Locator, axis: 'xAxis' | 'yAxis') =>
  chart
    .locator(`.recharts-${axis}-tick-labels .recharts-cartesian-axis-tick-value`)
    .allTextContents();

test('after a run the charts have round, distinct ticks and the page fits 1024 px', async ({
  page,
  pageErrors: _e,
}) => {
  await page.setViewportSize({ width: 1024, height: 900 });
  await shortRun(page);

  // No sideways scrolling at 1024 px, with every table and chart drawn.
  await expect(page.getByTestId('saved-runs-table')).toBeVisible();
  const { scrollWidth, clientWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
  }));
  expect(scrollWidth).toBeLessThanOrEqual(clientWidth);

  // Importances: distinct tick labels, kept bars before pruned ones, the cut label not clipped.
  const importance = page.getByTestId('importance-chart');
  const yImportance = await tickLabels(importance, 'yAxis');
  expect(yImportance.length).toBeGreaterThan(2);
  expect(new Set(yImportance).size).toBe(yImportance.length);
  const fills = await importance
    .locator('.recharts-bar-rectangle path')
    .evaluateAll((paths) => paths.map((p) => p.getAttribute('fill')));
  const firstPruned = fills.indexOf('#c3c9d2');
  if (firstPruned >= 0) expect(fills.slice(firstPruned)).not.toContain('#1f5fa8');
  const cut = importance.getByText('cut', { exact: true });
  if ((await cut.count()) > 0) {
    const svg = await importance.locator('svg.recharts-surface').first().boundingBox();
    const label = await cut.boundingBox();
    expect(label!.y).toBeGreaterThanOrEqual(svg!.y);
  }

  // π: every fifth from 0 to 1.
  expect(await tickLabels(page.getByTestId('pi-chart'), 'yAxis')).toEqual([
    '0',
    '0.2',
    '0.4',
    '0.6',
    '0.8',
    '1',
  ]);

  // Resources: ticks in round KB / ms, evenly spaced from 0; the budget named in the heading.
  const resources = page.getByTestId('resource-chart');
  for (const chart of await resources.locator('.mini-chart').all()) {
    const ticks = (await tickLabels(chart, 'yAxis')).map(Number);
    expect(ticks[0]).toBe(0);
    const step = ticks[1];
    expect([1, 2, 2.5, 5]).toContain(step / Math.pow(10, Math.floor(Math.log10(step))));
    ticks.forEach((t, i) => expect(t).toBeCloseTo(i * step, 6));
  }
  await expect(resources.locator('.mini-chart h4').first()).toContainText(/budget \d+ KB/);

  await page.screenshot({ path: 'test-results/insight-1024.png', fullPage: true });
  const axe = await new AxeBuilder({ page }).analyze();
  const bad = axe.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join('; ')}`);
  expect(bad).toEqual([]);

  // The audio upload hint names the features the front end really computes.
  await page.getByRole('radio', { name: /Your files/ }).check();
  await page.getByLabel('File format').selectOption('wav-folder');
  await expect(page.getByText(/1-second \.wav clips/)).toContainText('MFCC');
  await expect(page.locator('body')).not.toContainText('log-mel');
});
