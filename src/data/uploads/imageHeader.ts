/**
 * Image sizes read from the file header, before anything is decoded. A decoder turns W×H
 * pixels into 4·W·H bytes of RGBA whatever the file size (a 400 kB PNG can declare 20000×20000
 * = 1.6 GB), so uploads check the declared size against UPLOAD_LIMITS.imagePixels first.
 *
 * The format comes from the leading bytes, not the extension (browsers sniff the content):
 * - PNG (ISO/IEC 15948): 8-byte signature, then the IHDR chunk, width and height as u32 BE.
 * - JPEG (ITU-T T.81): markers FF xx; the first SOFn segment (C0–CF except C4, C8, CC) holds
 *   precision, height and width as u16 BE. A height of 0 (defined later by DNL) is refused.
 * - GIF (87a/89a): logical screen width and height as u16 LE, and the first image descriptor,
 *   which may reach past the screen; the larger extent counts.
 * - BMP: "BM", then a BITMAPCOREHEADER (u16 LE sizes) or a later info header (i32 LE; a
 *   negative height means top-down rows).
 * - WebP (RIFF container): VP8X (24-bit canvas size − 1), VP8L (14-bit sizes − 1) or VP8
 *   (key frame, 14-bit sizes).
 * Anything else is not an image we can bound, and is refused before decoding.
 */

export type ImageFormat = 'png' | 'jpeg' | 'gif' | 'bmp' | 'webp';

export interface ImageHeader {
  format: ImageFormat;
  width: number;
  height: number;
}

/** The human name of each format, for messages. */
export const IMAGE_FORMAT_NAMES: Readonly<Record<ImageFormat, string>> = {
  png: 'PNG',
  jpeg: 'JPEG',
  gif: 'GIF',
  bmp: 'BMP',
  webp: 'WebP',
};

/** Thrown (as a plain Error) when the header is missing or cannot give a size. */
export class ImageHeaderError extends Error {}

function ascii(bytes: Uint8Array, at: number, length: number): string {
  let s = '';
  for (let i = 0; i < length && at + i < bytes.length; i++) s += String.fromCharCode(bytes[at + i]);
  return s;
}

function need(bytes: Uint8Array, end: number, format: ImageFormat): void {
  if (bytes.length < end) {
    throw new ImageHeaderError(`${IMAGE_FORMAT_NAMES[format]} header is truncated`);
  }
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function pngSize(bytes: Uint8Array, view: DataView): ImageHeader {
  need(bytes, 24, 'png');
  if (ascii(bytes, 12, 4) !== 'IHDR') {
    throw new ImageHeaderError('PNG does not start with an IHDR chunk');
  }
  return { format: 'png', width: view.getUint32(16, false), height: view.getUint32(20, false) };
}

function jpegSize(bytes: Uint8Array, view: DataView): ImageHeader {
  let at = 2;
  for (;;) {
    need(bytes, at + 2, 'jpeg');
    if (bytes[at] !== 0xff) throw new ImageHeaderError('JPEG marker expected');
    while (bytes[at] === 0xff && at + 1 < bytes.length && bytes[at + 1] === 0xff) at++; // fill
    const marker = bytes[at + 1];
    at += 2;
    // Standalone markers: TEM, RSTn, SOI.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) continue;
    if (marker === 0xd9 || marker === 0xda) {
      throw new ImageHeaderError('JPEG has no frame header (SOF) before its image data');
    }
    need(bytes, at + 2, 'jpeg');
    const length = view.getUint16(at, false);
    if (length < 2) throw new ImageHeaderError(`JPEG segment length ${length} is invalid`);
    const isFrame = marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker);
    if (isFrame) {
      need(bytes, at + 7, 'jpeg');
      const height = view.getUint16(at + 3, false);
      const width = view.getUint16(at + 5, false);
      if (height === 0) {
        throw new ImageHeaderError('JPEG frame header gives no height (DNL is not supported)');
      }
      return { format: 'jpeg', width, height };
    }
    at += length;
  }
}

