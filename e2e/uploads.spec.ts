import AxeBuilder from '@axe-core/playwright';
import { classFolder, grayPng, toneWav } from './fixtureFiles';
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

test('an uploaded image folder (one sub-folder per class) becomes a trainable dataset', async ({
  page,
  foreignRequests: _f,
  pageErrors: _e,
}) => {
  test.setTimeout(240_000);
  const folder = classFolder('patterns', 8, {
    'bright/*.png': (i) => grayPng(20, (x, y) => 180 + ((x * y + i) % 60)),
    'stripes/*.png': () => grayPng(20, (x) => (x % 4 < 2 ? 255 : 0)),
  });
  await uploadAndTrain(page, 'image-folder', folder, /2 classes/);
});

test('an uploaded WAV folder (one sub-folder per keyword) becomes MFCC features and trains', async ({
  page,
  foreignRequests: _f,
  pageErrors: _e,
}) => {
  test.setTimeout(240_000);
  const folder = classFolder('keywords', 6, {
    'low/*.wav': (i) => toneWav(300 + 20 * i, 1),
    'high/*.wav': (i) => toneWav(2500 + 50 * i, 1),
  });
  // Records what Web Audio is asked to play: the buffer each source starts, and each stop.
  await page.addInitScript(() => {
    const log = { started: [] as Record<string, number>[], stopped: 0 };
    (window as unknown as { audioLog: typeof log }).audioLog = log;
    const proto = AudioBufferSourceNode.prototype;
    const start = proto.start;
    const stop = proto.stop;
    proto.start = function (this: AudioBufferSourceNode, ...args: Parameters<typeof start>) {
      const buffer = this.buffer!;
      const data = buffer.getChannelData(0);
      let crossings = 0;
      let peak = 0;
      for (let i = 1; i < data.length; i++) {
        if (data[i - 1] < 0 !== data[i] < 0) crossings++;
        peak = Math.max(peak, Math.abs(data[i]));
      }
      log.started.push({
        duration: buffer.duration,
        sampleRate: buffer.sampleRate,
        channels: buffer.numberOfChannels,
        // A tone of f Hz crosses zero 2f times a second.
        hz: crossings / 2 / buffer.duration,
        peak,
      });
      // Played 20× slower (the buffer itself unchanged), so the 1-s clip still plays when the
      // test presses again, however loaded the machine.
      this.playbackRate.value = 0.05;
      return start.apply(this, args);
    };
    proto.stop = function (this: AudioBufferSourceNode, ...args: Parameters<typeof stop>) {
      log.stopped++;
      return stop.apply(this, args);
    };
  });
  await uploadAndTrain(page, 'wav-folder', folder, /49×10×1 inputs, 2 classes/);

  // The matrix lists a cell's clips with a Play button each; pressing one plays that clip.
  const chart = page.getByTestId('confusion-chart');
  const matrix = chart.getByTestId('confusion-matrix');
  const cells = matrix.locator('button.cell');
  await expect(cells).toHaveCount(4);
  const counts = (await cells.allTextContents()).map(Number);
  const cell = counts.findIndex((c) => c > 0);
  await cells.nth(cell).click();
  const list = chart.getByTestId('cell-samples');
  const truth = (await list.getByRole('heading').textContent())!.match(/True (\w+)/)![1];
  const plays = list.getByRole('button', { name: /^Play validation sample \d+$/ });
  await expect(plays).toHaveCount(Math.min(counts[cell], 8));
  const name = (await plays.first().getAttribute('aria-label'))!;
  const stopName = name.replace('Play', 'Stop');
  const log = () =>
    page.evaluate(
      () => (window as unknown as { audioLog: { started: object[]; stopped: number } }).audioLog,
    );
  await list.screenshot({ path: 'test-results/audio-samples.png' });
  const axe = await new AxeBuilder({ page }).include('[data-testid="cell-samples"]').analyze();
  expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual(
    [],
  );
  await plays.first().focus();
  await page.keyboard.press('Enter');
  await expect(list.getByRole('button', { name: stopName })).toBeVisible();
  await expect.poll(async () => (await log()).started.length).toBe(1);
  const [played] = (await log()).started as Record<string, number>[];
  // The 1-s clip the features came from, at the front end's 16 kHz, mono, and the true class's
  // tone (low: 300–400 Hz, high: 2500–2750 Hz), not silence.
  expect(played.duration).toBeCloseTo(1, 3);
  expect(played.sampleRate).toBe(16000);
  expect(played.channels).toBe(1);
  expect(played.peak).toBeGreaterThan(0.4);
  const [low, high] = truth === 'low' ? [280, 420] : [2450, 2800];
  expect(played.hz).toBeGreaterThan(low);
  expect(played.hz).toBeLessThan(high);
  // A second press stops it; closing the list stops a clip that plays.
  await page.keyboard.press('Enter');
  await expect(list.getByRole('button', { name })).toBeVisible();
  expect((await log()).stopped).toBe(1);
  await list.getByRole('button', { name }).click();
  await expect.poll(async () => (await log()).started.length).toBe(2);
  // Showing another cell stops it too (each true class has a validation clip: two cells).
  const other = counts.findIndex((c, i) => c > 0 && i !== cell);
  await cells.nth(other).click();
  await expect.poll(async () => (await log()).stopped).toBe(2);
  await list
    .getByRole('button', { name: /^Play validation sample \d+$/ })
    .first()
    .click();
  await expect.poll(async () => (await log()).started.length).toBe(3);
  await list.getByRole('button', { name: 'Close' }).click();
  await expect(list).toHaveCount(0);
  expect((await log()).stopped).toBe(3);

  // After a reload the run is shown from storage, without its files: Play says why it cannot.
  await expect(page.getByTestId('storage-use')).toContainText('1 run kept whole');
  await page.reload();
  await expect(page.getByTestId('run-status')).toContainText('Finished');
  await cells.nth(cell).click();
  const disabled = list.getByRole('button', { name: /^Play validation sample \d+$/ });
  await expect(disabled).toHaveCount(Math.min(counts[cell], 8));
  await expect(disabled.first()).toBeDisabled();
  await expect(list).toContainText('clips are not loaded in this page');
  await expect(disabled.first()).toHaveAccessibleDescription(/clips are not loaded in this page/);
  await list.screenshot({ path: 'test-results/audio-samples-reopened.png' });
});

test('a folder with only one class is refused with a message naming the problem', async ({
  page,
  pageErrors: _e,
}) => {
  const folder = classFolder('single', 4, { 'only/*.png': () => grayPng(8, () => 100) });
  await openStudio(page, SHORT_RUN);
  await page.getByRole('radio', { name: /Your files/ }).check();
  await page.getByLabel('File format').selectOption('image-folder');
  await page.getByLabel('Choose a folder').setInputFiles(folder);
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
