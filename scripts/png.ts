/**
 * A minimal PNG writer (no image library): signature, IHDR, one zlib IDAT and IEND, each chunk
 * with its CRC-32 (PNG specification, ISO/IEC 15948). Used by scripts/make-icons.ts and the
 * e2e upload fixtures.
 */
import { crc32, deflateSync } from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

export interface PngImage {
  width: number;
  height: number;
  bitDepth: 1 | 8;
  colour: 'gray' | 'rgb';
  /** The scanlines, each led by its filter-type byte (0: none), as IDAT holds them inflated. */
  scanlines: Buffer;
  /** zlib level (default: zlib's). */
  level?: number;
}

export function encodePng(image: PngImage): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(image.width, 0);
  header.writeUInt32BE(image.height, 4);
  header[8] = image.bitDepth;
  header[9] = image.colour === 'rgb' ? 2 : 0; // colour type; compression, filter, interlace 0
  const level = image.level === undefined ? {} : { level: image.level };
  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(image.scanlines, level)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