function gifSize(bytes: Uint8Array, view: DataView): ImageHeader {
  need(bytes, 13, 'gif');
  let width = view.getUint16(6, true);
  let height = view.getUint16(8, true);
  let at = 13;
  if (bytes[10] & 0x80) at += 3 * (1 << ((bytes[10] & 7) + 1)); // global colour table
  // Walk extension blocks up to the first image descriptor.
  while (at < bytes.length) {
    const block = bytes[at];
    if (block === 0x2c) {
      need(bytes, at + 9, 'gif');
      width = Math.max(width, view.getUint16(at + 1, true) + view.getUint16(at + 5, true));
      height = Math.max(height, view.getUint16(at + 3, true) + view.getUint16(at + 7, true));
      break;
    }
    if (block !== 0x21) break; // trailer or junk: the screen size is all we know
    at += 2; // introducer and label, then sub-blocks up to a zero length
    while (at < bytes.length && bytes[at] !== 0) at += bytes[at] + 1;
    at++;
  }
  return { format: 'gif', width, height };
}

function bmpSize(bytes: Uint8Array, view: DataView): ImageHeader {
  need(bytes, 18, 'bmp');
  const infoSize = view.getUint32(14, true);
  if (infoSize === 12) {
    need(bytes, 22, 'bmp');
    return { format: 'bmp', width: view.getUint16(18, true), height: view.getUint16(20, true) };
  }
  need(bytes, 26, 'bmp');
  return {
    format: 'bmp',
    width: Math.abs(view.getInt32(18, true)),
    height: Math.abs(view.getInt32(22, true)),
  };
}

function webpSize(bytes: Uint8Array, view: DataView): ImageHeader {
  need(bytes, 20, 'webp');
  const chunk = ascii(bytes, 12, 4);
  if (chunk === 'VP8X') {
    need(bytes, 30, 'webp');
    const u24 = (at: number) => bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16);
    return { format: 'webp', width: u24(24) + 1, height: u24(27) + 1 };
  }
  if (chunk === 'VP8L') {
    need(bytes, 25, 'webp');
    if (bytes[20] !== 0x2f) throw new ImageHeaderError('WebP lossless signature missing');
    const bits = view.getUint32(21, true);
    return { format: 'webp', width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8 ') {
    need(bytes, 30, 'webp');
    if (bytes[23] !== 0x9d || bytes[24] !== 0x01 || bytes[25] !== 0x2a) {
      throw new ImageHeaderError('WebP key frame start code missing');
    }
    return {
      format: 'webp',
      width: view.getUint16(26, true) & 0x3fff,
      height: view.getUint16(28, true) & 0x3fff,
    };
  }
  throw new ImageHeaderError(`WebP chunk "${chunk}" is not VP8, VP8L or VP8X`);
}

/** The format and declared size of an image file; throws ImageHeaderError if there is none. */
export function readImageHeader(buf: ArrayBuffer | Uint8Array): ImageHeader {
  const bytes = buf instanceof Uint8Array ? buf : new Uint8Array(buf);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let header: ImageHeader;
  if (PNG_SIGNATURE.every((b, i) => bytes[i] === b)) header = pngSize(bytes, view);
  else if (bytes[0] === 0xff && bytes[1] === 0xd8) header = jpegSize(bytes, view);
  else if (ascii(bytes, 0, 6) === 'GIF87a' || ascii(bytes, 0, 6) === 'GIF89a')
    header = gifSize(bytes, view);
  else if (ascii(bytes, 0, 2) === 'BM') header = bmpSize(bytes, view);
  else if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WEBP')
    header = webpSize(bytes, view);
  else {
    throw new ImageHeaderError(`no ${Object.values(IMAGE_FORMAT_NAMES).join(', ')} header found`);
  }
  if (header.width === 0 || header.height === 0) {
    throw new ImageHeaderError(
      `${IMAGE_FORMAT_NAMES[header.format]} header says ${header.width}×${header.height} pixels`,
    );
  }
  return header;
}
