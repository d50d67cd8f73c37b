import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { DatasetError } from '../dataset';
import { fakeDecoder, fakePng, memoryFile } from '../testing/fixtures';
import { loadImageFolder } from './imageFolder';
import { readZipDirectory, unzipUpload } from './zip';

const MiB = 1 << 20;

/** Rewrites the uncompressed size an entry declares, in its local and central headers. */
function declareSize(zip: Uint8Array, name: string, size: number): Uint8Array {
  const out = zip.slice();
  const view = new DataView(out.buffer);
  const entry = readZipDirectory(out).find((e) => e.name === name)!;
  view.setUint32(entry.localOffset + 22, size, true);
  let eocd = out.length - 22;
  while (view.getUint32(eocd, true) !== 0x06054b50) eocd--;
  let at = view.getUint32(eocd + 16, true);
  for (;;) {
    const nameLength = view.getUint16(at + 28, true);
    const entryName = new TextDecoder().decode(out.subarray(at + 46, at + 46 + nameLength));
    if (entryName === name) break;
    at += 46 + nameLength + view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
  }
  view.setUint32(at + 24, size, true);
  return out;
}

const everything = () => true;

describe('unzipUpload', () => {
  it('lists stored and deflated entries and inflates each only when it is read', async () => {
    const zip = zipSync(
      {
        'a/1.bin': [Uint8Array.of(1, 2, 3), { level: 0 }],
        'a/2.bin': new Uint8Array(5000).fill(7),
        'b/': new Uint8Array(0),
        'notes.txt': new TextEncoder().encode('hi'),
      },
      { level: 6 },
    );
    const { files, skipped } = await unzipUpload(memoryFile('x.zip', zip), MiB, (n) =>
      n.endsWith('.bin'),
    );
    expect(files.map((f) => [f.path, f.size])).toEqual([
      ['a/1.bin', 3],
      ['a/2.bin', 5000],
    ]);
    expect(skipped).toEqual(['notes.txt']);
    expect([...new Uint8Array(await files[0].bytes())]).toEqual([1, 2, 3]);
    expect(new Uint8Array(await files[1].bytes())).toEqual(new Uint8Array(5000).fill(7));
  });

  it('stops a zip bomb entry at the size it declares instead of inflating it in full', async () => {
    // 64 MiB of zeros (~64 kB deflated) whose headers claim 1 KiB.
    const zip = declareSize(
      zipSync({ 'a/bomb.bin': new Uint8Array(64 * MiB) }),
      'a/bomb.bin',
      1024,
    );
    const { files } = await unzipUpload(memoryFile('bomb.zip', zip), 16 * MiB, everything);
    expect(files[0].size).toBe(1024);
    const started = performance.now();
    await expect(files[0].bytes()).rejects.toThrow(
      'bomb.zip: entry a/bomb.bin inflates to more than the 1.0 KiB its header declares (a damaged archive or a zip bomb)',
    );
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('refuses an entry that holds less than it declares', async () => {
    const zip = declareSize(zipSync({ 'a/x.bin': new Uint8Array(100).fill(1) }), 'a/x.bin', 200);
    const { files } = await unzipUpload(memoryFile('short.zip', zip), MiB, everything);
    await expect(files[0].bytes()).rejects.toThrow(
      'short.zip: entry a/x.bin holds 100 B, not the 200 B its header declares',
    );
  });

  it('refuses, before inflating anything, entries declared over the per-file or archive limit', async () => {
    const zip = zipSync({ 'a/1.bin': new Uint8Array(3000), 'a/2.bin': new Uint8Array(3000) });
    await expect(unzipUpload(memoryFile('z.zip', zip), 2000, everything)).rejects.toThrow(
      'z.zip: entry a/1.bin is 2.9 KiB, over the 2.0 KiB limit per file',
    );
    await expect(
      unzipUpload(memoryFile('z.zip', zip), MiB, everything, { archiveBytes: 5000 }),
    ).rejects.toThrow('z.zip: expands to over 4.9 KiB');
  });

  it('refuses encrypted entries and unknown methods, and corrupt archives', async () => {
    const zip = zipSync({ 'a/1.bin': new Uint8Array(10) });
    const encrypted = zip.slice();
    const view = new DataView(encrypted.buffer);
    const central = view.getUint32(encrypted.length - 22 + 16, true);
    view.setUint16(central + 8, 1, true);
    await expect(unzipUpload(memoryFile('e.zip', encrypted), MiB, everything)).rejects.toThrow(
      'e.zip: entry a/1.bin is encrypted',
    );
    const lzma = zip.slice();
    new DataView(lzma.buffer).setUint16(central + 10, 14, true);
    await expect(unzipUpload(memoryFile('l.zip', lzma), MiB, everything)).rejects.toThrow(
      /compression method 14/,
    );
    await expect(
      unzipUpload(memoryFile('t.zip', zip.subarray(0, zip.length - 30)), MiB, everything),
    ).rejects.toThrow(DatasetError);
  });

  it('reports a zip bomb inside an image-folder zip, naming the archive and the entry', async () => {
    const image = fakePng(2, 2, () => [9, 9, 9, 255]);
    const entries: Record<string, Uint8Array> = {};
    for (let i = 0; i < 3; i++) entries[`cat/${i}.png`] = entries[`dog/${i}.png`] = image;
    entries['dog/bomb.png'] = new Uint8Array(32 * MiB);
    const zip = declareSize(zipSync(entries), 'dog/bomb.png', image.length);
    await expect(
      loadImageFolder([memoryFile('pets.zip', zip)], {
        targetShape: [2, 2, 1],
        decode: fakeDecoder,
      }),
    ).rejects.toThrow(
      /pets.zip: entry dog\/bomb.png inflates to more than the 49 B its header declares/,
    );
  });
});
