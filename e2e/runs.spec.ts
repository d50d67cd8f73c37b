import { test, expect, openStudio } from './fixtures';

/**
 * Runs are never mixed up or lost: the dataset trained is the dataset shown, and a finished
 * run survives a reload whole (charts and exports).
 */
const TINY =
  '&model=tiny-cnn&width=1&board=stm32f746g-disco&flash=none&ram=none&latency=none&macs=none' +
  '&steps=20&warmup=0.25&prune=0.5&batch=8&lr=0.01&seed=1&backend=wasm';

test('shapes chosen while the built-in MNIST file is still downloading are what the run trains on', async ({
  page,
  pageErrors: _e,
}) => {
  test.setTimeout(180_000);
  let release = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  let served = false;
  // A slow link: the built-in file arrives only after the user has switched datasets.
  await page.route('**/data/mnist.bin', async (route) => {
    await released;
    await route.continue();
    served = true;
  });
  await openStudio(page, `#data=mnist${TINY}`);
  await expect(page.getByText('Loading the dataset…')).toBeVisible();
  await page.getByRole('radio', { name: /Generated shapes/ }).check();
  const shown = page.locator('.dataset-summary');
  await expect(shown).toContainText('Generated shapes (4 classes, 16×16)');
  release();
  await expect.poll(() => served).toBe(true);
  // Give the worker time to read the late MNIST file (which must not replace the shapes).
  await page.waitForTimeout(3000);
  await expect(shown).toContainText('Generated shapes (4 classes, 16×16)');
  await page.getByRole('button', { name: 'Start', exact: true }).click();
  await expect(page.getByTestId('run-status')).toContainText('Finished', { timeout: 120_000 });
  const row = page.getByTestId('saved-runs-table').locator('tbody tr').first();
  await expect(row).toContainText('Generated shapes (4 classes, 16×16)');
  await expect(row).not.toContainText('MNIST (10,000 digits)');
});
