import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stratifiedSplit } from './batches';
import { DatasetError } from './dataset';
import { fnv1a32, loadBuiltinMnist, parseMnistAsset } from './mnist';

const script = resolve(__dirname, '../../scripts/prepare-mnist.ts');
let dir: string;
let asset: ArrayBuffer;

function runScript(...args: string[]): string {
  const out = join(dir, 'mnist.bin');
  return execFileSync(process.execPath, ['--import', 'tsx', script, '--out', out, ...args], {
    encoding: 'utf8',
  });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mnist-asset-'));
  runScript();
  const bytes = readFileSync(join(dir, 'mnist.bin'));
  asset = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function patched(edit: (view: DataView) => void, fixChecksum = true): ArrayBuffer {
  const copy = asset.slice(0);
  const view = new DataView(copy);
  edit(view);
  if (fixChecksum) view.setUint32(24, fnv1a32(new Uint8Array(copy, 32)), true);
  return copy;
}

describe('prepare-mnist.ts and parseMnistAsset', () => {
  it('packs the 10,000 package digits with the documented 8,000 / 2,000 split', () => {
    const ds = parseMnistAsset(asset);
    expect(ds.inputShape).toEqual([28, 28, 1]);
    expect(ds.numClasses).toBe(10);
    expect(ds.source).toBe('builtin');
    expect(ds.train.count).toBe(8000);
    expect(ds.validation.count).toBe(2000);
    expect(ds.train.x).toBeInstanceOf(Uint8Array);
    expect(ds.train.x.length).toBe(8000 * 784);
    expect(ds.normalisation).toEqual({ scale: 1 / 255, offset: 0 });
    expect(asset.byteLength).toBe(32 + 10000 * 785);
  });

  it('matches the mnist package pixel for pixel, in stratifiedSplit(…, 0.2, 42) order', () => {
    const require = createRequire(import.meta.url);
    const labels: number[] = [];
    const raw: number[][] = [];
    for (let d = 0; d < 10; d++) {
      const { data } = require(`mnist/src/digits/${d}.json`) as { data: number[] };
      for (let s = 0; s < data.length / 784; s++) {
        labels.push(d);
        raw.push(data.slice(s * 784, (s + 1) * 784));
      }
    }
    const { train, validation } = stratifiedSplit(labels, 10, 0.2, 42);
    const ds = parseMnistAsset(asset);
    for (const [split, order] of [
      [ds.train, train],
      [ds.validation, validation],
    ] as const) {
      expect(split.count).toBe(order.length);
      for (const k of [0, 1, 517, split.count - 1]) {
        expect(split.y[k]).toBe(labels[order[k]]);
        const expected = raw[order[k]].map((v) => Math.round(v * 255));
        expect([...split.x.subarray(k * 784, (k + 1) * 784)]).toEqual(expected);
      }
      expect([...split.y]).toEqual([...order].map((i) => labels[i]));
    }
    // Every digit is represented in validation roughly 20 %.
    const perClass = new Array(10).fill(0);
    for (const y of ds.validation.y) perClass[y]++;
    expect(Math.min(...perClass)).toBeGreaterThan(150);
  });

  it('skips the rebuild when the asset is up to date, and rebuilds with --force', () => {
    const before = statSync(join(dir, 'mnist.bin')).mtimeMs;
    expect(runScript()).toMatch(/up to date/);
    expect(statSync(join(dir, 'mnist.bin')).mtimeMs).toBe(before);
    expect(runScript('--force')).toMatch(/wrote/);
    // Byte-identical output (compared with Buffer.equals: deep equality on 7.8 MB is slow).
    expect(readFileSync(join(dir, 'mnist.bin')).equals(new Uint8Array(asset))).toBe(true);
  });

  it.each([
    ['a short file', () => new ArrayBuffer(10), /too short/],
    [
      'an HTML page',
      () => new TextEncoder().encode('<!doctype html><html>…</html>'.padEnd(64)).buffer,
      /bad magic/,
    ],
    ['another version', () => patched((v) => v.setUint16(4, 2, true)), /unsupported version 2/],
    ['a zero count', () => patched((v) => v.setUint32(8, 0, true)), /count is 0/],
    ['trainCount ≥ count', () => patched((v) => v.setUint32(12, 10000, true)), /trainCount/],
    ['a bad shape', () => patched((v) => v.setUint16(20, 2, true)), /bad shape/],
    ['one class', () => patched((v) => v.setUint16(22, 1, true)), /class count 1/],
    ['a truncated file', () => asset.slice(0, asset.byteLength - 1), /truncated/],
    [
      'flipped payload bits',
      () => patched((v) => v.setUint8(1000, v.getUint8(1000) ^ 1), false),
      /checksum/,
    ],
    ['a label out of range', () => patched((v) => v.setUint8(32 + 10000 * 784, 12)), /label 12/],
  ])('rejects %s with a DatasetError naming the problem', (_, make, message) => {
    expect(() => parseMnistAsset(make())).toThrow(DatasetError);
    expect(() => parseMnistAsset(make())).toThrow(message);
  });
});

describe('loadBuiltinMnist', () => {
  it('fetches the relative URL and parses it', async () => {
    const urls: string[] = [];
    const ds = await loadBuiltinMnist(async (url) => {
      urls.push(url);
      return new Response(asset);
    });
    expect(urls).toEqual(['data/mnist.bin']);
    expect(ds.id).toBe('mnist');
  });

  it('reports HTTP and network failures as DatasetError', async () => {
    await expect(loadBuiltinMnist(async () => new Response('no', { status: 404 }))).rejects.toThrow(
      /HTTP 404/,
    );
    await expect(
      loadBuiltinMnist(async () => {
        throw new TypeError('Failed to fetch');
      }),
    ).rejects.toThrow(DatasetError);
  });
});
