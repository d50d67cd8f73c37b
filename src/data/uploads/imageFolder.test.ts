import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { DatasetError } from '../dataset';
import {
  blackPng,
  bmpHeader,
  fakeDecoder,
  fakePng,
  gifHeader,
  jpegHeader,
  memoryFile,
  webpHeader,
} from '../testing/fixtures';
import { loadImageFolder, type ImageDecoder } from './imageFolder';
import { resampleTaps, resizeToTarget } from './resize';

const fakeImage = fakePng;
const decode = fakeDecoder;
const solid = (v: number) => fakeImage(2, 2, () => [v, v, v, 255]);

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
    const decoded = { width: 4, height: 4, data: new Uint8ClampedArray(image.subarray(33)) };
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

describe('resize: pass order', () => {
  const random = (w: number, h: number, seed: number) => {
    let v = seed;
    return fakeImage(w, h, () => {
      v = (v * 1103515245 + 12345) % 2147483648;
      return [v % 256, (v >> 8) % 256, (v >> 16) % 256, 255];
    });
  };
  const transpose = (img: { width: number; height: number; data: Uint8ClampedArray }) => {
    const data = new Uint8ClampedArray(img.data.length);
    for (let y = 0; y < img.height; y++) {
      for (let x = 0; x < img.width; x++) {
        data.set(
          img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 4),
          (x * img.height + y) * 4,
        );
      }
    }
    return { width: img.height, height: img.width, data };
  };
  const decoded = (bytes: Uint8Array) => {
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    return {
      width: view.getUint32(16),
      height: view.getUint32(20),
      data: new Uint8ClampedArray(bytes.subarray(33)),
    };
  };

  it('gives the transposed result for a transposed image, whichever pass goes first', () => {
    const img = decoded(random(37, 11, 3));
    for (const [h, w] of [
      [5, 9],
      [20, 3],
      [11, 37],
    ]) {
      const out = resizeToTarget(img, h, w, 3);
      const back = resizeToTarget(transpose(img), w, h, 3);
      const flipped = new Uint8Array(out.length);
      for (let y = 0; y < w; y++) {
        for (let x = 0; x < h; x++)
          flipped.set(back.subarray((y * h + x) * 3, (y * h + x) * 3 + 3), (x * w + y) * 3);
      }
      expect([...out]).toEqual([...flipped]);
    }
  });

  it('resizes a 1×4,000,000 image to 64×64 without a 4 M × 64 intermediate', () => {
    const data = new Uint8ClampedArray(16_000_000).fill(200);
    for (let p = 3; p < data.length; p += 4) data[p] = 255;
    const tall = { width: 1, height: 4_000_000, data };
    const started = performance.now();
    const out = resizeToTarget(tall, 64, 64, 3);
    expect(out.every((v) => v === 200)).toBe(true);
    // Rows first took 66 s and a 3 GB intermediate here; columns first ~1 s.
    expect(performance.now() - started).toBeLessThan(10_000);
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
    expect(warnings).toEqual([]);
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
    expect(warnings).toEqual(['pets.zip: notes.txt: skipped, not an image file']);
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
    ]);
  });

  it('reports a corrupt image by name, or skips it when asked', async () => {
    const files = [...catsAndDogs(), memoryFile('pets/dog/broken.png', 'not an image at all')];
    await expect(loadImageFolder(files, opts)).rejects.toThrow(
      /pets\/dog\/broken.png: could not be decoded as an image \(no PNG, JPEG, GIF, BMP, WebP header found\)/,
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

describe('loadImageFolder: decompression bombs', () => {
  /** A real 20000×20000 PNG, ~50 kB on disk, 1.6 GB once decoded to RGBA. */
  const bomb = blackPng(20000, 20000);
  const decodedNames = (names: string[]): ImageDecoder => {
    return async (b, m, n) => (names.push(n), decode(b, m, n));
  };

  it('refuses a 20000×20000 PNG from its header, without decoding it', async () => {
    const names: string[] = [];
    const files = [...catsAndDogs(), memoryFile('pets/cat/bomb.png', bomb)];
    await expect(loadImageFolder(files, { ...opts, decode: decodedNames(names) })).rejects.toThrow(
      'pets/cat/bomb.png: is 20000×20000 pixels (400.0 megapixels), over the 25.0 megapixels limit for an image',
    );
    expect(names).not.toContain('pets/cat/bomb.png');
  });

  it('refuses the same PNG inside a zip, and skips it with a warning when asked', async () => {
    const names: string[] = [];
    const entries: Record<string, Uint8Array> = { 'cat/bomb.png': bomb };
    for (let i = 0; i < 3; i++) {
      entries[`cat/${i}.png`] = solid(200);
      entries[`dog/${i}.png`] = solid(40);
    }
    const zip = memoryFile('pets.zip', zipSync(entries));
    await expect(
      loadImageFolder([zip], { ...opts, decode: decodedNames(names), validationFraction: 0.34 }),
    ).rejects.toThrow(/cat\/bomb.png: is 20000×20000 pixels/);
    expect(names).not.toContain('cat/bomb.png');
    const { dataset, warnings } = await loadImageFolder([zip], {
      ...opts,
      decode: decodedNames(names),
      validationFraction: 0.34,
      onCorruptImage: 'skip',
    });
    expect(dataset.train.count + dataset.validation.count).toBe(6);
    expect(warnings).toContainEqual(expect.stringMatching(/bomb.png: is 20000×20000 .*; skipped/));
    expect(names).not.toContain('cat/bomb.png');
  });

  it.each([
    ['a JPEG', 'big.jpg', jpegHeader(65535, 65535)],
    ['a GIF', 'big.gif', gifHeader(65535, 65535)],
    ['a BMP', 'big.bmp', bmpHeader(30000, 30000)],
    ['a WebP', 'big.webp', webpHeader('VP8X', 16384, 16384)],
    ['a PNG named .jpg', 'big.jpg', blackPng(6000, 5000)],
  ])('refuses %s over the pixel limit before decoding', async (_, name, bytes) => {
    const names: string[] = [];
    const files = [...catsAndDogs(), memoryFile(`pets/dog/${name}`, bytes)];
    await expect(loadImageFolder(files, { ...opts, decode: decodedNames(names) })).rejects.toThrow(
      new RegExp(`pets/dog/${name}: is \\d+×\\d+ pixels`),
    );
    expect(names).not.toContain(`pets/dog/${name}`);
  });

  it('takes the limit from the options, and lets an image at the limit through', async () => {
    const files = [
      ...catsAndDogs(),
      memoryFile(
        'pets/cat/wide.png',
        fakePng(10, 2, () => [9, 9, 9, 255]),
      ),
    ];
    await expect(loadImageFolder(files, { ...opts, limits: { imagePixels: 19 } })).rejects.toThrow(
      /wide.png: is 10×2 pixels/,
    );
    const { dataset } = await loadImageFolder(files, { ...opts, limits: { imagePixels: 20 } });
    expect(dataset.train.count + dataset.validation.count).toBe(11);
  });

  it('refuses a decoder result over the limit even if the header said less', async () => {
    const lying: ImageDecoder = async () => ({
      width: 30000,
      height: 1000,
      data: new Uint8ClampedArray(4),
    });
    await expect(loadImageFolder(catsAndDogs(), { ...opts, decode: lying })).rejects.toThrow(
      /is 30000×1000 pixels/,
    );
  });
});

describe('loadImageFolder: classes too small to split', () => {
  const folder = (sizes: Record<string, number>) =>
    Object.entries(sizes).flatMap(([name, n]) =>
      Array.from({ length: n }, (_, i) => memoryFile(`set/${name}/${i}.png`, solid(i))),
    );

  it('names the classes and their counts when none can give a validation sample', async () => {
    await expect(loadImageFolder(folder({ a: 2, b: 2, c: 1, d: 2 }), opts)).rejects.toThrow(
      'too few samples per class to hold out 20% for validation: each class needs at least 3, and "c" has 1, "a" has 2, "b" has 2, "d" has 2',
    );
    const many = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`k${i}`, 2]));
    await expect(loadImageFolder(folder(many), opts)).rejects.toThrow(/"k4" has 2 and 3 more$/);
  });

  it('warns, naming the class, when one class is too small to give any', async () => {
    const { dataset, warnings } = await loadImageFolder(folder({ cat: 5, dog: 5, owl: 2 }), opts);
    expect(dataset.validation.count).toBe(2);
    expect(warnings).toContain(
      '"owl" has 2 (fewer than 3 samples): none held out for validation, so validation accuracy does not cover that class',
    );
  });
});

