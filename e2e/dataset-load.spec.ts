/**
 * A long dataset load shows how far it has got and can be stopped; the dataset in use stays.
 */
import { grayPng, writeFolder } from './fixtureFiles';
import { test, expect, openStudio } from './fixtures';

test('a load of 3000 images shows its progress; Cancel stops it and the page keeps its dataset', async ({
  page,
  pageErrors: _e,
}) => {
  test.setTimeout(180_000);
  const files: Record<string, Buffer> = {};
  for (let i = 0; i < 1500; i++) {
    files[`dark/${i}.png`] = grayPng(8, (x, y) => (x * y + i) % 60);
    files[`bright/${i}.png`] = grayPng(8, (x, y) => 195 + ((x + y + i) % 60));
  }
  const folder = writeFolder('cancel-load', files);
  await openStudio(page, '#data=generated&gseed=1&gclasses=4&gsize=16&gsamples=400');
  const summary = page.locator('.dataset-summary');
  await expect(summary).toContainText('Generated shapes (4 classes, 16×16)');
  await page.getByRole('radio', { name: /Your files/ }).check();
  await page.getByLabel('File format').selectOption('image-folder');
  await page.getByLabel('Choose a folder').setInputFiles(folder);
  const loading = page.getByTestId('dataset-loading');
  await expect(loading).toBeVisible();
  await expect(page.getByTestId('dataset-progress')).toBeVisible();
  // Keyboard: the Cancel button is reachable and pressed with Enter.
  const cancel = loading.getByRole('button', { name: 'Cancel loading' });
  await cancel.focus();
  await page.keyboard.press('Enter');
  await expect(
    page.getByText(/Stopped loading the dataset\. The page keeps using "Generated shapes/),
  ).toBeVisible();
  await expect(loading).toBeHidden();
  await expect(summary).toContainText('Generated shapes (4 classes, 16×16)');
  await expect(page.getByTestId('dataset-error')).toHaveCount(0);
});
