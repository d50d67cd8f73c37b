import { test, expect, openStudio } from './fixtures';

test('the studio opens and activates the WebGPU backend in the training worker', async ({
  page,
  foreignRequests: _f,
  pageErrors: _e,
}) => {
  await openStudio(page, '#backend=webgpu');
  await expect(page.getByTestId('active-backend')).toHaveText('webgpu');
});

test('by default the worker measures each backend and trains on the fastest, showing the figures', async ({
  page,
  foreignRequests: _f,
  pageErrors: _e,
}) => {
  await openStudio(page);
  const timings = page.getByTestId('backend-timings');
  await expect(timings).toContainText('ms per probe step', { timeout: 60_000 });
  const lines = await timings.locator('li').allTextContents();
  const measured = lines
    .map((l) => /^(\w+): ([\d.]+) ms per probe step/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ name: m[1], ms: Number(m[2]) }));
  expect(measured.map((m) => m.name)).toEqual(expect.arrayContaining(['webgpu', 'wasm', 'webgl']));
  const fastest = measured.reduce((a, b) => (b.ms < a.ms ? b : a));
  await expect(page.getByTestId('active-backend')).toHaveText(fastest.name);
  // The user can override the measured choice.
  await page.getByLabel('Training backend').selectOption('webgl');
  await expect(page.getByTestId('active-backend')).toHaveText('webgl');
  await expect.poll(() => page.evaluate(() => location.hash)).toContain('backend=webgl');
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

test('when WebGPU fails the studio falls back to the next backend and says why', async ({
  page,
  pageErrors: _e,
}) => {
  await page.goto('./?simulate=no-webgpu#backend=webgpu');
  await expect(page.getByTestId('active-backend')).toHaveText('wasm');
  await expect(page.getByText(/webgpu not used: webgpu disabled/i)).toBeVisible();
});

test('with WebGPU, WebAssembly and WebGL all failing the studio still runs on the CPU', async ({
  page,
}) => {
  await page.goto('./?simulate=no-webgpu,no-wasm,no-webgl');
  await expect(page.getByTestId('active-backend')).toHaveText('cpu');
  await expect(page.getByText(/webgl not used/i)).toBeVisible();
});
