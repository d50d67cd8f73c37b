import { describe, expect, it } from 'vitest';
import type { Dataset } from './dataset';
import { gridIndices, heatColour, sampleImage, valueSpan, writeRgba } from './render';

function tinyDataset(x: Uint8Array | Float32Array, shape: [number, number, number]): Dataset {
  const split = { x, y: new Uint8Array([1]), count: 1 };
  return {
    id: 't',
    name: 'tiny',
    source: 'generated',
    inputShape: shape,
    numClasses: 2,
    classNames: ['zero', 'one'],
    train: split,
    validation: split,
    normalisation: { scale: 1, offset: 0 },
  };
}

describe('valueSpan', () => {
  it('gives the minimum and the span to the maximum of every stride-th value', () => {
    expect(valueSpan([3, -1, 7, 2])).toEqual({ min: -1, range: 8 });
    expect(valueSpan([3, -1, 7, 20], 2)).toEqual({ min: 3, range: 4 });
  });
  it('spans 1 where the values are all equal, so that scaling them gives 0', () => {
    expect(valueSpan(new Float32Array([5, 5, 5]))).toEqual({ min: 5, range: 1 });
  });
});

describe('writeRgba', () => {
  it('writes one picture from an offset: grey from the first channel, RGB from three, mapped', () => {
    const values = [9, 9, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 9];
    const rgb = new Uint8ClampedArray(8);
    writeRgba(rgb, values, 2, 3, (v) => v * 100);
    expect([...rgb]).toEqual([10, 20, 30, 255, 40, 50, 60, 255]);
    // Two channels (a spectrogram's, say): the first one in grey.
    const two = new Uint8ClampedArray(8);
    writeRgba(two, [7, 1, 8, 2], 0, 2);
    expect([...two]).toEqual([7, 7, 7, 255, 8, 8, 8, 255]);
  });
});

describe('sampleImage', () => {
  it('draws gray as equal RGB and RGB as is, opaque', () => {
    const gray = sampleImage(tinyDataset(new Uint8Array([10, 20]), [1, 2, 1]), 'train', 0);
    expect([...gray.data]).toEqual([10, 10, 10, 255, 20, 20, 20, 255]);
    const rgb = sampleImage(tinyDataset(new Uint8Array([1, 2, 3]), [1, 1, 3]), 'train', 0);
    expect([...rgb.data]).toEqual([1, 2, 3, 255]);
  });

  it('draws float features as a heat map with time across and coefficient 0 at the bottom', () => {
    // 2 frames × 3 coefficients.
    const image = sampleImage(
      tinyDataset(Float32Array.of(0, 1, 2, 3, 4, 5), [2, 3, 1]),
      'train',
      0,
    );
    expect([image.width, image.height]).toEqual([2, 3]);
    const pixel = (x: number, y: number) => [
      ...image.data.subarray((y * 2 + x) * 4, (y * 2 + x) * 4 + 3),
    ];
    expect(pixel(0, 2)).toEqual(heatColour(0)); // frame 0, coefficient 0 (minimum)
    expect(pixel(1, 0)).toEqual(heatColour(1)); // frame 1, coefficient 2 (maximum)
  });

  it('spreads grid indices over the split', () => {
    expect(gridIndices(10, 5)).toEqual([0, 2, 4, 6, 8]);
    expect(gridIndices(3, 5)).toEqual([0, 1, 2]);
  });
});
