import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { test, expect, openStudio } from './fixtures';

/** Figures as the page writes them (B, KB, MB) back to bytes. */
function bytesOf(text: string): number {
  const m = /([\d.]+)\s*(B|KB|MB)/.exec(text);
  if (!m) throw new Error(`no size in "${text}"`);
  return Number(m[1]) * { B: 1, KB: 1024, MB: 1024 * 1024 }[m[2] as 'B' | 'KB' | 'MB'];
}

async function noSidewaysScroll(page: Page): Promise<void> {
  const { scrollWidth, clientWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
  }));
  expect(scrollWidth).toBeLessThanOrEqual(clientWidth);
}

test('after the default run: memory timeline, float vs int8 and the uniform-width baseline', async ({
  page,
  pageErrors: _e,
}) => {
  test.setTimeout(420_000);
  await page.setViewportSize({ width: 1024, height: 900 });
  await openStudio(page, '#steps=60&backend=wasm');
  await page.getByRole('button', { name: 'Start' }).click();
  await expect(page.getByRole('button', { name: /TFLite/ })).toBeEnabled({ timeout: 150_000 });

  // Memory timeline: the peak operator is named, and it is a row of the per-layer table, marked.
  const timeline = page.getByTestId('memory-timeline');
  const peakLink = timeline.getByTestId('memory-timeline-peak').locator('a.peak-name');
  // The int8 model is prepared after the run: slow on a busy machine.
  await expect(peakLink).toBeVisible({ timeout: 150_000 });
  const peak = (await peakLink.textContent())!.trim();
  expect(peak.length).toBeGreaterThan(0);
  const layers = page.getByTestId('layer-breakdown');
  const row = layers.locator('tbody tr', {
    has: page.getByRole('rowheader', { name: peak, exact: true }),
  });
  await expect(row).toHaveCount(1);
  await expect(row.getByTestId('arena-peak-link')).toBeVisible();
  await expect(row).toContainText('RAM peak');
  expect(await peakLink.getAttribute('href')).toBe(`#${await row.getAttribute('id')}`);
  // The buffers live at the peak are drawn in the peak colour and tagged in the table.
  const atPeak = await timeline
    .getByTestId('memory-timeline-table')
    .getByText('live at peak')
    .count();
  expect(atPeak).toBeGreaterThan(0);
  expect(await timeline.locator('svg rect[fill="#b3261e"]').count()).toBe(atPeak);
  await expect(
    timeline.getByTestId('memory-timeline-table').getByText('sets the size'),
  ).toHaveCount(1);
  // Keyboard: the operator slider moves off the peak and back.
  const slider = timeline.getByRole('slider', { name: 'Operator' });
  const now = timeline.getByTestId('memory-timeline-now');
  await expect(now).toContainText(`${peak} (the peak)`);
  await slider.focus();
  await page.keyboard.press('Home');
  await expect(now).toContainText('Before the first operator (input)');
  await expect(timeline.locator('svg rect[fill="#b3261e"]')).toHaveCount(0);
  await timeline.getByRole('button', { name: 'Go to the peak' }).click();
  await expect(now).toContainText('(the peak)');
  // Flash per layer: one segment per operator (and the model's overhead), named as text.
  const stack = layers.getByTestId('flash-stack');
  const operators = await layers.locator('tbody tr').count();
  expect(await stack.locator('.flash-legend li').count()).toBeGreaterThanOrEqual(operators);
  await timeline.screenshot({ path: '/tmp/insight-memory-timeline.png' });
  await layers.screenshot({ path: '/tmp/insight-layer-breakdown.png' });

  // Float vs int8: the same int8 accuracy as the run's figures, recall per class with changes.
  const compare = page.getByTestId('float-int8');
  const int8 = (await compare.getByTestId('float-int8-int8').textContent())!;
  const float = (await compare.getByTestId('float-int8-float').textContent())!;
  await expect(page.getByTestId('accuracy-int8')).toContainText(`${int8} | ${float}`);
  const classes = compare.getByTestId('float-int8-classes').locator('tbody tr');
  await expect(classes).toHaveCount(10);
  for (const text of await classes.locator('td:last-child').allTextContents()) {
    expect(text).toMatch(/^(0\.0 pt|[+−]\d+\.\d pt)/);
  }
  await expect(
    compare.getByTestId('float-int8-differences').locator('tbody tr').first(),
  ).toBeVisible();
  // Each listed sample is shown as a picture.
  const differences = compare.getByTestId('float-int8-differences');
  await expect(differences.getByRole('img', { name: /^Validation sample \d+, true / })).toHaveCount(
    await differences.locator('tbody tr').count(),
  );
  await compare.screenshot({ path: '/tmp/insight-float-int8.png' });

  // Baseline: one click trains the uniform-width network; it fits the run's budgets.
  const baseline = page.getByTestId('baseline');
  await baseline
    .getByRole('button', { name: /Train the uniform-width baseline \(60 steps\)/ })
    .click();
  const table = baseline.getByTestId('baseline-table');
  await expect(table).toBeVisible({ timeout: 150_000 });
  await expect(table.locator('tbody tr')).toHaveCount(2);
  const uniform = table.locator('tbody tr').nth(1);
  await expect(uniform.getByRole('rowheader')).toContainText(/Uniform width ×\d\.\d{3}/);
  await expect(uniform.locator('td').last()).toHaveText('fits');
  const budgets = (await baseline.getByText(/^Both sized for/).textContent())!;
  const cells = await uniform.locator('td').allTextContents();
  const flashBudget = /Flash ≤ ([\d.]+ [KM]?B)/.exec(budgets);
  const ramBudget = /RAM ≤ ([\d.]+ [KM]?B)/.exec(budgets);
  expect(flashBudget ?? ramBudget).not.toBeNull();
  if (flashBudget) expect(bytesOf(cells[1])).toBeLessThanOrEqual(bytesOf(flashBudget[1]));
  if (ramBudget) expect(bytesOf(cells[2])).toBeLessThanOrEqual(bytesOf(ramBudget[1]));
  await expect(baseline.getByTestId('baseline-verdict')).toContainText(
    /more accurate|same accuracy/,
  );
  // Both on the saved-runs chart (a second series, in the legend) and in the table.
  const chart = page.getByTestId('tradeoff-chart');
  // The scatter (recharts, a chunk of its own) mounts when it comes into view.
  await chart.scrollIntoViewIfNeeded();
  await expect(chart.locator('.recharts-scatter')).toHaveCount(2);
  await expect(chart.locator('.recharts-legend-wrapper')).toContainText('uniform-width baseline');
  await expect(page.getByTestId('saved-runs-table')).toContainText('uniform width:');
  await baseline.screenshot({ path: '/tmp/insight-baseline.png' });
  await chart.screenshot({ path: '/tmp/insight-tradeoff.png' });

  // With every panel open (a confusion cell too): no sideways scrolling, no serious axe issue.
  await page.getByTestId('confusion-matrix').locator('button.cell[data-cell="0"]').click();
  await expect(page.getByTestId('cell-samples')).toBeVisible();
  await noSidewaysScroll(page);
  await page.screenshot({ path: '/tmp/insight-page-1024.png', fullPage: true });
  const axe = await new AxeBuilder({ page }).analyze();
  const bad = axe.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join('; ')}`);
  expect(bad).toEqual([]);

  // After a reload the kept run is shown again: its timeline and comparison come from its report.
  await expect(page.getByTestId('saved-runs-table')).not.toContainText('summary only');
  await page.reload();
  await expect(page.getByTestId('shown-run')).toBeVisible({ timeout: 60_000 });
  await expect(timeline.locator('a.peak-name')).toHaveText(peak);
  await expect(compare.getByTestId('float-int8-int8')).toHaveText(int8);
  await expect(baseline.getByTestId('baseline-table')).toBeVisible();
});
