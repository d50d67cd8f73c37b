import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { DatasetError } from '../dataset';
import { memoryFile } from '../testing/fixtures';
import { loadImageFolder, type ImageDecoder } from './imageFolder';
import { resampleTaps, resizeToTarget } from './resize';

/** A stand-in for the browser decoder: "IMG" + width + height + RGBA bytes. */
function fakeImage(
  width: number,
  height: number,
  rgba: (x: number, y: number) => number[],
): Uint8Array {
  const out = new Uint8Array(5 + width * height * 4);
  out.set([73, 77, 71, width, height]);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) out.set(rgba(x, y), 5 + (y * width + x) * 4);
  }
  return out;
}
const decode: ImageDecoder = async (bytes, mimeType) => {
  const b = new Uint8Array(bytes);
  if (b[0] !== 73 || b[1] !== 77 || b[2] !== 71) throw new Error(`corrupt ${mimeType} data`);
  return { width: b[3], height: b[4], data: new Uint8ClampedArray(b.subarray(5)) };
};
const solid = (v: number) => fakeImage(4, 4, () => [v, v, v, 255]);

function catsAndDogs(root = 'pets/') {
  const files = [];
  for (let i = 0; i < 5; i++) {
    files.push(memoryFile(`${root}cat/${i}.png`, solid(200)));
    files.push(memoryFile(`${root}dog/${i}.jpg`, solid(40)));
  }
  return files;
}
const opts = {
  targetShape: [2, 2, 1] as [number, number, number],
  decode,
  validationFraction: 0.2,
  seed: 1,
};

describe('resize', () => {
  it('averages areas when shrinking and keeps a constant image constant', () => {
    const taps = resampleTaps(4, 2);
    expect(Array.from(taps.weights[0])).toEqual([0.5, 0.5]);
    const image = fakeImage(4, 4, (x) => (x < 2 ? [0, 0, 0, 255] : [255, 255, 255, 255]));
    const decoded = { width: 4, height: 4, data: new Uint8ClampedArray(image.subarray(5)) };
    expect([...resizeToTarget(decoded, 2, 2, 1)]).toEqual([0, 255, 0, 255]);
    expect([...resizeToTarget(decoded, 1, 1, 1)]).toEqual([128]);
  });

  it('interpolates bilinearly when enlarging, converts to gray (BT.601) or RGB, alpha over black', () => {
    const row = {
      width: 2,
      height: 1,
      data: new Uint8ClampedArray([0, 0, 0, 255, 200, 200, 200, 255]),
    };
    expect([...resizeToTarget(row, 1, 4, 1)]).toEqual([0, 50, 150, 200]);
    const red = { width: 1, height: 1, data: new Uint8ClampedArray([255, 0, 0, 255]) };
    expect([...resizeToTarget(red, 1, 1, 1)]).toEqual([76]);
    expect([...resizeToTarget(red, 1, 1, 3)]).toEqual([255, 0, 0]);
    const clear = { width: 1, height: 1, data: new Uint8ClampedArray([255, 255, 255, 0]) };
    expect([...resizeToTarget(clear, 1, 1, 1)]).toEqual([0]);
  });
});

