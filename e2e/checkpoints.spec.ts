import type { Page } from '@playwright/test';
import { test, expect, openStudio } from './fixtures';

const RUN =
  '#data=generated&gseed=1&gclasses=4&gsize=16&gsamples=400&model=tiny-cnn&width=2' +
  '&board=stm32f746g-disco&flash=7000&ram=none&latency=none&macs=none' +
  '&steps=40&warmup=0.2&prune=0.5&batch=16&lr=0.01&seed=1';

/** What a stored run's configuration looks like (the one RUN describes). */
const CONFIG = {
  dataset: { kind: 'generated', seed: 1, classes: 4, size: 16, samples: 400 },
  modelId: 'tiny-cnn',
  widthMultiplier: 2,
  boardId: 'stm32f746g-disco',
  budgets: { flash: 7000 },
  schedule: { totalSteps: 40, warmupFraction: 0.2, pruneFraction: 0.5 },
  batchSize: 16,
  learningRate: 0.01,
  seed: 1,
};

/** Puts `record` where the worker keeps the interrupted run's checkpoint. */
async function plantCheckpoint(page: Page, record: unknown): Promise<void> {
  await page.evaluate(async (value) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open('pruning-studio', 1);
      req.onupgradeneeded = () => req.result.createObjectStore('checkpoints');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    await new Promise<void>((resolve, reject) => {
      const tx = db.transaction('checkpoints', 'readwrite');
      tx.objectStore('checkpoints').put(value, 'current');
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
    });
    db.close();
  }, record);
}

test('stored checkpoints that cannot be resumed are discarded with the reason; Start stays usable', async ({
  page,
  pageErrors: _e,
}) => {
  test.setTimeout(120_000);
  await openStudio(page, RUN);
  const names = { modelName: 'Tiny CNN', datasetName: 'Shapes', savedAt: new Date().toISOString() };
  const cases: [unknown, RegExp][] = [
    // No configuration: before, this threw on every load and had no Discard button.
    [{ ...names, checkpoint: { version: 1, step: 5 } }, /it has no run configuration/],
    // A step of 2e9: before, the worker replayed 2e9 batches.
    [
      { ...names, config: CONFIG, checkpoint: { version: 1, step: 2e9 } },
      /its step 2000000000 is not between 0 and the run's 40 steps/,
    ],
    // An old or foreign record ("Unknown model", "t is not iterable").
    [
      {
        ...names,
        config: { ...CONFIG, modelId: 'lenet-2019' },
        checkpoint: { version: 1, step: 3 },
      },
      /its model "lenet-2019" is not one this version knows/,
    ],
    [{ ...names, config: CONFIG, checkpoint: { version: 0, step: 3 } }, /another version/],
    // An upload over the size kept with checkpoints: nothing to restore, so nothing offered.
    [
      {
        ...names,
        datasetName: 'holiday photos',
        config: { ...CONFIG, dataset: { kind: 'upload', files: [] } },
        checkpoint: { version: 1, step: 3 },
      },
      /uploaded dataset "holiday photos" was not kept with it .*upload "holiday photos" again and start a new run/,
    ],
  ];
  for (const [record, why] of cases) {
    await plantCheckpoint(page, record);
    await page.reload();
    await expect(page.getByText(why)).toBeVisible();
    await expect(page.getByText(/cannot be resumed: .*It was discarded\./)).toBeVisible();
    await expect(page.getByTestId('resume-offer')).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Start', exact: true })).toBeEnabled();
  }
  // Discarded for good: the next reload says nothing more.
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Pruning Studio' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Start', exact: true })).toBeEnabled();
  await expect(page.getByText(/It was discarded/)).toHaveCount(0);
});

test('a budget below the smallest network is refused mid-run and the budget in force is kept', async ({
  page,
  pageErrors: _e,
}) => {
  test.setTimeout(300_000);
  // Long enough to change budgets while it runs (it is stopped at the end).
  await openStudio(page, `${RUN.replace('steps=40', 'steps=20000')}&backend=wasm`);
  await page.getByRole('button', { name: 'Start', exact: true }).click();
  await expect(page.getByTestId('run-status')).toContainText('Running', { timeout: 120_000 });
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  await expect(page.getByTestId('run-status')).toContainText('Paused', { timeout: 60_000 });
  const flash = page.getByRole('textbox', { name: 'Flash budget in KB' });
  const before = await flash.inputValue();
  await flash.fill('0.1');
  await flash.press('Tab');
  await expect(
    page.getByText(
      /The new budgets were not applied: Budget cannot be met\. Even with one channel/,
    ),
  ).toBeVisible();
  // The page goes back to the budget the run keeps, as before Start it keeps the previous one.
  await expect(flash).toHaveValue(before);
  // A feasible change is taken, and shown with its step.
  await flash.fill('6');
  await flash.press('Tab');
  await expect(page.getByTestId('budget-history')).toContainText(/Start: Flash ≤ [\d.]+ KB/);
  await expect(page.getByTestId('budget-history')).toContainText(/Step \d+: Flash ≤ 6 KB/);
  await page.getByRole('button', { name: 'Stop', exact: true }).click();
  await expect(page.getByTestId('run-status')).toContainText('Stopped', { timeout: 60_000 });
});

test('a run resumed from a page opened without its link brings back its board and budgets', async ({
  page,
  pageErrors: _e,
}) => {
  test.setTimeout(300_000);
  await openStudio(page, `${RUN.replace('steps=40', 'steps=20000')}&backend=wasm`);
  const flash = page.getByRole('textbox', { name: 'Flash budget in KB' });
  const ram = page.getByRole('checkbox', { name: 'Limit RAM' });
  const runFlash = await flash.inputValue();
  await page.getByRole('button', { name: 'Start', exact: true }).click();
  await expect(page.getByTestId('run-status')).toContainText('Running', { timeout: 120_000 });
  // A checkpoint is stored every few seconds; then the page is opened afresh, without the link.
  await page.waitForTimeout(8000);
  await page.goto('./');
  await page.reload();
  const offer = page.getByTestId('resume-offer');
  await expect(offer).toBeVisible();
  const board = page.getByLabel('Microcontroller board');
  await expect(board).not.toHaveValue('stm32f746g-disco');
  await offer.getByRole('button', { name: 'Resume run' }).click();
  await expect(page.getByTestId('run-status')).toContainText('Running', { timeout: 60_000 });
  await expect(board).toHaveValue('stm32f746g-disco');
  await expect(flash).toHaveValue(runFlash);
  await expect(ram).not.toBeChecked();
  expect(page.url()).toMatch(/board=stm32f746g-disco/);
  // The first edit changes that one budget; RAM stays unlimited as in the run.
  await flash.fill('6');
  await flash.press('Tab');
  await expect(page.getByTestId('budget-history')).toContainText(/Step \d+: Flash ≤ 6 KB$/);
  await expect(ram).not.toBeChecked();
  await page.getByRole('button', { name: 'Stop', exact: true }).click();
  await expect(page.getByTestId('run-status')).toContainText('Stopped', { timeout: 60_000 });
});
