import { strFromU8, unzipSync } from 'fflate';
import { test, expect, openStudio } from './fixtures';

/**
 * The main journey on a tiny configuration (software WebGPU is slow here): start, watch π and
 * the resources move, lower the flash budget mid-run, finish, find the run saved, export it.
 */
const RUN =
  '#data=generated&gseed=1&gclasses=4&gsize=16&gsamples=400&model=mnist-cnn&width=0.5' +
  '&board=stm32f746g-disco&flash=30720&ram=none&latency=none&macs=none' +
  '&steps=300&warmup=0.2&prune=0.5&batch=16&lr=0.005&seed=1&backend=wasm';

test('start, prune live, re-target the budget mid-run, finish, save and export', async ({
  page,
  foreignRequests: _f,
  pageErrors: _e,
}) => {
  test.setTimeout(300_000);
  // Long main-thread tasks while training would freeze the page: record them all.
  await page.addInitScript(() => {
    const w = window as unknown as { longTasks: number[] };
    w.longTasks = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) w.longTasks.push(entry.duration);
    }).observe({ type: 'longtask', buffered: true });
  });
  await openStudio(page, RUN);
  await expect(page.getByTestId('active-backend')).toHaveText('wasm');
  await page.evaluate(() => ((window as unknown as { longTasks: number[] }).longTasks = []));

  await page.getByRole('button', { name: 'Start', exact: true }).click();
  await expect(page.getByTestId('run-phase')).toHaveText('Pruning', { timeout: 120_000 });
  for (const chart of ['pi-chart', 'importance-chart', 'resource-chart', 'layer-breakdown']) {
    await expect(page.getByTestId(chart).getByText('Start a run to see this chart.')).toHaveCount(
      0,
    );
  }

  // Mid-run: lower the flash budget; the pruning must follow it under the new line.
  const flashField = page.getByRole('textbox', { name: 'Flash budget in KB' });
  await flashField.fill('20');
  await flashField.blur();

  await expect(page.getByTestId('run-status')).toContainText('Finished', { timeout: 240_000 });
  const flashNow = await page.getByTestId('budget-flash').locator('strong').first().textContent();
  const kb = Number(/([\d.]+)\s*KB/.exec(flashNow ?? '')?.[1]);
  expect(kb).toBeGreaterThan(0);
  expect(kb).toBeLessThanOrEqual(20);
  await expect(page.getByTestId('budget-flash').getByText('(over budget)')).toHaveCount(0);

  const longTasks = await page.evaluate(
    () => (window as unknown as { longTasks: number[] }).longTasks,
  );
  expect(
    longTasks.filter((d) => d > 200),
    'main-thread tasks over 200 ms',
  ).toEqual([]);

  await expect(page.getByTestId('saved-runs-table').locator('tbody tr')).toHaveCount(1);

  const downloadOf = async (button: RegExp) => {
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: button }).click();
    const chunks: Buffer[] = [];
    for await (const chunk of await (await download).createReadStream())
      chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  };
  const tflite = await downloadOf(/TFLite/);
  expect(tflite.subarray(4, 8).toString('latin1')).toBe('TFL3');
  expect(tflite.length).toBeLessThan(20 * 1024 * 1.02);
  const tfjsZip = await downloadOf(/TF\.js/);

  // The exported run in the real TFLite interpreter agrees with its float (TF.js) model.
  const check = await page.context().newPage();
  await check.goto('./e2e/pages/tflite-check.html');
  await check.waitForFunction(() => window.tfliteCheck?.ready === true);
  const result = await check.evaluate(
    ([t, z]) =>
      window.tfliteCheck!.verifyExportedRun(t, z, { seed: 1, classes: 4, size: 16, samples: 400 }),
    [tflite.toString('base64'), tfjsZip.toString('base64')] as const,
  );
  expect(result.samples).toBe(80);
  expect(result.agreement).toBeGreaterThanOrEqual(0.97);
  expect(result.declared.input.shape).toEqual([1, 16, 16, 1]);
  expect(result.declared.output.shape).toEqual([1, 4]);
  expect(result.declared.input.type).toBe(9); // INT8
  await check.close();

  // The report, the TFLM module's headers and the Export panel state the same deployment.
  const report = JSON.parse((await downloadOf(/Report/)).toString('utf8'));
  const module = unzipSync(new Uint8Array(await downloadOf(/TFLM module/)));
  expect(Object.keys(module).sort()).toEqual(
    ['main.cc', 'model_data.cc', 'model_data.h', 'model_ops.h', 'model_settings.h'].sort(),
  );
  const settings = strFromU8(module['model_settings.h']);
  const ops = strFromU8(module['model_ops.h']);
  const d = report.deployment;
  expect(settings).toContain(`kTensorArenaBytes = ${d.arena.tensorArenaBytes};`);
  expect(settings).toContain(`kInputZeroPoint = ${d.input.zeroPoint};`);
  expect(settings).toContain(`kOutputZeroPoint = ${d.output.zeroPoint};`);
  for (const name of d.classes) expect(settings).toContain(`"${name}",`);
  expect(ops).toContain(`MicroMutableOpResolver<${d.operators.length}>`);
  expect(ops).toContain(`Exactly the model's operators: ${d.operators.join(', ')}.`);
  await expect(page.getByTestId('deployment-arena')).toContainText(`${d.arena.tensorArenaBytes} B`);
  await expect(page.getByTestId('deployment-operators')).toContainText(d.operators.join(', '));
  await expect(page.getByTestId('deployment-classes')).toContainText(
    d.classes.map((c: string, i: number) => `${i} ${c}`).join(', '),
  );
  // The RAM figure is TFLite Micro's arena: at least its plan and persistent part.
  expect(d.arena.tensorArenaBytes).toBeGreaterThanOrEqual(
    d.arena.plannedActivationBytes + d.arena.persistentBytes,
  );
});