describe('loadImageFolder', () => {
  it('loads one class per sub-folder, resized, split per class', async () => {
    const { dataset, warnings } = await loadImageFolder(catsAndDogs(), opts);
    expect(dataset.classNames).toEqual(['cat', 'dog']);
    expect(dataset.inputShape).toEqual([2, 2, 1]);
    expect(dataset.train.count).toBe(8);
    expect(dataset.validation.count).toBe(2);
    expect(dataset.train.x).toBeInstanceOf(Uint8Array);
    for (let i = 0; i < dataset.train.count; i++) {
      expect(dataset.train.x[i * 4]).toBe(dataset.train.y[i] === 0 ? 200 : 40);
    }
    expect(dataset.name).toBe('pets');
    expect(dataset.source).toBe('upload');
    expect(warnings).toEqual(['all 10 images were resized to 2×2 (from 4×4)']);
  });

  it('reads a zip of the same layout, with or without a root folder', async () => {
    const entries: Record<string, Uint8Array> = {};
    for (let i = 0; i < 3; i++) {
      entries[`cat/${i}.png`] = solid(200);
      entries[`dog/${i}.png`] = solid(40);
    }
    entries['__MACOSX/cat/._0.png'] = new Uint8Array(4);
    entries['notes.txt'] = new TextEncoder().encode('hi');
    const zip = zipSync(entries);
    const { dataset, warnings } = await loadImageFolder([memoryFile('pets.zip', zip)], {
      ...opts,
      validationFraction: 0.34,
    });
    expect(dataset.classNames).toEqual(['cat', 'dog']);
    expect(dataset.train.count + dataset.validation.count).toBe(6);
    expect(dataset.name).toBe('pets');
    expect(warnings).toEqual([
      'pets.zip: notes.txt: skipped, not an image file',
      'all 6 images were resized to 2×2 (from 4×4)',
    ]);
    const rooted = zipSync({
      'root/a/1.png': solid(1),
      'root/a/2.png': solid(1),
      'root/b/1.png': solid(9),
      'root/b/2.png': solid(9),
    });
    expect(
      (await loadImageFolder([memoryFile('r.zip', rooted)], { ...opts, validationFraction: 0.5 }))
        .dataset.classNames,
    ).toEqual(['a', 'b']);
  });

  it('stores RGB as NHWC when asked for 3 channels', async () => {
    const files = [0, 1].flatMap((i) => [
      memoryFile(
        `c/red/${i}.png`,
        fakeImage(3, 3, () => [255, 0, 0, 255]),
      ),
      memoryFile(
        `c/blue/${i}.png`,
        fakeImage(3, 3, () => [0, 0, 255, 255]),
      ),
    ]);
    const { dataset } = await loadImageFolder(files, {
      ...opts,
      targetShape: [2, 2, 3],
      validationFraction: 0.5,
    });
    const i = Array.from(dataset.train.y).indexOf(dataset.classNames.indexOf('red'));
    expect([...dataset.train.x.subarray(i * 12, i * 12 + 6)]).toEqual([255, 0, 0, 255, 0, 0]);
  });

  it('skips non-image files with a warning', async () => {
    const files = [
      ...catsAndDogs(),
      memoryFile('pets/cat/notes.txt', 'x'),
      memoryFile('pets/README.md', 'x'),
      memoryFile('pets/.DS_Store', 'x'),
    ];
    const { warnings } = await loadImageFolder(files, opts);
    expect(warnings).toEqual([
      'pets/cat/notes.txt: skipped, not an image file',
      'pets/README.md: skipped, not inside a class folder',
      'all 10 images were resized to 2×2 (from 4×4)',
    ]);
  });

  it('says which images were resized, stretched, made grey or had transparency', async () => {
    const files = [];
    for (let i = 0; i < 3; i++) {
      files.push(
        memoryFile(
          `mix/a/${i}.png`,
          fakeImage(2, 2, () => [9, 9, 9, 255]),
        ),
      );
      files.push(
        memoryFile(
          `mix/b/${i}.png`,
          fakeImage(6, 3, () => [200, 10, 10, 255]),
        ),
      );
    }
    files.push(
      memoryFile(
        'mix/b/clear.png',
        fakeImage(4, 4, () => [5, 5, 5, 0]),
      ),
    );
    const { warnings } = await loadImageFolder(files, { ...opts, validationFraction: 0.34 });
    expect(warnings).toEqual([
      '4 of 7 images were resized to 2×2 (from 6×3, 4×4); 3 of them have another aspect ratio and were stretched, not cropped',
      '3 of 7 images were in colour and converted to grey (1 channel)',
      '1 of 7 images have transparency, composited over black',
    ]);
    const rgb = await loadImageFolder(files, {
      ...opts,
      targetShape: [2, 2, 3],
      validationFraction: 0.34,
    });
    expect(rgb.warnings).toContain('4 of 7 images were grey and given three equal channels (RGB)');
  });

  it('reports a corrupt image by name, or skips it when asked', async () => {
    const files = [...catsAndDogs(), memoryFile('pets/dog/broken.png', 'not an image at all')];
    await expect(loadImageFolder(files, opts)).rejects.toThrow(
      /pets\/dog\/broken.png: could not be decoded as an image \(corrupt image\/png data\)/,
    );
    const { dataset, warnings } = await loadImageFolder(files, { ...opts, onCorruptImage: 'skip' });
    expect(dataset.train.count + dataset.validation.count).toBe(10);
    expect(warnings[0]).toMatch(/broken.png.*skipped/);
  });

  it('rejects a decoder result whose size does not match its pixels', async () => {
    const lying: ImageDecoder = async () => ({
      width: 4,
      height: 4,
      data: new Uint8ClampedArray(3),
    });
    await expect(loadImageFolder(catsAndDogs(), { ...opts, decode: lying })).rejects.toThrow(
      /decoder returned 3 bytes/,
    );
  });

  it.each([
    ['an empty folder', [], /empty/],
    ['only system files', [memoryFile('x/.DS_Store', 'x')], /empty/],
    [
      'a single class',
      [memoryFile('pets/cat/1.png', solid(1)), memoryFile('pets/cat/2.png', solid(1))],
      /only one class \("cat"\)/,
    ],
    [
      'no images at all',
      [memoryFile('p/a/1.txt', 'x'), memoryFile('p/b/1.csv', 'x')],
      /no image files.*txt, csv/,
    ],
    [
      'an image over the byte limit',
      [...catsAndDogs(), memoryFile('pets/cat/big.png', solid(1), 100 << 20)],
      /big.png: is 100.0 MiB, over the 16.0 MiB limit/,
    ],
    ['a corrupt zip', [memoryFile('pets.zip', 'PK not really')], /pets.zip: is not a readable zip/],
  ])('rejects %s with a DatasetError', async (_, files, message) => {
    const run = () => loadImageFolder(files as ReturnType<typeof memoryFile>[], opts);
    await expect(run()).rejects.toThrow(DatasetError);
    await expect(run()).rejects.toThrow(message);
  });

  it('rejects a dataset too large for memory before decoding anything', async () => {
    let decoded = 0;
    const counting: ImageDecoder = async (b, m, n) => (decoded++, decode(b, m, n));
    await expect(
      loadImageFolder(catsAndDogs(), {
        ...opts,
        decode: counting,
        targetShape: [256, 256, 3],
        limits: { datasetBytes: 1e6 },
      }),
    ).rejects.toThrow(/10 images at 256×256×3 would take 1.9 MiB/);
    expect(decoded).toBe(0);
  });
});
