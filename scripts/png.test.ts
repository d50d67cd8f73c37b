import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodePng } from './png';

/** The file's chunks: type, data and the CRC it stores. */
function chunks(png: Buffer) {
  const out: { type: string; data: Buffer; crc: number }[] = [];
  for (let at = 8; at < png.length;) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    out.push({
      type,
      data: png.subarray(at + 8, at + 8 + length),
      crc: png.readUInt32BE(at + 8 + length),
    });
    at += 12 + length;
  }
  return out;
}

describe('encodePng', () => {
  const scanlines = Buffer.from([0, 1, 2, 3, 0, 4, 5, 6]); // 3×2 gray, filter byte per row
  const png = encodePng({ width: 3, height: 2, bitDepth: 8, colour: 'gray', scanlines });

  it('writes the signature, then IHDR, IDAT and IEND with the image in IDAT', () => {
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const [ihdr, idat, iend] = chunks(png);
    expect([ihdr.type, idat.type, iend.type]).toEqual(['IHDR', 'IDAT', 'IEND']);
    expect([...ihdr.data]).toEqual([0, 0, 0, 3, 0, 0, 0, 2, 8, 0, 0, 0, 0]);
    expect(inflateSync(idat.data).equals(scanlines)).toBe(true);
    expect(iend.data.length).toBe(0);
  });

  it('stores the CRC-32 of type and data (IEND: the well-known AE426082); RGB is colour type 2', () => {
    expect(chunks(png).at(-1)?.crc).toBe(0xae426082);
    const rgb = encodePng({
      width: 1,
      height: 1,
      bitDepth: 8,
      colour: 'rgb',
      scanlines: Buffer.from([0, 9, 9, 9]),
    });
    expect(chunks(rgb)[0].data[9]).toBe(2); // colour type: truecolour
  });
});
