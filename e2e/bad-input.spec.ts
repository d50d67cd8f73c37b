/**
 * Hostile uploads in the browser: decompression bombs are refused before they are decoded or
 * inflated in full, and the previous dataset stays; what was changed to fit is reported.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { blackPngBomb, grayPng, writeFolder } from './fixtureFiles';
import { test, expect, openStudio } from './fixtures';

async function chooseUpload(page: import('@playwright/test').Page, format: string) {
  await openStudio(page);
  await page.getByRole('radio', { name: /Your files/ }).check();
  await page.getByLabel('File format').selectOption(format);
}

/**
 * The peak resident memory (VmHWM, MiB) of the renderer processes this test's browser
 * started, found as descendants of this process in /proc (Linux); undefined elsewhere. The
 * upload worker runs in the renderer, so a decoded bomb would show here.
 */
function peakRendererMiB(): number | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return undefined;
  }
  const parent = new Map<number, number>();
  for (const pid of entries) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      parent.set(Number(pid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // the process ended meanwhile
    }
  }
  const ours = (pid: number): boolean => {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) {
      if (p === process.pid) return true;
    }
    return false;
  };
  let peak: number | undefined;
  for (const pid of parent.keys()) {
    try {
      if (!ours(pid)) continue;
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=renderer')) continue;
      const kib = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (kib) peak = Math.max(peak ?? 0, Number(kib[1]) / 1024);
    } catch {
      // the process ended meanwhile
    }
  }
  return peak;
}

function twoClasses(size = 20): Record<string, Buffer> {
  const files: Record<string, Buffer> = {};
  for (let i = 0; i < 4; i++) {
    files[`bright/${i}.png`] = grayPng(size, (x, y) => 180 + ((x * y + i) % 60));
    files[`dark/${i}.png`] = grayPng(size, (x) => (x % 4 < 2 ? 40 : 0));
  }
  return files;
}

test('a 20000×20000 PNG is refused from its header, and the previous dataset stays', async ({
  page,
  pageErrors: _e,
}) => {
  await chooseUpload(page, 'image-folder');
  await expect(page.getByText(/25 megapixels per image/)).toBeVisible();
  await page.getByLabel('Choose a folder').setInputFiles(writeFolder('good', twoClasses()));
  await expect(page.locator('.dataset-summary')).toContainText('good');
  const bomb = blackPngBomb(20000, 20000);
  expect(bomb.length).toBeLessThan(100_000);
  const started = Date.now();
  await page
    .getByLabel('Choose a folder')
    .setInputFiles(writeFolder('bomb', { ...twoClasses(), 'dark/huge.png': bomb }));
  await expect(page.getByTestId('dataset-error')).toContainText(
    'dark/huge.png: is 20000×20000 pixels (400.0 megapixels), over the 25.0 megapixels limit',
  );
  // Decoding it would take seconds and 1.6 GB; the header check takes milliseconds.
  expect(Date.now() - started).toBeLessThan(15_000);
  await expect(page.locator('.dataset-summary')).toContainText('good');
  const peak = peakRendererMiB();
  test.info().annotations.push({ type: 'renderer peak MiB', description: String(peak) });
  if (peak !== undefined) expect(peak).toBeLessThan(1024);
});

test('the same PNG inside a zip is refused too', async ({ page, pageErrors: _e }) => {
  await chooseUpload(page, 'image-folder');
  const { zipSync } = await import('fflate');
  const entries: Record<string, Uint8Array> = { 'dark/huge.png': blackPngBomb(20000, 20000) };
  for (const [path, bytes] of Object.entries(twoClasses())) entries[path] = bytes;
  const folder = writeFolder('zipped', { 'pets.zip': Buffer.from(zipSync(entries)) });
  await page.getByLabel('Choose a folder').setInputFiles(folder);
  await expect(page.getByTestId('dataset-error')).toContainText(
    /dark\/huge.png: is 20000×20000 pixels/,
  );
  const peak = peakRendererMiB();
  if (peak !== undefined) expect(peak).toBeLessThan(1024);
});

/** 3 MB of gzip, 3 GiB inflated: an IDX header declaring `count` 28×28 images, then zeros. */
function gzipBomb(count: number): Buffer {
  const header = Buffer.alloc(1 << 20);
  header.writeUInt32BE(2051, 0);
  header.writeUInt32BE(count, 4);
  header.writeUInt32BE(28, 8);
  header.writeUInt32BE(28, 12);
  const member = gzipSync(Buffer.alloc(1 << 20), { level: 9 });
  return Buffer.concat([gzipSync(header, { level: 9 }), ...new Array(3071).fill(member)]);
}

test('a 3 MB gzip IDX file that inflates to 3 GiB is stopped at its header', async ({
  page,
  pageErrors: _e,
}) => {
  await chooseUpload(page, 'mnist-idx');
  const labels = Buffer.alloc(8 + 10);
  labels.writeUInt32BE(2049, 0);
  labels.writeUInt32BE(10, 4);
  const upload = (bomb: Buffer) =>
    page.getByLabel('Choose files').setInputFiles([
      { name: 'train-images-idx3-ubyte.gz', mimeType: 'application/gzip', buffer: bomb },
      { name: 'train-labels-idx1-ubyte', mimeType: 'application/octet-stream', buffer: labels },
    ]);
  const bomb = gzipBomb(3_900_000);
  expect(bomb.length).toBeLessThan(4e6);
  await upload(bomb);
  await expect(page.getByTestId('dataset-error')).toContainText(
    'train-images-idx3-ubyte.gz: IDX header declares 3900000×28×28 (2916.0 MiB), over the 256.0 MiB limit',
  );
  // A header that understates the size: the stream is cut just past what it declares.
  await upload(gzipBomb(10));
  await expect(page.getByTestId('dataset-error')).toContainText(
    /train-images-idx3-ubyte.gz: inflates past the 7.7 KiB its IDX header declares/,
  );
  const peak = peakRendererMiB();
  test.info().annotations.push({ type: 'renderer peak MiB', description: String(peak) });
  if (peak !== undefined) expect(peak).toBeLessThan(1024);
});

test('the dataset summary says which images were resized and converted', async ({
  page,
  pageErrors: _e,
}) => {
  await chooseUpload(page, 'image-folder');
  await page.getByLabel('Choose a folder').setInputFiles(writeFolder('small', twoClasses()));
  const summary = page.locator('.dataset-status');
  await expect(summary).toContainText(/8 of 8 images were resized to \d+×\d+ \(e\.g\. /);
  await expect(summary).toContainText(/converted to (RGB|grayscale)/);
});
