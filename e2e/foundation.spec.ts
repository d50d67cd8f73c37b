import { test, expect, openStudio } from './fixtures';

test('the studio opens and activates the WebGPU backend in the training worker', async ({
  page,
  foreignRequests: _f,
  pageErrors: _e,
}) => {
  await openStudio(page);
  await expect(page.getByTestId('active-backend')).toHaveText('webgpu');
});

test('the built page carries a strict Content-Security-Policy and cross-origin isolation', async ({
  page,
  foreignRequests: _f,
}) => {
  const response = await page.goto('./');
  expect(response?.headers()['cross-origin-opener-policy']).toBe('same-origin');
  const csp = await page
    .locator('meta[http-equiv="Content-Security-Policy"]')
    .getAttribute('content');
  const directives = new Map(
    (csp ?? '').split(';').map((d) => {
      const [name, ...values] = d.trim().split(/\s+/);
      return [name, values] as const;
    }),
  );
  expect(directives.get('script-src')).toEqual(["'self'", "'wasm-unsafe-eval'"]);
  expect(directives.get('connect-src')).toEqual(["'self'"]);
  expect(directives.get('worker-src')).toEqual(["'self'"]);
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
});

test('when WebGPU fails the studio falls back to WebGL and says why', async ({
  page,
  pageErrors: _e,
}) => {
  await page.goto('./?simulate=no-webgpu');
  await expect(page.getByTestId('active-backend')).toHaveText('webgl');
  await expect(page.getByText(/webgpu not used: webgpu disabled/i)).toBeVisible();
});

test('when WebGPU and WebGL both fail the studio still runs on the CPU backend', async ({
  page,
}) => {
  await page.goto('./?simulate=no-webgpu,no-webgl');
  await expect(page.getByTestId('active-backend')).toHaveText('cpu');
  await expect(page.getByText(/webgl not used/i)).toBeVisible();
});