describe('loadImageFolder: notices of what was changed', () => {
  const gray = (v: number) => [v, v, v, 255];
  const set = (cat: Uint8Array) =>
    [0, 1, 2].flatMap((i) => [
      memoryFile(`p/cat/${i}.png`, i === 0 ? cat : solid(100)),
      memoryFile(`p/dog/${i}.png`, solid(50)),
    ]);

  it('says nothing when every image already has the target size and channels', async () => {
    const { warnings } = await loadImageFolder(set(solid(1)), opts);
    expect(warnings).toEqual([]);
  });

  it('says how many images were resized and stretched, with an example', async () => {
    const wide = fakeImage(8, 2, () => gray(10));
    const big = fakeImage(4, 4, () => gray(10));
    const files = [...set(wide), memoryFile('p/dog/big.png', big)];
    const { warnings } = await loadImageFolder(files, opts);
    expect(warnings).toEqual([
      '2 of 7 images were resized to 2×2 (e.g. p/cat/0.png: 8×2)',
      '1 of 7 images was stretched to 2×2 (aspect ratio not kept; nothing is cropped) (e.g. p/cat/0.png: 8×2)',
    ]);
  });

  it('says when colour became gray, gray became RGB, or transparency was flattened', async () => {
    const red = fakeImage(2, 2, () => [255, 0, 0, 255]);
    const toGray = await loadImageFolder(set(red), opts);
    expect(toGray.warnings).toEqual([
      '1 of 6 images was in colour, converted to grayscale (1 channel) (e.g. p/cat/0.png)',
    ]);
    const clear = fakeImage(2, 2, (x) => [9, 9, 9, x === 0 ? 0 : 255]);
    const files = [...set(red), memoryFile('p/dog/clear.png', clear)];
    const toRgb = await loadImageFolder(files, { ...opts, targetShape: [2, 2, 3] });
    expect(toRgb.warnings).toEqual([
      '6 of 7 images were grayscale, converted to RGB (3 equal channels) (e.g. p/cat/1.png)',
      '1 of 7 images was partly transparent, composited over black (e.g. p/dog/clear.png)',
    ]);
  });
});
