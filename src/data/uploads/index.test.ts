import { describe, expect, it } from 'vitest';
import { DatasetError } from '../dataset';
import { makeCifarBatch, makeIdx, makeWav, memoryFile, tone } from '../testing/fixtures';
import { UPLOAD_LIMITS, detectUploadFormat, loadUpload, uploadLimitHint } from './index';

const noDecode = async () => {
  throw new Error('not used');
};

describe('detectUploadFormat', () => {
  it('recognises each format from its file names', () => {
    expect(detectUploadFormat([memoryFile('c/data_batch_1.bin', '')])).toBe('cifar10');
    expect(detectUploadFormat([memoryFile('train-images-idx3-ubyte.gz', '')])).toBe('mnist-idx');
    expect(detectUploadFormat([memoryFile('x.zip', '')])).toBe('image-folder');
    expect(detectUploadFormat([memoryFile('r/a/1.png', ''), memoryFile('r/b/1.JPG', '')])).toBe(
      'image-folder',
    );
    expect(detectUploadFormat([memoryFile('r/yes/1.wav', ''), memoryFile('r/no/1.wav', '')])).toBe(
      'wav-folder',
    );
    expect(detectUploadFormat([memoryFile('notes.txt', '')])).toBeUndefined();
  });
});

describe('loadUpload', () => {
  it('dispatches to the format loader and reports the format', async () => {
    const idx = await loadUpload(
      [
        memoryFile('train-images-idx3-ubyte', makeIdx([6, 2, 2], new Uint8Array(24))),
        memoryFile('train-labels-idx1-ubyte', makeIdx([6], Uint8Array.of(0, 1, 0, 1, 0, 1))),
      ],
      { image: { targetShape: [2, 2, 1], decode: noDecode }, idx: { validationFraction: 0.4 } },
    );
    expect(idx.format).toBe('mnist-idx');
    const cifar = await loadUpload([memoryFile('data_batch_1.bin', makeCifarBatch([0, 1, 0, 1]))], {
      image: { targetShape: [2, 2, 1], decode: noDecode },
      cifar10: { validationFraction: 0.5 },
    });
    expect(cifar.dataset.inputShape).toEqual([32, 32, 3]);
    const wav = await loadUpload(
      [1, 2].flatMap((i) => [
        memoryFile(`k/on/${i}.wav`, makeWav([tone(300, 16000, 16000)], 16000)),
        memoryFile(`k/off/${i}.wav`, makeWav([tone(3000, 16000, 16000)], 16000)),
      ]),
      { image: { targetShape: [2, 2, 1], decode: noDecode }, wav: { validationFraction: 0.5 } },
    );
    expect(wav.dataset.inputShape).toEqual([49, 10, 1]);
  });

  it('explains what it expected when nothing matches', async () => {
    const opts = {
      image: { targetShape: [2, 2, 1] as [number, number, number], decode: noDecode },
    };
    await expect(loadUpload([], opts)).rejects.toThrow(/nothing was uploaded/);
    await expect(loadUpload([memoryFile('a.txt', 'x')], opts)).rejects.toThrow(DatasetError);
    await expect(loadUpload([memoryFile('a.txt', 'x')], opts)).rejects.toThrow(
      /unrecognised upload/,
    );
  });
});

describe('uploadLimitHint', () => {
  it('states the limits that UPLOAD_LIMITS sets, per format', () => {
    expect(uploadLimitHint('image-folder')).toBe(
      'Limits: 16.0 MiB and 25 megapixels per image, a zip up to 512.0 MiB (unpacked too), at most 768.0 MiB of samples in all.',
    );
    expect(uploadLimitHint('mnist-idx')).toMatch(/256.0 MiB per file \(a .gz file once unpacked\)/);
    expect(uploadLimitHint('wav-folder')).toMatch(/16.0 MiB per clip/);
    const smaller = { ...UPLOAD_LIMITS, imagePixels: 4e6, batchFileBytes: 1 << 20 };
    expect(uploadLimitHint('image-folder', smaller)).toMatch(/and 4 megapixels per image/);
    expect(uploadLimitHint('cifar10', smaller)).toMatch(/^Limits: 1.0 MiB per batch file/);
  });
});
