import type { Page } from '@playwright/test';
import { test, expect, openStudio } from './fixtures';

const NO_RUN_TEXT = 'Start a run to see this chart.';

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

const SHAPES = `#data=generated&gseed=1&gclasses=4&gsize=16&gsamples=400${TINY}`.replace(
  'flash=none',
  'flash=3072',
);
const FORMAT_BUTTONS = [/TF\.js/, /TFLite int8/, /TFLM module/, /Report/];
const CHARTS = [
  'pi-chart',
  'importance-chart',
  'resource-chart',
  'training-chart',
  'layer-breakdown',
];

async function downloadOf(page: Page, name: RegExp | string): Promise<Buffer> {
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name }).click();
  const chunks: Buffer[] = [];
  for await (const chunk of await (await download).createReadStream()) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function exportsOf(page: Page): Promise<Buffer[]> {
  const files: Buffer[] = [];
  for (const button of FORMAT_BUTTONS) files.push(await downloadOf(page, button));
  return files;
}

async function expectChartsDrawn(page: Page) {
  for (const chart of CHARTS) {
    await expect(page.getByTestId(chart).getByText(NO_RUN_TEXT)).toHaveCount(0);
  }
  // The π chart has drawn its lines.
  await expect(page.getByTestId('pi-chart').locator('.plot-line').first()).toBeVisible();
}

async function finishRun(page: Page) {
  await page.getByRole('button', { name: 'Start', exact: true }).click();
  await expect(page.getByTestId('run-status')).toContainText('Finished', { timeout: 120_000 });
}

test.describe('with the offline copy out of the way', () => {
  // The service worker would serve the chunk from its copy; the page must fetch it.
  test.use({ serviceWorkers: 'block' });

  test("a saved runs' chart that cannot load (its chunk gone) says so, and the page keeps working", async ({
    page,
    pageErrors: _e,
  }) => {
    test.setTimeout(180_000);
    // As after a redeployment under an open tab: the chart's chunk is no longer there.
    let blocked = 0;
    await page.route('**/assets/TradeoffScatter-*.js', async (route) => {
      blocked += 1;
      await route.abort();
    });
    await openStudio(page, SHAPES);
    await finishRun(page);
    const chart = page.getByTestId('tradeoff-chart');
    await chart.scrollIntoViewIfNeeded();
    await expect(chart.getByTestId('load-failed')).toContainText(
      "The saved runs' chart could not be loaded",
    );
    expect(blocked).toBeGreaterThan(0);
    // Everything else stays: the run's row, its exports, the controls.
    await expect(page.getByTestId('saved-runs-table').locator('tbody tr')).toHaveCount(1);
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: /TFLite/ }).click();
    expect((await download).suggestedFilename()).toMatch(/\.tflite$/);
    await expect(page.getByRole('button', { name: 'Start', exact: true })).toBeEnabled();
  });
});

test('a finished run survives a reload whole: charts drawn, the four exports byte for byte', async ({
  page,
  pageErrors: _e,
}) => {
  test.setTimeout(180_000);
  await openStudio(page, SHAPES);
  await finishRun(page);
  await expect(page.getByTestId('storage-use')).toContainText('1 run kept whole');
  await expect(page.getByTestId('storage-use')).toContainText(/Site storage used: [\d.]+ [KMG]?B/);
  // The fair reference: the unpruned network trained the run's full length, on demand.
  await page.getByRole('button', { name: 'Train it (20 steps)' }).click();
  const reference = page.getByTestId('accuracy-reference');
  await expect(reference).toContainText(/\d+\.\d% \(80 validation samples\)/);
  const referenceText = await reference.textContent();
  const before = await exportsOf(page);
  const arenaText = await page.getByTestId('deployment-arena').textContent();
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.type());
    void d.accept();
  });
  await page.reload();
  await expect(page.getByTestId('run-status')).toContainText('Finished');
  await expect(page.getByTestId('shown-run')).toContainText('Generated shapes');
  await expectChartsDrawn(page);
  // Every accuracy names the network and the step it was measured on.
  const figures = page.getByTestId('accuracy-figures');
  await expect(figures).toContainText('Pruned network, float, after step 20 of 20');
  await expect(figures).toContainText(/int8 \.tflite \| float/);
  await expect(page.getByTestId('accuracy-int8')).toContainText(/\d+\.\d% \| \d+\.\d%/);
  await expect(figures).toContainText(/Unpruned network after step \d+ of 20 \(end of warm-up\)/);
  await expect(figures).toContainText(/reference only: it trained [\d.]+× fewer steps/);
  await expect(figures).toContainText(
    'Unpruned network, float, after step 20 of 20 (fair reference)',
  );
  await expect(reference).toHaveText(referenceText!);
  // The Export panel's TFLite Micro facts and the confusion matrices come back with the run.
  await expect(page.getByTestId('deployment-arena')).toHaveText(arenaText!);
  await expect(
    page.getByTestId('confusion-chart').getByRole('radio', { name: /Int8/ }),
  ).toBeVisible();
  await expect(page.getByTestId('confusion-matrix')).toBeVisible();
  const after = await exportsOf(page);
  expect(after.map((b) => b.length)).toEqual(before.map((b) => b.length));
  after.forEach((b, i) => expect(b.equals(before[i]), `file ${i}`).toBe(true));
  // A run kept whole leaves nothing to lose: no prompt on the way out.
  expect(dialogs).toEqual([]);
});

