/**
 * The generated set's textured style: chosen by keyboard, carried by the link, and trained on
 * in colour (the run's input has three channels).
 */
import { test, expect, openStudio } from './fixtures';

const TINY =
  '&model=tiny-cnn&width=1&board=stm32f746g-disco&flash=none&ram=none&latency=none&macs=none' +
  '&steps=12&warmup=0.25&prune=0.5&batch=8&lr=0.01&seed=1&backend=wasm';

test('the textured style is chosen by keyboard, travels in the link and is what the run trains on', async ({
  page,
  pageErrors: _e,
}) => {
  test.setTimeout(180_000);
  await openStudio(page, `#data=generated&gsamples=300${TINY}`);
  const summary = page.locator('.dataset-summary');
  await expect(summary).toContainText('Generated shapes (4 classes, 16×16)');
  const style = page.getByLabel('Style');
  await style.focus();
  await style.selectOption('textured');
  await expect(summary).toContainText('Textured shapes (10 classes, 32×32 colour)');
  await expect(summary).toContainText('32×32×3');
  await expect.poll(() => page.evaluate(() => location.hash)).toContain('gstyle=textured');
  // A reload from the link comes back to the same set.
  await page.reload();
  await expect(page.locator('.dataset-summary')).toContainText(
    'Textured shapes (10 classes, 32×32 colour)',
  );
  await expect(page.getByLabel('Style')).toHaveValue('textured');
  await page.getByRole('button', { name: 'Start', exact: true }).click();
  await expect(page.getByTestId('run-status')).toContainText('Finished', { timeout: 150_000 });
  const row = page.getByTestId('saved-runs-table').locator('tbody tr').first();
  await expect(row).toContainText('Textured shapes (10 classes, 32×32 colour)');
});
