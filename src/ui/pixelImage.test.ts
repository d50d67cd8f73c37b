import { describe, expect, it } from 'vitest';
import { pixelImageUrl } from './pixelImage';

function decode(url: string): Uint8Array {
  const prefix = 'data:image/bmp;base64,';
  expect(url.startsWith(prefix)).toBe(true);
  return Uint8Array.from(atob(url.slice(prefix.length)), (c) => c.charCodeAt(0));
}

describe('pixelImageUrl', () => {
  it('writes a top-down 32-bit BMP of the given pixels', () => {
    // 3 × 2: red, green, blue / white, grey, half-transparent black.
    const pixels = [255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255];
    pixels.push(255, 255, 255, 255, 128, 128, 128, 255, 0, 0, 0, 128);
    const bytes = decode(pixelImageUrl(3, 2, (rgba) => rgba.set(pixels)));
    const view = new DataView(bytes.buffer);
    expect(String.fromCharCode(bytes[0], bytes[1])).toBe('BM');
    expect(view.getUint32(2, true)).toBe(bytes.length);
    expect(bytes.length).toBe(54 + 3 * 2 * 4);
    const offset = view.getUint32(10, true);
    expect(offset).toBe(54);
    expect(view.getUint32(14, true)).toBe(40);
    expect(view.getInt32(18, true)).toBe(3);
    expect(view.getInt32(22, true)).toBe(-2); // the first row is the top one
    expect(view.getUint16(28, true)).toBe(32);
    expect(view.getUint32(30, true)).toBe(0);
    // Pixel (x, y) in BGRA at offset + 4 (y·width + x).
    const at = (x: number, y: number) => [
      ...bytes.subarray(offset + 4 * (y * 3 + x), offset + 4 * (y * 3 + x) + 4),
    ];
    expect(at(0, 0)).toEqual([0, 0, 255, 255]);
    expect(at(1, 0)).toEqual([0, 255, 0, 255]);
    expect(at(2, 0)).toEqual([255, 0, 0, 255]);
    expect(at(0, 1)).toEqual([255, 255, 255, 255]);
    expect(at(1, 1)).toEqual([128, 128, 128, 255]);
    expect(at(2, 1)).toEqual([0, 0, 0, 128]);
  });

  it('encodes pictures larger than one chunk of the encoder', () => {
    const bytes = decode(pixelImageUrl(96, 96, (rgba) => rgba.fill(7)));
    expect(bytes.length).toBe(54 + 96 * 96 * 4);
    expect(bytes.subarray(54).every((b) => b === 7)).toBe(true);
  });

  it('rejects a size that is not a whole positive number', () => {
    expect(() => pixelImageUrl(0, 4, () => {})).toThrow(RangeError);
    expect(() => pixelImageUrl(2.5, 4, () => {})).toThrow(RangeError);
  });
});
