import AxeBuilder from '@axe-core/playwright';
import { test, expect, openStudio } from './fixtures';

/** A custom board, edited with the keyboard only, drives the budget presets and stays in the link. */
test('a custom board round-trips through the URL and drives the budget presets', async ({
  page,
  pageErrors: _e,
}) => {
  await openStudio(page);
  const ramBudget = page.getByRole('textbox', { name: 'RAM budget in KB' });
  const presetRam = Number(await ramBudget.inputValue());

  const boardSelect = page.getByLabel('Microcontroller board');
  await boardSelect.focus();
  await boardSelect.selectOption('custom');
  const form = page.getByTestId('custom-board');
  await expect(form).toBeVisible();

  // Keyboard only: type the name, then Tab through the core and into the number fields.
  const name = form.getByRole('textbox', { name: 'Board name' });
  await name.focus();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.type('Lab board <b>7</b>');
  await page.keyboard.press('Tab');
  await expect(form.getByLabel('Core family')).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(form.getByRole('textbox', { name: 'Clock (MHz)' })).toBeFocused();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.type('48');

  // A board of 12 KB RAM of which the runtime takes 4: the RAM budget follows to 8 KB.
  const ram = form.getByRole('textbox', { name: 'RAM (KB)', exact: true });
  await ram.focus();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.type('12');
  const runtimeRam = form.getByRole('textbox', { name: "Runtime's RAM (KB)" });
  await runtimeRam.focus();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.type('4');
  await expect(ramBudget).toHaveValue('8');
  expect(8).toBeLessThan(presetRam);
  await expect(page.getByTestId('budget-ram')).toContainText('Board: 8 KB');
  await expect(page.getByTestId('board-specs')).toContainText(
    'Lab board <b>7</b>: Cortex-M4 at 48 MHz',
  );

  // A wrong figure is refused with a message; the last good board stays in force.
  await runtimeRam.fill('20');
  await expect(runtimeRam).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByTestId('board-runtimeRamBytes-error')).toHaveText(
    "Runtime's RAM (20 KB) must be less than the board's RAM (12 KB): nothing would be left for the tensor arena.",
  );
  await expect(ramBudget).toHaveValue('8');
  const axe = await new AxeBuilder({ page }).include('[data-testid="custom-board"]').analyze();
  expect(
    axe.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => v.id),
  ).toEqual([]);
  await runtimeRam.fill('4');

  await expect
    .poll(() => page.evaluate(() => location.hash))
    .toMatch(/board=custom&cname=Lab\+board\+%3Cb%3E7%3C%2Fb%3E&ccore=cortex-m4&cclock=48/);
  const link = await page.evaluate(() => location.hash);
  expect(link).toContain('cram=12288');
  expect(link).toContain('crtram=4096');
  expect(link).toContain('ram=8192');

  // The link alone, in a fresh page, brings the board back.
  await page.goto('about:blank');
  await openStudio(page, link);
  await expect(page.getByLabel('Microcontroller board')).toHaveValue('custom');
  await expect(
    page.getByTestId('custom-board').getByRole('textbox', { name: 'Board name' }),
  ).toHaveValue('Lab board <b>7</b>');
  await expect(page.getByRole('textbox', { name: 'RAM (KB)', exact: true })).toHaveValue('12');
  await expect(ramBudget).toHaveValue('8');
  await expect(page.getByTestId('notice')).toHaveCount(0);

  // The preset button gives the custom board's preset again after a manual change.
  await ramBudget.fill('6');
  await page.getByRole('button', { name: 'Reset to board preset' }).click();
  await expect(ramBudget).toHaveValue('8');
});

/** Default budgets depend on the model and the board; what the user typed is never replaced. */
test('default budgets follow the model and the board, and a typed budget stays', async ({
  page,
  pageErrors: _e,
}) => {
  await openStudio(page);
  const flash = page.getByRole('textbox', { name: 'Flash budget in KB' });
  const latency = page.getByRole('textbox', { name: 'Latency budget in ms' });
  // The MNIST CNN (465 KB) is asked for 1/8 of its flash, DS-CNN (42 KB) for half of it.
  await expect(flash).toHaveValue('58');
  await page.getByLabel('Architecture').selectOption('ds-cnn');
  await expect(flash).toHaveValue('20');
  const nanoLatency = await latency.inputValue();

  await flash.fill('30');
  await page.getByLabel('Microcontroller board').selectOption('raspberry-pi-pico');
  // The slower board moves the latency default; the typed flash budget stays.
  await expect(latency).not.toHaveValue(nanoLatency);
  await expect(flash).toHaveValue('30');
  await expect.poll(() => page.evaluate(() => location.hash)).toContain('flash=30720');

  await page.getByRole('button', { name: 'Reset to board preset' }).click();
  await expect(flash).toHaveValue('20');
});
