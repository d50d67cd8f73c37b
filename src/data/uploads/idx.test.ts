import { deflateSync, gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { DatasetError } from '../dataset';
import { makeIdx, memoryFile } from '../testing/fixtures';
import { UPLOAD_LIMITS } from './files';
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

/**
 * Concatenated gzip members (RFC 1952 §2.2; gunzip reads them all): `head`, then 3,071
 * members of 1 MiB of zeros each: 3 MB that inflate to 3 GiB.
 */
function threeGiB(head: Uint8Array): Uint8Array {
  const first = new Uint8Array(1 << 20);
  first.set(head);
  const start = gzipSync(first, { level: 9 });
  const member = gzipSync(new Uint8Array(1 << 20), { level: 9 });
  const bomb = new Uint8Array(start.length + 3071 * member.length);
  bomb.set(start);
  for (let i = 0; i < 3071; i++) bomb.set(member, start.length + i * member.length);
  return bomb;
}

describe('loadMnistIdx: gzip bombs', () => {
  const load = (bomb: Uint8Array, limits?: { batchFileBytes: number }) =>
    loadMnistIdx(
      [
        memoryFile('train-images-idx3-ubyte.gz', bomb),
        memoryFile('train-labels-idx1-ubyte', labels(1000)),
      ],
      { limits },
    );

  it('refuses a 3 MB .gz whose header declares 3 GB as soon as the header is inflated', async () => {
    const bomb = threeGiB(makeIdx([3_900_000, 28, 28], new Uint8Array(0)));
    expect(bomb.length).toBeLessThan(4e6);
    const started = performance.now();
    await expect(load(bomb)).rejects.toThrow(
      'train-images-idx3-ubyte.gz: IDX header declares 3900000×28×28 (2916.0 MiB), over the 256.0 MiB limit for an IDX file',
    );
    expect(performance.now() - started).toBeLessThan(1500);
  });

  it('stops a 3 MB .gz whose header declares 784 kB at that size, not at 3 GiB', async () => {
    const error = await load(threeGiB(makeIdx([1000, 28, 28], new Uint8Array(0)))).catch(
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(DatasetError);
    const match =
      /train-images-idx3-ubyte.gz: inflates past the 765.6 KiB its IDX header declares \(stopped after inflating ([\d.]+) (KiB|MiB)\): a damaged file or a gzip bomb/.exec(
        (error as Error).message,
      );
    expect(match, (error as Error).message).not.toBeNull();
    // At most one push past the declared size: a 16th of it, or 512 B of input (516 KiB).
    const stopped = Number(match![1]) * (match![2] === 'MiB' ? 1024 : 1);
    expect(stopped).toBeLessThanOrEqual(766 + 516);
  });

  it('refuses a .gz whose first bytes are not an IDX header without inflating the rest', async () => {
    const started = performance.now();
    await expect(load(threeGiB(Uint8Array.of(0x1f, 0x8b, 8, 0)))).rejects.toThrow(
      /train-images-idx3-ubyte.gz: IDX magic mismatch: 0x1f8b0800/,
    );
    expect(performance.now() - started).toBeLessThan(1500);
  });

  it('the default limit stops a 3 MB stream of 3 GiB early, counting the bytes produced', () => {
    let error: unknown;
    try {
      inflateWithinLimit(threeGiB(new Uint8Array(0)), 'gzip', UPLOAD_LIMITS.batchFileBytes);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InflateLimitError);
    const { produced, limit } = error as InflateLimitError;
    expect(limit).toBe(256 << 20);
    // At most a 16th of the limit past it, of the 3,072 MiB the stream holds.
    expect(produced).toBeGreaterThan(limit);
    expect(produced).toBeLessThanOrEqual(limit * (1 + 1 / 16));
  });
});

describe('inflateWithinLimit', () => {
  it('inflates gzip (several members too) and raw deflate within the limit', () => {
    const a = Uint8Array.from({ length: 5000 }, (_, i) => i % 251);
    const two = new Uint8Array([...gzipSync(a), ...gzipSync(a)]);
    expect(inflateWithinLimit(two, 'gzip', 10_000)).toEqual(new Uint8Array([...a, ...a]));
    expect(inflateWithinLimit(deflateSync(a), 'deflate', 5000, 5000)).toEqual(a);
    expect(inflateWithinLimit(deflateSync(a), 'deflate', 5000, 10)).toEqual(a);
    expect(inflateWithinLimit(deflateSync(a), 'deflate', 5000, 9000)).toEqual(a);
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

  it('inflates correctly whatever size the gzip trailer claims', () => {
    const a = Uint8Array.from({ length: 3000 }, (_, i) => i % 7);
    for (const claim of [0, 10, 0xffffffff]) {
      const gz = gzipSync(a);
      new DataView(gz.buffer).setUint32(gz.length - 4, claim, true);
      expect(inflateWithinLimit(gz, 'gzip', 1 << 20)).toEqual(a);
    }
  });

  it('shows the first bytes to a head check before inflating the rest', () => {
    const heads: number[][] = [];
    const check = (head: Uint8Array) => {
      heads.push([...head]);
      throw new Error('stop');
    };
    const data = new Uint8Array(1 << 20);
    data.set([9, 8, 7]);
    const zeros = gzipSync(data);
    expect(() =>
      inflateWithinLimit(zeros, 'gzip', 2 << 20, undefined, { length: 3, check }),
    ).toThrow('stop');
    expect(heads).toEqual([[9, 8, 7]]);
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