test('the page asks before unloading a running run, and the resume offer still follows', async ({
  page,
  pageErrors: _e,
}) => {
  test.setTimeout(180_000);
  await openStudio(page, SHAPES.replace('steps=20', 'steps=3000'));
  await page.getByRole('button', { name: 'Start', exact: true }).click();
  // The checkpoint is stored at each phase change.
  await expect(page.getByTestId('run-phase')).toHaveText('Pruning', { timeout: 120_000 });
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.type());
    void d.accept();
  });
  await page.reload();
  expect(dialogs).toEqual(['beforeunload']);
  const offer = page.getByTestId('resume-offer');
  await expect(offer).toBeVisible();
  await offer.getByRole('button', { name: 'Resume run' }).click();
  await expect(page.getByText(/Resumed the interrupted run at step \d+/)).toBeVisible();
  await page.getByRole('button', { name: 'Stop', exact: true }).click();
  await expect(page.getByTestId('run-status')).toContainText('Stopped');
});

test('reopen, rename, delete an older run; its run file opens in a fresh browser', async ({
  page,
  browser,
  baseURL,
  pageErrors: _e,
}) => {
  test.setTimeout(240_000);
  await openStudio(page, SHAPES);
  await finishRun(page);
  const first = await exportsOf(page);
  // A second, different run (another seed, from a pasted link) becomes the shown one.
  await page.evaluate(
    (hash) => (window.location.hash = hash),
    SHAPES.replace('&seed=1', '&seed=7'),
  );
  await finishRun(page);
  const second = await exportsOf(page);
  expect(second[1].equals(first[1])).toBe(false);
  const rows = page.getByTestId('saved-runs-table').locator('tbody tr');
  await expect(rows).toHaveCount(2);

  // The older run is the second row (newest first).
  await rows
    .nth(1)
    .getByRole('button', { name: /^Rename/ })
    .click();
  const field = rows.nth(1).getByRole('textbox', { name: /New name/ });
  await field.fill('Teacher demo');
  await field.press('Enter');
  await expect(rows.nth(1)).toContainText('Teacher demo');
  await page.getByRole('button', { name: 'Reopen Teacher demo' }).click();
  await expect(page.getByTestId('shown-run')).toContainText('Teacher demo');
  await expectChartsDrawn(page);
  const reopened = await exportsOf(page);
  reopened.forEach((b, i) => expect(b.equals(first[i]), `file ${i}`).toBe(true));

  const runFile = await downloadOf(page, 'Download Teacher demo as a run file');

  // Another browser (a student's): nothing stored there; open the teacher's run file.
  const context = await browser.newContext({ baseURL });
  const student = await context.newPage();
  await openStudio(student);
  await student.getByTestId('import-run-file').setInputFiles({
    name: 'teacher-demo.psrun.zip',
    mimeType: 'application/zip',
    buffer: runFile,
  });
  await expect(student.getByTestId('shown-run')).toContainText('Teacher demo');
  await expectChartsDrawn(student);
  // Replay the imported run to step 10 (mid-pruning): the π chart goes back with it.
  const piText = student.getByTestId('pi-at-step');
  await expect(piText).toContainText('At step 20:');
  const finalPi = await piText.textContent();
  await student.getByRole('slider', { name: 'Replay step' }).fill('10');
  await expect(student.getByTestId('replay-step')).toHaveText('Step 10 of 20');
  await expect(piText).toContainText('At step 10:');
  expect(await piText.textContent()).not.toBe(finalPi);
  await student.getByRole('button', { name: 'Go to the end' }).click();
  await expect(piText).toHaveText(finalPi!);
  const imported = await exportsOf(student);
  imported.forEach((b, i) => expect(b.equals(first[i]), `file ${i}`).toBe(true));
  await expect(student.getByTestId('saved-runs-table').locator('tbody tr')).toHaveCount(1);
  await context.close();

  await page.getByRole('button', { name: /^Delete Teacher demo/ }).click();
  await expect(rows).toHaveCount(1);
  await expect(page.getByTestId('storage-use')).toContainText('1 run kept whole');
});
