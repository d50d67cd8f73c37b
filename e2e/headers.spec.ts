import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, expect, openStudio } from './fixtures';
import { SECURITY_HEADERS } from '../src/pwa/securityHeaders';
import { probe, trainingWorker } from './cspProbe';

/**
 * The security headers are real headers (vite preview; public/_headers for static hosts): the
 * CSP reaches the training worker, whose policy comes from its own script's response, not from
 * the page's <meta> tag. Proved by running eval, new Function and a fetch to another origin
 * inside the studio's training worker after it trained, with a control page (the CSP-exempt
 * TFLite test page) where the same calls work, so the failures are the policy's doing.
 */

const SHORT_RUN =
  '#data=generated&gseed=3&gclasses=3&gsize=16&gsamples=150&model=mnist-cnn&width=0.5' +
  '&board=stm32f746g-disco&flash=none&ram=none&latency=none&macs=none' +
  '&steps=30&warmup=0.2&prune=0.5&batch=16&lr=0.005&seed=3&backend=wasm';

/** Another origin (127.0.0.1, another port) that answers anyone (CORS *), counting its visitors. */
let foreign: Server;
let foreignOrigin: string;
const foreignHits: string[] = [];

test.beforeAll(async () => {
  foreign = createServer((req, res) => {
    foreignHits.push(req.url ?? '');
    if (req.url?.startsWith('/frame')) {
      const target = decodeURIComponent(req.url.split('?to=')[1] ?? '');
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end(`<!doctype html><iframe id="f" src="${target}" width="600" height="400"></iframe>`);
      return;
    }
    res.writeHead(200, { 'Access-Control-Allow-Origin': '*', 'Content-Type': 'text/plain' });
    res.end('leaked');
  });
  await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
  foreignOrigin = `http://127.0.0.1:${(foreign.address() as AddressInfo).port}`;
});

test.afterAll(async () => {
  await new Promise((resolve) => foreign.close(resolve));
});

test('the CSP is sent as a header and binds the training worker: eval, new Function and a foreign fetch fail there', async ({
  page,
  context,
  foreignRequests,
  pageErrors,
}) => {
  test.setTimeout(240_000);
  const policies = new Map<string, string | undefined>();
  page.on('response', (response) => {
    policies.set(new URL(response.url()).pathname, response.headers()['content-security-policy']);
  });
  await openStudio(page, SHORT_RUN);
  await expect(page.getByTestId('active-backend')).toHaveText('wasm');

  // The studio trains under the header policy.
  await page.getByRole('button', { name: 'Start', exact: true }).click();
  await expect(page.getByTestId('run-status')).toContainText('Finished', { timeout: 180_000 });

  // The page and the training worker's script both came with the full policy as a header.
  const workerPath = [...policies.keys()].find((p) => /training\.worker-[^/]*\.js$/.test(p));
  expect(workerPath, 'the training worker script was loaded').toBeDefined();
  expect(policies.get(workerPath!)).toBe(SECURITY_HEADERS['Content-Security-Policy']);
  const pagePolicy = policies.get(new URL(page.url()).pathname);
  expect(pagePolicy).toBe(SECURITY_HEADERS['Content-Security-Policy']);
  expect(pagePolicy).toContain("frame-ancestors 'none'");

  const target = `${foreignOrigin}/from-training-worker`;
  const inWorker = await (await trainingWorker(page)).evaluate(probe, target);
  expect(inWorker.eval).toMatch(/^EvalError/);
  expect(inWorker.newFunction).toMatch(/^EvalError/);
  expect(inWorker.fetch).toMatch(/^TypeError/);
  expect(inWorker.violations).toEqual(['connect-src', 'script-src']);
  expect(foreignHits.filter((h) => h.startsWith('/from-training-worker'))).toEqual([]);

  // Control: on the CSP-exempt test page of the same site, the same calls work.
  const control = await context.newPage();
  await control.goto('./e2e/pages/tflite-check.html');
  const unguarded = await control.evaluate(probe, `${foreignOrigin}/from-control-page`);
  expect(unguarded).toEqual({
    eval: 'ran: 42',
    newFunction: 'ran: 42',
    fetch: 'ran: leaked',
    violations: [],
  });
  await control.close();

  // The refusals provoked above are the expected ones; anything else still fails the test.
  const provoked = /unsafe-eval|from-training-worker/;
  pageErrors.splice(0, pageErrors.length, ...pageErrors.filter((e) => !provoked.test(e)));
  foreignRequests.splice(
    0,
    foreignRequests.length,
    ...foreignRequests.filter((r) => !provoked.test(r)),
  );
});

test("frame-ancestors 'none': another site cannot frame the studio", async ({ page, baseURL }) => {
  const framing = async (path: string) => {
    await page.goto(`${foreignOrigin}/frame?to=${encodeURIComponent(new URL(path, baseURL).href)}`);
    const frame = page.frameLocator('#f');
    return frame;
  };
  // Control: a page of the same site without the CSP can be framed.
  const control = await framing('./e2e/pages/tflite-check.html');
  await expect(control.locator('body')).toBeAttached();
  await expect
    .poll(() => page.frames()[1]?.url())
    .toBe(new URL('./e2e/pages/tflite-check.html', baseURL).href);

  // page.goto waits for the load event, which waits for the frame.
  await framing('./');
  expect(page.frames().length).toBe(2);
  const studio = page.frames()[1];
  expect(studio.url()).not.toBe(new URL('./', baseURL).href);
  expect(
    await page.frameLocator('#f').getByRole('heading', { name: 'Pruning Studio' }).count(),
  ).toBe(0);
});
