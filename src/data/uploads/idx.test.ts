import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { DatasetError } from '../dataset';
import { makeIdx, memoryFile } from '../testing/fixtures';
import { loadMnistIdx, parseIdx } from './idx';

function images(count: number, h = 4, w = 4) {
  const data = Uint8Array.from({ length: count * h * w }, (_, i) => (i * 7) % 256);
  return makeIdx([count, h, w], data);
}
function labels(count: number, classes = 3) {
  return makeIdx(
    [count],
    Uint8Array.from({ length: count }, (_, i) => i % classes),
  );
}

describe('parseIdx', () => {
  it('reads the big-endian header and data', () => {
    const idx = parseIdx(images(2).slice().buffer, 'x');
    expect(idx.magic).toBe(2051);
    expect(idx.dims).toEqual([2, 4, 4]);
    expect(idx.data[1]).toBe(7);
  });

  it.each([
    ['a bad magic', makeIdx([2], new Uint8Array(2), 0x12340801), /magic mismatch/],
    ['a float element type', makeIdx([2], new Uint8Array(8), 0x00000d01), /0xd \(float\)/],
    ['a truncated body', images(3).subarray(0, 30), /truncated/],
    ['trailing bytes', Uint8Array.from([...labels(2), 9]), /file holds 3/],
    ['a zero dimension', makeIdx([0], new Uint8Array(0)), /dimension 0 is 0/],
    ['a three-byte file', new Uint8Array(3), /too short/],
  ])('rejects %s', (_, bytes, message) => {
    expect(() => parseIdx(bytes.slice().buffer, 'f-idx1-ubyte')).toThrow(DatasetError);
    expect(() => parseIdx(bytes.slice().buffer, 'f-idx1-ubyte')).toThrow(message);
  });
});

describe('loadMnistIdx', () => {
  it('uses the t10k pair as validation', async () => {
    const { dataset, warnings } = await loadMnistIdx([
      memoryFile('mnist/train-images-idx3-ubyte', images(12)),
      memoryFile('mnist/train-labels-idx1-ubyte', labels(12)),
      memoryFile('mnist/t10k-images-idx3-ubyte', images(6)),
      memoryFile('mnist/t10k-labels-idx1-ubyte', labels(6)),
    ]);
    expect(dataset.inputShape).toEqual([4, 4, 1]);
    expect(dataset.numClasses).toBe(3);
    expect(dataset.train.count).toBe(12);
    expect(dataset.validation.count).toBe(6);
    expect(dataset.train.x).toBeInstanceOf(Uint8Array);
    expect(warnings).toEqual([]);
  });

  it('splits the training files with a seed when no test files are given, reading .gz too', async () => {
    const files = [
      memoryFile('train-images-idx3-ubyte.gz', gzipSync(images(30))),
      memoryFile('train-labels-idx1-ubyte.gz', gzipSync(labels(30))),
      memoryFile('README.md', 'hello'),
    ];
    const a = await loadMnistIdx(files, { validationFraction: 0.2, seed: 5 });
    const b = await loadMnistIdx(files, { validationFraction: 0.2, seed: 5 });
    expect(a.dataset.validation.count).toBe(6);
    expect(a.dataset.validation.x).toEqual(b.dataset.validation.x);
    expect(a.warnings.some((w) => w.startsWith('README.md: skipped'))).toBe(true);
  });

  it('refuses a stray label that would add empty classes, naming the sample', async () => {
    const y = Uint8Array.from({ length: 12 }, (_, i) => i % 3);
    y[7] = 255;
    const load = loadMnistIdx([
      memoryFile('train-images-idx3-ubyte', images(12)),
      memoryFile('train-labels-idx1-ubyte', makeIdx([12], y)),
    ]);
    await expect(load).rejects.toThrow(
      /train-labels-idx1-ubyte: the labels go up to 255 \(first at training sample 8\) but classes 3, 4, 5 … 254 have no training sample/,
    );
  });

  it('says how many samples per class a split needs when every class is too small', async () => {
    const load = loadMnistIdx([
      memoryFile('train-images-idx3-ubyte', images(6)),
      memoryFile('train-labels-idx1-ubyte', labels(6)),
    ]);
    await expect(load).rejects.toThrow(
      'too few samples per class to hold out 17% of each for validation: every class needs at least 3, and the largest of the 3 classes has 2 (6 samples in all)',
    );
  });

  it('rejects a count mismatch between images and labels, naming both files', async () => {
    await expect(
      loadMnistIdx([
        memoryFile('train-images-idx3-ubyte', images(10)),
        memoryFile('train-labels-idx1-ubyte', labels(9)),
      ]),
    ).rejects.toThrow(
      /count mismatch: train-images-idx3-ubyte holds 10 images but train-labels-idx1-ubyte holds 9/,
    );
  });

  it('rejects a labels file whose magic says images', async () => {
    await expect(
      loadMnistIdx([
        memoryFile('train-images-idx3-ubyte', images(4)),
        memoryFile('train-labels-idx1-ubyte', images(4)),
      ]),
    ).rejects.toThrow(/train-labels-idx1-ubyte: IDX magic mismatch: found 2051, expected 2049/);
  });

  it('rejects a lone images file, single-class labels, and oversize files', async () => {
    await expect(loadMnistIdx([memoryFile('train-images-idx3-ubyte', images(4))])).rejects.toThrow(
      /no matching labels/,
    );
    await expect(
      loadMnistIdx([
        memoryFile('train-images-idx3-ubyte', images(4)),
        memoryFile('train-labels-idx1-ubyte', labels(4, 1)),
      ]),
    ).rejects.toThrow(/at least two classes/);
    await expect(
      loadMnistIdx([
        memoryFile('train-images-idx3-ubyte', images(4), 1 << 30),
        memoryFile('train-labels-idx1-ubyte', labels(4)),
      ]),
    ).rejects.toThrow(/over the .* limit/);
    await expect(loadMnistIdx([memoryFile('notes.txt', 'x')])).rejects.toThrow(DatasetError);
  });
});
