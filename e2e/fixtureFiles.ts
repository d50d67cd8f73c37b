/** Small upload fixtures written by the tests themselves: PNG images and WAV clips. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodePng } from '../scripts/png';

/** An 8-bit grayscale PNG of `size`×`size` pixels from a pixel function. */
export function grayPng(size: number, pixel: (x: number, y: number) => number): Buffer {
  const scanlines = Buffer.alloc(size * (size + 1));
  for (let y = 0; y < size; y++) {
    scanlines[y * (size + 1)] = 0; // filter: none
    for (let x = 0; x < size; x++) scanlines[y * (size + 1) + 1 + x] = pixel(x, y);
  }
  return encodePng({ width: size, height: size, bitDepth: 8, colour: 'gray', scanlines });
}

/**
 * A valid all-black PNG of width×height at 1 bit per pixel: 20000×20000 is ~50 kB on disk
 * and 1.6 GB once decoded to RGBA (a decompression bomb for a decoder).
 */
export function blackPngBomb(width: number, height: number): Buffer {
  const scanlines = Buffer.alloc(height * (1 + Math.ceil(width / 8)));
  return encodePng({ width, height, bitDepth: 1, colour: 'gray', scanlines, level: 9 });
}

/** A 16-bit PCM mono WAV clip of a sine tone. */
export function toneWav(frequency: number, seconds: number, rate = 16000): Buffer {
  const samples = Math.round(seconds * rate);
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) {
    const v = Math.sin((2 * Math.PI * frequency * i) / rate) * 0.5 * 32767;
    data.writeInt16LE(Math.round(v), i * 2);
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8, 'latin1');
  header.write('fmt ', 12, 'latin1');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'latin1');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

/** Writes `files` (relative path → bytes) under a new temporary folder named `root`. */
export function writeFolder(root: string, files: Record<string, Buffer>): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'ps-upload-')), root);
  for (const [path, bytes] of Object.entries(files)) {
    const full = join(dir, path);
    mkdirSync(join(full, '..'), { recursive: true });
    writeFileSync(full, bytes);
  }
  return dir;
}

/**
 * A folder of `count` files per class under a temporary directory: `files` maps a path with a
 * `*` (e.g. 'cats/*.png') to the bytes of its i-th file.
 */
export function classFolder(
  root: string,
  count: number,
  files: Record<string, (i: number) => Buffer>,
): string {
  const all: Record<string, Buffer> = {};
  for (let i = 0; i < count; i++) {
    for (const [path, make] of Object.entries(files)) all[path.replace('*', String(i))] = make(i);
  }
  return writeFolder(root, all);
}
