import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { test, expect } from './fixtures';

/**
 * The exported .tflite in the real TFLite interpreter (tfjs-tflite WebAssembly), on the test
 * page that only a PS_TEST_PAGES=1 build contains (e2e/pages/tflite-check.html).
 */
const TEST_PAGE = './e2e/pages/tflite-check.html';

async function openCheckPage(page: Page): Promise<void> {
  const response = await page.goto(TEST_PAGE);
  expect(
    response?.status(),
    'the test page is missing: build with PS_TEST_PAGES=1 (npm run test:e2e does)',
  ).toBe(200);
  await page.waitForFunction(() => window.tfliteCheck?.ready === true);
}

test('an exported model runs in the TFLite interpreter and agrees with the float model on MNIST', async ({
  page,
  foreignRequests: _f,
  pageErrors: _e,
}) => {
  const warnings: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') warnings.push(msg.text());
  });
  page.on('response', (response) => {
    if (response.status() >= 400) warnings.push(`${response.status()} ${response.url()}`);
  });
  await openCheckPage(page);
  const result = await page.evaluate(() =>
    window.tfliteCheck!.exportAndVerifyZooModel({ modelId: 'tiny-cnn', seed: 1, samples: 1000 }),
  );
  console.log(
    `[tflite interpreter] tiny-cnn, ${result.fileBytes} B: interpreter vs float top-1 ` +
      `${(100 * result.agreement).toFixed(1)} % of ${result.samples} validation samples ` +
      `(runInt8 vs float ${(100 * result.int8ReferenceAgreement).toFixed(1)} %), ` +
      `max |interpreter − runInt8| ${result.maxOutputDifference}, load ${result.loadMs.toFixed(0)} ms, ` +
      `${result.inferenceMsPerSample.toFixed(2)} ms/sample`,
  );
  expect(result.samples).toBeGreaterThanOrEqual(500);
  expect(result.agreement).toBeGreaterThanOrEqual(0.97);
  // runInt8 computes what TFLite Micro computes (double rounding); the browser interpreter is
  // XNNPACK, which rounds once. Each requantisation can differ by 1 LSB, and the differences
  // compound layer by layer: up to 3 LSB at the output on the models measured with both.
  expect(result.maxOutputDifference).toBeLessThanOrEqual(3);

  // What the interpreter reports (int8 tensors show as int32 through tfjs) …
  expect(result.inputs).toHaveLength(1);
  expect(result.inputs[0].shape).toEqual([1, 28, 28, 1]);
  expect(result.inputs[0].dtype).toBe('int32');
  expect(result.outputs).toHaveLength(1);
  expect(result.outputs[0].shape).toEqual([1, 10]);
  expect(result.outputs[0].dtype).toBe('int32');
  // … and what the file declares: INT8 (TensorType 9), one scale and zero point each;
  // the input as raw − 128 (scale 1/255, zero point −128).
  expect(result.declared.input).toMatchObject({
    shape: [1, 28, 28, 1],
    type: 9,
    zeroPoint: [-128],
  });
  expect(result.declared.input.scale?.[0]).toBeCloseTo(1 / 255, 8);
  expect(result.declared.output).toMatchObject({ shape: [1, 10], type: 9 });
  expect(result.declared.output.scale).toHaveLength(1);
  expect(warnings, 'console errors / missing wasm files').toEqual([]);
});

test('verifyTflite takes .tflite bytes, float inputs and expected top-1 from a test', async ({
  page,
  foreignRequests: _f,
  pageErrors: _e,
}) => {
  await openCheckPage(page);
  // The way a journey test would call it: a .tflite (base64 here; number[] works too),
  // normalised float inputs and the expected top-1 per sample.
  const exported = await page.evaluate(() =>
    window.tfliteCheck!.exportZooModel({ modelId: 'tiny-cnn', seed: 1, samples: 16 }),
  );
  const bytes = Buffer.from(exported.tfliteBase64, 'base64');
  expect(bytes.subarray(4, 8).toString('latin1')).toBe('TFL3');
  const verify = (tflite: string | number[], expected: number[]) =>
    page.evaluate(
      ({ tflite, inputs, expected }) => window.tfliteCheck!.verifyTflite(tflite, inputs, expected),
      { tflite, inputs: exported.inputs, expected },
    );
  const same = await verify(exported.tfliteBase64, exported.floatTop1);
  expect(same.samples).toBe(16);
  expect(same.agreement).toBeGreaterThanOrEqual(15 / 16);
  // Every expected class shifted by one: the interpreter must disagree wherever it agreed.
  const shifted = await verify(
    Array.from(bytes),
    exported.floatTop1.map((c) => (c + 1) % 10),
  );
  expect(shifted.interpreterTop1).toEqual(same.interpreterTop1);
  expect(shifted.agreement).toBeLessThanOrEqual(1 - same.agreement);
});

test('a normal build (without PS_TEST_PAGES) ships neither the test page nor the interpreter', () => {
  test.setTimeout(240_000);
  const outDir = mkdtempSync(join(tmpdir(), 'ps-prod-build-'));
  try {
    const env = { ...process.env };
    delete env.PS_TEST_PAGES;
    execFileSync(
      'npx',
      ['vite', 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'],
      {
        env,
        stdio: 'pipe',
      },
    );
    const files = (readdirSync(outDir, { recursive: true }) as string[]).map((f) =>
      f.replaceAll('\\', '/'),
    );
    expect(files).toContain('index.html');
    expect(files.filter((f) => /tflite|^e2e/.test(f))).toEqual([]);
    for (const f of files.filter((name) => name.endsWith('.js'))) {
      expect(readFileSync(join(outDir, f), 'utf8'), f).not.toContain('tflite_web_api');
    }
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
});
