import { grayPng, toneWav, writeFolder } from './fixtureFiles';
import { test, expect, openStudio } from './fixtures';

const SHORT_RUN =
  '#model=tiny-cnn&width=1&board=stm32f746g-disco&flash=none&ram=none&latency=none&macs=none' +
  '&steps=6&warmup=0.34&prune=0.33&batch=4&lr=0.01&seed=1&backend=wasm';

async function uploadAndTrain(
  page: import('@playwright/test').Page,
  format: string,
  folder: string,
  expectSummary: RegExp,
) {
  await openStudio(page, SHORT_RUN);
  await page.getByRole('radio', { name: /Your files/ }).check();
  await page.getByLabel('File format').selectOption(format);
  await page.getByLabel('Choose a folder').setInputFiles(folder);
  await expect(page.getByText(expectSummary)).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('sample-grid')).toBeVisible();
  // Trains on the WebAssembly backend with the studio's SIMD training kernels.
  await expect(page.getByTestId('active-backend')).toHaveText('wasm');
  await page.getByRole('button', { name: 'Start', exact: true }).click();
  await expect(page.getByTestId('run-status')).toContainText('Finished', { timeout: 180_000 });
  await expect(page.getByTestId('saved-runs-table').locator('tbody tr')).toHaveCount(1);
}

/** Folders of generated files that the studio loads and trains on, one test each. */
const TRAINABLE = [
  {
    title: 'an uploaded image folder (one sub-folder per class) becomes a trainable dataset',
    format: 'image-folder',
    folder: 'patterns',
    summary: /2 classes/,
    files: (i: number): Record<string, Buffer> => ({
      [`bright/${i}.png`]: grayPng(20, (x, y) => 180 + ((x * y + i) % 60)),
      [`stripes/${i}.png`]: grayPng(20, (x) => (x % 4 < 2 ? 255 : 0)),
    }),
    perClass: 8,
  },
  {
    title: 'an uploaded WAV folder (one sub-folder per keyword) becomes MFCC features and trains',
    format: 'wav-folder',
    folder: 'keywords',
    summary: /49×10×1 inputs, 2 classes/,
    files: (i: number): Record<string, Buffer> => ({
      [`low/${i}.wav`]: toneWav(300 + 20 * i, 1),
      [`high/${i}.wav`]: toneWav(2500 + 50 * i, 1),
    }),
    perClass: 6,
  },
];

for (const upload of TRAINABLE) {
  test(upload.title, async ({ page, foreignRequests: _f, pageErrors: _e }) => {
    test.setTimeout(240_000);
    const files = Object.assign(
      {},
      ...Array.from({ length: upload.perClass }, (_, i) => upload.files(i)),
    ) as Record<string, Buffer>;
    const folder = writeFolder(upload.folder, files);
    await uploadAndTrain(page, upload.format, folder, upload.summary);
  });
}

test('a folder with only one class is refused with a message naming the problem', async ({
  page,
  pageErrors: _e,
}) => {
  const files: Record<string, Buffer> = {};
  for (let i = 0; i < 4; i++) files[`only/${i}.png`] = grayPng(8, () => 100);
  await openStudio(page, SHORT_RUN);
  await page.getByRole('radio', { name: /Your files/ }).check();
  await page.getByLabel('File format').selectOption('image-folder');
  await page.getByLabel('Choose a folder').setInputFiles(writeFolder('single', files));
  await expect(page.getByTestId('dataset-error')).toContainText(/class/i);
});

test('the built-in MNIST digits load from the app itself and show as a labelled sample grid', async ({
  page,
  foreignRequests: _f,
  pageErrors: _e,
}) => {
  const asset = page.waitForResponse((r) => r.url().endsWith('data/mnist.bin'));
  await openStudio(page);
  expect((await asset).status()).toBe(200);
  await expect(page.getByText(/8,000 training \/ 2,000 validation samples/)).toBeVisible();
  const grid = page.getByTestId('sample-grid');
  await expect(grid).toBeVisible();
  const samples = grid.getByRole('img', { name: /Sample of class \d/ });
  expect(await samples.count()).toBeGreaterThanOrEqual(8);
});
