import { test, expect, openStudio } from './fixtures';

const RUN =
  '#data=generated&gseed=1&gclasses=4&gsize=16&gsamples=400&model=tiny-cnn&width=2' +
  '&board=stm32f746g-disco&flash=7000&ram=none&latency=none&macs=none' +
  '&steps=40&warmup=0.2&prune=0.5&batch=16&lr=0.01&seed=1';

const stepOf = async (text: string | null) => Number(/(\d+)\s*\//.exec(text ?? '')?.[1] ?? NaN);

test('a reload during pruning offers to resume, and the run continues from its checkpoint', async ({
  page,
  pageErrors: _e,
}) => {
  test.setTimeout(300_000);
  // Software WebGPU is slow enough here to reload in the middle of the run.
  await openStudio(page, `${RUN}&backend=webgpu`);
  await page.getByRole('button', { name: 'Start', exact: true }).click();
  // The checkpoint is stored at each phase change (and every few seconds).
  await expect(page.getByTestId('run-phase')).toHaveText('Pruning', { timeout: 120_000 });
  await expect
    .poll(async () => stepOf(await page.getByTestId('run-step').textContent()), { timeout: 60_000 })
    .toBeGreaterThanOrEqual(12);
  await page.reload();
  const offer = page.getByTestId('resume-offer');
  await expect(offer).toBeVisible();
  const offered = Number(/step (\d+) of 40/.exec((await offer.textContent()) ?? '')?.[1]);
  expect(offered).toBeGreaterThanOrEqual(8);
  await offer.getByRole('button', { name: 'Resume run' }).click();
  await expect(offer).toHaveCount(0);
  await expect(
    page.getByText(new RegExp(`Resumed the interrupted run at step ${offered}`)),
  ).toBeVisible();
  // The first step shown after resuming follows the checkpoint's; it does not start over.
  await expect
    .poll(async () => stepOf(await page.getByTestId('run-step').textContent()), { timeout: 60_000 })
    .toBeGreaterThan(offered);
  await expect(page.getByTestId('run-status')).toContainText('Finished', { timeout: 240_000 });
  await expect(page.getByTestId('saved-runs-table').locator('tbody tr')).toHaveCount(1);
});

test('a lost GPU device mid-run moves the run to the next backend and says so', async ({
  page,
  pageErrors: _e,
}) => {
  test.setTimeout(300_000);
  await page.goto(`./?simulate=device-lost@15${RUN}&backend=webgpu`);
  await expect(page.getByTestId('active-backend')).toHaveText('webgpu');
  await page.getByRole('button', { name: 'Start', exact: true }).click();
  await expect(
    page.getByText(
      /webgpu backend failed at step 16.*goes on from its checkpoint at step \d+ on wasm/,
    ),
  ).toBeVisible({ timeout: 180_000 });
  await expect(page.getByTestId('active-backend')).toHaveText('wasm');
  await expect(page.getByTestId('run-status')).toContainText('Finished', { timeout: 240_000 });
});

test('a NaN loss is rejected: the run rolls back with a lower learning rate and finishes', async ({
  page,
  pageErrors: _e,
}) => {
  test.setTimeout(300_000);
  await page.goto(`./?simulate=no-webgpu,nan@20${RUN}`);
  await page.getByRole('button', { name: 'Start', exact: true }).click();
  await expect(
    page.getByText(
      /loss became NaN at step 20.*rolled back to step \d+ with the learning rate halved/,
    ),
  ).toBeVisible({ timeout: 180_000 });
  await expect(page.getByTestId('run-status')).toContainText('Finished', { timeout: 240_000 });
});
