import AxeBuilder from '@axe-core/playwright';
import type { Locator, Page } from '@playwright/test';
import { grayPng, writeFolder } from './fixtureFiles';
import { test, expect, openStudio } from './fixtures';

/** A short default run on wasm (the fastest backend in headless Chromium here). */
async function shortRun(page: Page, steps = 60): Promise<void> {
  await openStudio(page, `#steps=${steps}&backend=wasm`);
  await page.getByRole('button', { name: 'Start' }).click();
  await expect(page.getByRole('button', { name: /TFLite/ })).toBeEnabled({ timeout: 150_000 });
}

const tickLabels = (chart: Locator, axis: 'x' | 'y') =>
  chart.locator(`.plot-${axis}-tick`).allTextContents();

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
  // Ten classes fit the matrix's card without scrolling it.
  const region = page.locator('.confusion-scroll');
  await expect(region).toBeVisible();
  const fits = await region.evaluate((el) => el.scrollWidth <= el.clientWidth);
  expect(fits).toBe(true);

  // Importances: distinct tick labels, kept bars before pruned ones, the cut label not clipped.
  const importance = page.getByTestId('importance-chart');
  const yImportance = await tickLabels(importance, 'y');
  expect(yImportance.length).toBeGreaterThan(2);
  expect(new Set(yImportance).size).toBe(yImportance.length);
  const fills = await importance
    .locator('.plot-bar')
    .evaluateAll((paths) => paths.map((p) => p.getAttribute('fill')));
  const firstPruned = fills.indexOf('#c3c9d2');
  if (firstPruned >= 0) expect(fills.slice(firstPruned)).not.toContain('#1f5fa8');
  const cut = importance.getByText('cut', { exact: true });
  if ((await cut.count()) > 0) {
    const svg = await importance.locator('svg.plot-svg').first().boundingBox();
    const label = await cut.boundingBox();
    expect(label!.y).toBeGreaterThanOrEqual(svg!.y);
  }

  // π: every fifth from 0 to 1.
  expect(await tickLabels(page.getByTestId('pi-chart'), 'y')).toEqual([
    '0',
    '0.2',
    '0.4',
    '0.6',
    '0.8',
    '1',
  ]);
  // The charts read out by keyboard: the last step's values, then one step back.
  const training = page.getByTestId('training-chart');
  await training.locator('.plot').focus();
  await page.keyboard.press('End');
  const tip = training.locator('.plot-tip');
  await expect(tip).toContainText(/loss: \d+\.\d{3}/);
  await expect(tip).toContainText(/train accuracy: \d+\.\d%/);
  const lastStep = Number(/^step (\d+)/.exec((await tip.textContent()) ?? '')?.[1]);
  expect(lastStep).toBeGreaterThanOrEqual(59);
  // The worker posts a step's figures at most every 100 ms, so the point before the last may
  // be a few steps back: ArrowLeft reads an earlier step out, ArrowRight the last one again.
  await page.keyboard.press('ArrowLeft');
  await expect(tip).not.toContainText(new RegExp(`^step ${lastStep}loss`));
  const previous = Number(/^step (\d+)/.exec((await tip.textContent()) ?? '')?.[1]);
  expect(previous).toBeLessThan(lastStep);
  expect(previous).toBeGreaterThanOrEqual(lastStep - 30);
  await page.keyboard.press('ArrowRight');
  await expect(tip).toContainText(new RegExp(`^step ${lastStep}loss`));
  // The loss axis covers the first point's loss (near the largest), once the run has finished too.
  await page.keyboard.press('Home');
  await expect(tip).toContainText(/^step \d+loss: \d+\.\d{3}/);
  const firstLoss = Number(/loss: (\d+\.\d+)/.exec((await tip.textContent()) ?? '')?.[1]);
  const lossTicks = (await tickLabels(training, 'y')).map(Number).filter(Number.isFinite);
  expect(Math.max(...lossTicks)).toBeGreaterThanOrEqual(firstLoss);
  await page.keyboard.press('Escape');
  await expect(tip).toHaveCount(0);
  await importance.locator('.plot').focus();
  await page.keyboard.press('Home');
  await expect(importance.locator('.plot-tip')).toContainText(/^rank 1: channel \d+ \(kept\)/);
  await importance.locator('.plot').blur();

  // Resources: ticks in round KB / ms, evenly spaced from 0; the budget named in the heading.
  const resources = page.getByTestId('resource-chart');
  for (const chart of await resources.locator('.mini-chart').all()) {
    const ticks = (await tickLabels(chart, 'y')).map(Number);
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

test('the confusion matrix of the float model lists the samples of a cell, by keyboard', async ({
  page,
  pageErrors: _e,
}) => {
  await shortRun(page, 40);
  const chart = page.getByTestId('confusion-chart');
  const matrix = chart.getByTestId('confusion-matrix');
  await expect(matrix).toBeVisible();
  const cells = matrix.locator('button.cell');
  await expect(cells).toHaveCount(100);

  // Every validation sample is in exactly one cell; its accuracy is the saved run's.
  const counts = (await cells.allTextContents()).map(Number);
  expect(counts.reduce((a, b) => a + b, 0)).toBe(2000);
  const diagonal = counts.filter((_, i) => i % 11 === 0).reduce((a, b) => a + b, 0);
  const percent = `${((diagonal / 2000) * 100).toFixed(1)}%`;
  await expect(chart).toContainText(`Float model: ${percent} of 2000 validation samples right`);
  await expect(page.getByTestId('saved-runs-table').locator('tbody tr').first()).toContainText(
    percent,
  );
  await expect(matrix.locator('tbody tr').first().locator('td.ratio')).toHaveText(/%$/);
  await expect(matrix.locator('tfoot td.ratio')).toHaveCount(10);

  // One tab stop; arrow keys move; Enter lists the cell's samples as pictures.
  await expect(matrix.locator('button.cell[tabindex="0"]')).toHaveCount(1);
  await cells.first().focus();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowLeft');
  const target = matrix.locator('button.cell[data-cell="10"]');
  await expect(target).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(target).toHaveAttribute('aria-pressed', 'true');
  const samples = chart.getByTestId('cell-samples');
  const n = counts[10];
  await expect(samples.getByRole('heading')).toContainText(
    `True 1, predicted 0: ${n} sample${n === 1 ? '' : 's'}`,
  );
  await expect(samples.getByRole('img')).toHaveCount(Math.min(n, 8));

  // A diagonal cell, by mouse: its pictures are of that class.
  await matrix.locator('button.cell[data-cell="22"]').click();
  await expect(samples.getByRole('img')).toHaveCount(Math.min(counts[22], 8));
  const first = samples.getByRole('img').first();
  await expect(first).toHaveAccessibleName(/true 2, predicted 2/);
  // The picture decoded (an <img> of the sample's own size).
  await expect.poll(() => first.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(28);
  await chart.screenshot({ path: 'test-results/confusion-matrix.png' });

  const axe = await new AxeBuilder({ page }).analyze();
  const bad = axe.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join('; ')}`);
  expect(bad).toEqual([]);
  await samples.getByRole('button', { name: 'Close' }).click();
  await expect(samples).toHaveCount(0);
  await expect(matrix.locator('button.cell[data-cell="22"]')).toBeFocused();
});

test('a 35-class matrix stays readable: compact cells, scrolling inside its own region', async ({
  page,
  pageErrors: _e,
}) => {
  test.setTimeout(240_000);
  await page.setViewportSize({ width: 1024, height: 900 });
  const files: Record<string, Buffer> = {};
  for (let k = 0; k < 35; k++) {
    const name = `class-${String(k).padStart(2, '0')}-with-a-long-folder-name`;
    for (let i = 0; i < 6; i++)
      files[`${name}/${i}.png`] = grayPng(12, (x, y) => (x * k + y * i) % 256);
  }
  await openStudio(
    page,
    '#model=tiny-cnn&width=1&board=stm32f746g-disco&flash=none&ram=none&latency=none&macs=none' +
      '&steps=6&warmup=0.34&prune=0.33&batch=8&lr=0.01&seed=1&backend=wasm',
  );
  await page.getByRole('radio', { name: /Your files/ }).check();
  await page.getByLabel('File format').selectOption('image-folder');
  await page.getByLabel('Choose a folder').setInputFiles(writeFolder('many', files));
  await expect(page.getByText(/35 classes/)).toBeVisible({ timeout: 60_000 });
  await page.getByRole('button', { name: 'Start', exact: true }).click();
  const matrix = page.getByTestId('confusion-matrix');
  await expect(matrix).toBeVisible({ timeout: 180_000 });
  await expect(matrix).toHaveClass(/compact/);
  await expect(page.getByTestId('confusion-chart')).toContainText('(numbered as the rows)');
  await expect(matrix.locator('button.cell')).toHaveCount(35 * 35);
  await expect(matrix.locator('thead th.class-name').first()).toHaveAttribute(
    'title',
    'class-00-with-a-long-folder-name',
  );
  // The page does not scroll sideways; the matrix scrolls inside its region.
  const { scrollWidth, clientWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
  }));
  expect(scrollWidth).toBeLessThanOrEqual(clientWidth);
  // The last cell is reachable by keyboard and scrolled into view.
  await matrix.locator('button.cell').first().focus();
  for (let i = 0; i < 34; i++) await page.keyboard.press('ArrowDown');
  await page.keyboard.press('End');
  const last = matrix.locator(`button.cell[data-cell="${35 * 35 - 1}"]`);
  await expect(last).toBeFocused();
  await expect(last).toBeInViewport();
  await page.getByTestId('confusion-chart').screenshot({ path: 'test-results/confusion-35.png' });
  const axe = await new AxeBuilder({ page }).include('[data-testid="confusion-chart"]').analyze();
  expect(
    axe.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => v.id),
  ).toEqual([]);
});
