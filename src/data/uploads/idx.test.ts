import { deflateSync, gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { DatasetError } from '../dataset';
import { makeIdx, memoryFile } from '../testing/fixtures';
import { loadMnistIdx, parseIdx } from './idx';
import { InflateLimitError, inflateWithinLimit } from './inflate';

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

describe('loadMnistIdx: gzip bombs', () => {
  it('stops inflating a .gz at the limit instead of inflating it in full', async () => {
    // 16 MiB of zeros behind a valid header: 16 kB of gzip; the limit here is 1 MiB.
    const header = makeIdx([16384, 32, 32], new Uint8Array(0));
    const body = new Uint8Array(header.length + (16 << 20));
    body.set(header);
    const files = [
      memoryFile('train-images-idx3-ubyte.gz', gzipSync(body, { level: 9 })),
      memoryFile('train-labels-idx1-ubyte', labels(16384)),
    ];
    await expect(loadMnistIdx(files, { limits: { batchFileBytes: 1 << 20 } })).rejects.toThrow(
      /train-images-idx3-ubyte.gz: expands to more than 1.0 MiB, the limit for an IDX file \(stopped after inflating 1\.\d MiB\)/,
    );
  });

  it('refuses a 3 MB .gz that would inflate to 3 GiB under the default limit, stopping early', async () => {
    // Concatenated gzip members (RFC 1952 §2.2; gunzip reads them all): an IDX header for
    // 3.9 million 28×28 images, then 3,072 members of 1 MiB of zeros each.
    const header = makeIdx([3_900_000, 28, 28], new Uint8Array(0));
    const first = new Uint8Array(1 << 20);
    first.set(header);
    const head = gzipSync(first, { level: 9 });
    const member = gzipSync(new Uint8Array(1 << 20), { level: 9 });
    const bomb = new Uint8Array(head.length + 3071 * member.length);
    bomb.set(head);
    for (let i = 0; i < 3071; i++) bomb.set(member, head.length + i * member.length);
    expect(bomb.length).toBeLessThan(4e6);
    const started = performance.now();
    const error = await loadMnistIdx([
      memoryFile('train-images-idx3-ubyte.gz', bomb),
      memoryFile('train-labels-idx1-ubyte', labels(10)),
    ]).catch((e: unknown) => e as Error);
    const seconds = (performance.now() - started) / 1000;
    expect(error).toBeInstanceOf(DatasetError);
    const match =
      /expands to more than 256.0 MiB, the limit for an IDX file \(stopped after inflating ([\d.]+) MiB\)/.exec(
        (error as Error).message,
      );
    expect(match, (error as Error).message).not.toBeNull();
    // At most a 16th of the limit past it, of the 3,072 MiB declared.
    expect(Number(match![1])).toBeLessThanOrEqual(256 * (1 + 1 / 16));
    expect(seconds).toBeLessThan(30);
  });
});

describe('inflateWithinLimit', () => {
  it('inflates gzip (several members too) and raw deflate within the limit', () => {
    const a = Uint8Array.from({ length: 5000 }, (_, i) => i % 251);
    const two = new Uint8Array([...gzipSync(a), ...gzipSync(a)]);
    expect(inflateWithinLimit(two, 'gzip', 10_000)).toEqual(new Uint8Array([...a, ...a]));
    expect(inflateWithinLimit(deflateSync(a), 'deflate', 5000, 5000)).toEqual(a);
  });

  it('throws InflateLimitError with the bytes produced so far once past the limit', () => {
    const zeros = deflateSync(new Uint8Array(32 << 20), { level: 9 });
    let error: unknown;
    try {
      inflateWithinLimit(zeros, 'deflate', 100_000);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InflateLimitError);
    expect((error as InflateLimitError).produced).toBeGreaterThan(100_000);
    expect((error as InflateLimitError).produced).toBeLessThanOrEqual(100_000 + 512 * 1032);
  });

  it('throws on a corrupt stream', () => {
    expect(() => inflateWithinLimit(Uint8Array.of(1, 2, 3, 4, 5), 'gzip', 1000)).toThrow();
  });
});

describe('loadMnistIdx: label rules', () => {
  const withLabels = (values: number[], test?: number[]) => [
    memoryFile('train-images-idx3-ubyte', images(values.length)),
    memoryFile('train-labels-idx1-ubyte', makeIdx([values.length], Uint8Array.from(values))),
    ...(test
      ? [
          memoryFile('t10k-images-idx3-ubyte', images(test.length)),
          memoryFile('t10k-labels-idx1-ubyte', makeIdx([test.length], Uint8Array.from(test))),
        ]
      : []),
  ];
  const digits = Array.from({ length: 60 }, (_, i) => i % 10);

  it('refuses a stray label 255 instead of making 256 classes, naming it and its file', async () => {
    const values = [...digits];
    values[37] = 255;
    await expect(loadMnistIdx(withLabels(values, digits))).rejects.toThrow(
      'label 255 (1 sample, first at index 37 of train-labels-idx1-ubyte) is not next to the others: no sample has a label from 10 to 254, which would make 245 empty classes',
    );
  });

  it('refuses a test label the training labels never use', async () => {
    await expect(loadMnistIdx(withLabels(digits, [...digits.slice(0, 9), 200]))).rejects.toThrow(
      't10k-labels-idx1-ubyte: label 200 (first at index 9) never occurs in the training labels (0–9)',
    );
  });

  it('accepts labels 1…N (EMNIST letters), class 0 left empty, and refuses labels from 5 up', async () => {
    const letters = Array.from({ length: 52 }, (_, i) => 1 + (i % 26));
    const { dataset } = await loadMnistIdx(withLabels(letters, letters));
    expect(dataset.numClasses).toBe(27);
    await expect(loadMnistIdx(withLabels([5, 6, 5, 6], [5, 6]))).rejects.toThrow(
      /the labels start at 5 \(2 samples, first at index 0 of train-labels-idx1-ubyte\)/,
    );
  });
});
