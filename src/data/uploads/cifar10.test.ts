import { describe, expect, it } from 'vitest';
import { DatasetError } from '../dataset';
import { makeCifarBatch, memoryFile } from '../testing/fixtures';
import { CIFAR10_CLASS_NAMES, loadCifar10, parseCifar10Batch } from './cifar10';

describe('parseCifar10Batch', () => {
  it('converts R, G, B planes to NHWC', () => {
    const split = parseCifar10Batch(makeCifarBatch([3, 7]).buffer, 'data_batch_1.bin');
    expect(split.count).toBe(2);
    expect([...split.y]).toEqual([3, 7]);
    // Record 1, pixel p = 5: R = 1 + 5, G = 1 + 50 + 5, B = 1 + 100 + 5.
    const at = (1 * 1024 + 5) * 3;
    expect([...split.x.subarray(at, at + 3)]).toEqual([6, 56, 106]);
    expect(split.x).toBeInstanceOf(Uint8Array);
  });

  it('rejects a wrong record size, hinting at CIFAR-100, and labels above 9', () => {
    expect(() => parseCifar10Batch(new ArrayBuffer(3073 * 2 + 1), 'data_batch_2.bin')).toThrow(
      /data_batch_2.bin: size 6147 bytes is not a whole number of 3,073-byte/,
    );
    expect(() => parseCifar10Batch(new ArrayBuffer(3074 * 3), 'train.bin')).toThrow(/CIFAR-100/);
    expect(() => parseCifar10Batch(new ArrayBuffer(0), 'empty.bin')).toThrow(/empty/);
    expect(() => parseCifar10Batch(makeCifarBatch([1, 10]).buffer, 'x.bin')).toThrow(
      /record 1 has label 10/,
    );
  });
});

describe('loadCifar10', () => {
  it('uses test_batch.bin as validation and reads class names from batches.meta.txt', async () => {
    const names = CIFAR10_CLASS_NAMES.map((n) => n.toUpperCase()).join('\n');
    const { dataset } = await loadCifar10([
      memoryFile('cifar-10-batches-bin/data_batch_2.bin', makeCifarBatch([2, 3])),
      memoryFile('cifar-10-batches-bin/data_batch_1.bin', makeCifarBatch([0, 1])),
      memoryFile('cifar-10-batches-bin/test_batch.bin', makeCifarBatch([9])),
      memoryFile('cifar-10-batches-bin/batches.meta.txt', `${names}\n\n`),
    ]);
    expect(dataset.inputShape).toEqual([32, 32, 3]);
    expect([...dataset.train.y]).toEqual([0, 1, 2, 3]); // batches in name order
    expect([...dataset.validation.y]).toEqual([9]);
    expect(dataset.classNames[0]).toBe('AIRPLANE');
    expect(dataset.train.x).toBeInstanceOf(Uint8Array);
  });

  it('holds out a seeded, stratified split without a test batch', async () => {
    const labels = Array.from({ length: 40 }, (_, i) => i % 10);
    const files = [
      memoryFile('data_batch_1.bin', makeCifarBatch(labels)),
      memoryFile('readme.html', '<p>'),
    ];
    const { dataset, warnings } = await loadCifar10(files, { validationFraction: 0.25, seed: 3 });
    expect(dataset.validation.count).toBe(10);
    expect(new Set(dataset.validation.y).size).toBe(10);
    expect(warnings.some((w) => w.startsWith('readme.html: skipped'))).toBe(true);
    expect(
      (await loadCifar10(files, { validationFraction: 0.25, seed: 3 })).dataset.train.y,
    ).toEqual(dataset.train.y);
  });

  it('refuses a batch whose images are all of one class', async () => {
    const files = [memoryFile('data_batch_1.bin', makeCifarBatch([3, 3, 3, 3, 3]))];
    await expect(loadCifar10(files)).rejects.toThrow(
      /data_batch_1.bin: all 5 training images are of one class \("cat"\): at least two classes are needed/,
    );
  });

  it('rejects a wrong-size file before reading it, and missing training batches', async () => {
    let read = false;
    const wrong = {
      path: 'data_batch_1.bin',
      size: 3073 * 5 + 2,
      bytes: async () => ((read = true), new ArrayBuffer(0)),
    };
    await expect(loadCifar10([wrong])).rejects.toThrow(/data_batch_1.bin: size 15367 bytes/);
    expect(read).toBe(false);
    await expect(loadCifar10([memoryFile('test_batch.bin', makeCifarBatch([1]))])).rejects.toThrow(
      /only a test batch/,
    );
    await expect(loadCifar10([])).rejects.toThrow(DatasetError);
  });

  it('rejects a batch over the byte limit before reading it', async () => {
    const big = {
      path: 'data_batch_1.bin',
      size: 3073 * 100,
      bytes: async () => new ArrayBuffer(0),
    };
    await expect(loadCifar10([big], { limits: { batchFileBytes: 3073 * 10 } })).rejects.toThrow(
      /over the 30.0 KiB limit for a CIFAR-10 batch/,
    );
    await expect(loadCifar10([big], { limits: { datasetBytes: 1000 } })).rejects.toThrow(
      /in memory/,
    );
  });
});
