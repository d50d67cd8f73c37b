import AxeBuilder from '@axe-core/playwright';
import { test, expect, openStudio } from './fixtures';

test('the default page shows the whole flow with defaults a first-time user can start from', async ({
  page,
  foreignRequests: _f,
  pageErrors: _e,
}) => {
  await openStudio(page);
  await expect(page.getByRole('radio', { name: /Built-in MNIST/ })).toBeChecked();
  await expect(page.getByLabel('Architecture')).toHaveValue('mnist-cnn');
  await expect(page.getByLabel('Microcontroller board')).toHaveValue('arduino-nano-33-ble-sense');
  for (const name of ['Flash budget', 'RAM budget', 'Latency budget', 'MACs budget']) {
    await expect(page.getByRole('slider', { name })).toBeVisible();
  }
  await expect(page.getByRole('slider', { name: 'Flash budget' })).toBeEnabled();
  await expect(page.getByTestId('unpruned-estimate')).toContainText('KB flash');
  await expect(page.getByRole('button', { name: 'Start' })).toBeEnabled();
  await expect(page.getByRole('progressbar', { name: 'Training progress' })).toHaveAttribute(
    'aria-valuenow',
    '0',
  );
  await expect(page.getByRole('button', { name: /TFLite/ })).toBeDisabled();
  await page.screenshot({ path: 'test-results/studio-default.png', fullPage: true });
});

test('budget sliders are labelled, show their unit and move with the keyboard', async ({
  page,
  pageErrors: _e,
}) => {
  await openStudio(page);
  const slider = page.getByRole('slider', { name: 'Flash budget' });
  const field = page.getByRole('textbox', { name: 'Flash budget in KB' });
  const before = Number(await field.inputValue());
  expect(before).toBeGreaterThan(0);
  await slider.focus();
  for (let i = 0; i < 40; i++) await slider.press('ArrowLeft');
  await expect.poll(async () => Number(await field.inputValue())).toBeLessThan(before);
  await expect(slider).toHaveAttribute('aria-valuetext', /KB$/);
  await field.fill('20');
  await expect(slider).toHaveAttribute('aria-valuetext', '20 KB');
  await expect.poll(() => page.evaluate(() => location.hash)).toContain('flash=20480');
  // Switching a limit off says so and leaves the slider disabled.
  await page.getByRole('checkbox', { name: 'Limit MACs' }).check();
  await expect(page.getByRole('slider', { name: 'MACs budget' })).toBeEnabled();
  await page.getByRole('checkbox', { name: 'Limit MACs' }).uncheck();
  await expect(page.getByRole('slider', { name: 'MACs budget' })).toBeDisabled();
});

test('the configuration round-trips through the URL hash across a reload', async ({
  page,
  pageErrors: _e,
}) => {
  await openStudio(
    page,
    '#data=generated&gseed=3&gclasses=5&gsize=20&gsamples=600&model=tiny-cnn&width=0.5&board=esp32-s3&flash=12288&ram=none&latency=2.5&macs=none&steps=200&warmup=0.1&prune=0.6&batch=16&lr=0.01&seed=9',
  );
  await expect(page.getByRole('radio', { name: /Generated shapes/ })).toBeChecked();
  await expect(page.getByRole('spinbutton', { name: 'Classes' })).toHaveValue('5');
  await expect(page.getByLabel('Architecture')).toHaveValue('tiny-cnn');
  await expect(page.getByRole('spinbutton', { name: 'Width multiplier' })).toHaveValue('0.5');
  await expect(page.getByLabel('Microcontroller board')).toHaveValue('esp32-s3');
  await expect(page.getByRole('textbox', { name: 'Flash budget in KB' })).toHaveValue('12');
  await expect(page.getByRole('slider', { name: 'RAM budget' })).toBeDisabled();
  await expect(page.getByTestId('notice')).toHaveCount(0);

  await page.getByLabel('Microcontroller board').selectOption('nucleo-h743zi');
  await expect.poll(() => page.evaluate(() => location.hash)).toContain('board=nucleo-h743zi');
  await page.reload();
  await expect(page.getByLabel('Microcontroller board')).toHaveValue('nucleo-h743zi');
  await expect(page.getByLabel('Architecture')).toHaveValue('tiny-cnn');
  await page.getByText('Training settings').click();
  await expect(page.getByRole('spinbutton', { name: 'Total steps' })).toHaveValue('200');
  await expect(page.getByRole('spinbutton', { name: 'Seed', exact: true })).toHaveValue('9');
});

test('a bad link keeps its good settings and says which ones it ignored', async ({
  page,
  pageErrors: _e,
}) => {
  await openStudio(page, '#model=resnet999&board=esp32-s3&flash=-5&steps=abc&colour=red');
  await expect(page.getByLabel('Architecture')).toHaveValue('mnist-cnn');
  await expect(page.getByLabel('Microcontroller board')).toHaveValue('esp32-s3');
  const notice = page.getByTestId('notice').filter({ hasText: 'not valid' });
  await expect(notice).toContainText('resnet999');
  await expect(notice).toContainText('"flash"');
  await expect(notice).toContainText('"steps"');
  await expect(notice).toContainText('colour');
  await notice.getByRole('button', { name: /Dismiss/ }).click();
  await expect(notice).toHaveCount(0);
});

test('the default page has no serious or critical accessibility violations', async ({
  page,
  pageErrors: _e,
}) => {
  await openStudio(page);
  await expect(page.getByRole('slider', { name: 'Flash budget' })).toBeVisible();
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join('; ')})`);
  expect(bad).toEqual([]);
});
