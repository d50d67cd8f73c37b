/** Builders of tiny in-memory files for the data tests (no binary fixtures in the repo). */
import { Zlib } from 'fflate';
import type { UploadFile } from '../uploads/files';
import type { ImageDecoder } from '../uploads/imageFolder';

export function memoryFile(
  path: string,
  data: Uint8Array | string,
  declaredSize?: number,
): UploadFile {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  return {
    path,
    size: declaredSize ?? bytes.byteLength,
    bytes: async () => bytes.slice().buffer,
  };
}

/** A 16-bit (or 8-bit / float32) PCM WAV file of `channels` interleaved channels. */
export function makeWav(
  channelsData: Float32Array[],
  sampleRate: number,
  format: 'pcm16' | 'pcm8' | 'float32' = 'pcm16',
): Uint8Array {
  const channels = channelsData.length;
  const frames = channelsData[0].length;
  const bytesPer = format === 'pcm8' ? 1 : format === 'pcm16' ? 2 : 4;
  const dataBytes = frames * channels * bytesPer;
  const buf = new Uint8Array(44 + dataBytes + (dataBytes & 1));
  const view = new DataView(buf.buffer);
  const ascii = (at: number, s: string) =>
    [...s].forEach((ch, i) => (buf[at + i] = ch.charCodeAt(0)));
  ascii(0, 'RIFF');
  view.setUint32(4, buf.length - 8, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, format === 'float32' ? 3 : 1, true);
  view.setUint16(22, channels, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * channels * bytesPer, true);
  view.setUint16(32, channels * bytesPer, true);
  view.setUint16(34, bytesPer * 8, true);
  ascii(36, 'data');
  view.setUint32(40, dataBytes, true);
  for (let f = 0; f < frames; f++) {
    for (let c = 0; c < channels; c++) {
      const v = Math.max(-1, Math.min(1, channelsData[c][f]));
      const at = 44 + (f * channels + c) * bytesPer;
      if (format === 'pcm16') view.setInt16(at, Math.round(v * 32767), true);
      else if (format === 'pcm8') buf[at] = Math.round(v * 127 + 128);
      else view.setFloat32(at, v, true);
    }
  }
  return buf;
}

export function tone(
  hz: number,
  sampleRate: number,
  samples: number,
  amplitude = 0.5,
): Float32Array {
  const out = new Float32Array(samples);
  for (let i = 0; i < samples; i++)
    out[i] = amplitude * Math.sin((2 * Math.PI * hz * i) / sampleRate);
  return out;
}

/** An IDX file: magic 0x0000 08 ndims, big-endian dims, then bytes. */
export function makeIdx(dims: number[], data: Uint8Array, magicOverride?: number): Uint8Array {
  const header = 4 + 4 * dims.length;
  const buf = new Uint8Array(header + data.length);
  const view = new DataView(buf.buffer);
  view.setUint32(0, magicOverride ?? 0x0800 | dims.length, false);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  buf.set(data, header);
  return buf;
}

/** CIFAR-10 records; record r has label labels[r] and pixel value (r + channel·50 + p) mod 256. */
export function makeCifarBatch(labels: number[]): Uint8Array<ArrayBuffer> {
  const buf = new Uint8Array(labels.length * 3073);
  labels.forEach((label, r) => {
    buf[r * 3073] = label;
    for (let ch = 0; ch < 3; ch++) {
      for (let p = 0; p < 1024; p++) buf[r * 3073 + 1 + ch * 1024 + p] = (r + ch * 50 + p) % 256;
    }
  });
  return buf;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 (ISO 3309), as PNG chunks carry. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length, false);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)), false);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The PNG signature and IHDR chunk (33 bytes) of a width×height image. */
export function pngHeader(width: number, height: number, bitDepth = 8, colourType = 6) {
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width, false);
  view.setUint32(4, height, false);
  ihdr[8] = bitDepth;
  ihdr[9] = colourType;
  return concat([
    Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a),
    pngChunk('IHDR', ihdr),
  ]);
}

/**
 * A stand-in image for tests with an injected decoder: a real PNG header (so the size check
 * reads it) followed by raw RGBA bytes instead of compressed IDAT data. See fakeDecoder.
 */
export function fakePng(
  width: number,
  height: number,
  rgba: (x: number, y: number) => number[],
): Uint8Array {
  const pixels = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) pixels.set(rgba(x, y), (y * width + x) * 4);
  }
  return concat([pngHeader(width, height), pixels]);
}

/** Decodes what fakePng builds; throws for anything else, as a browser decoder would. */
export const fakeDecoder: ImageDecoder = async (bytes, mimeType) => {
  const b = new Uint8Array(bytes);
  const view = new DataView(bytes);
  if (b.length < 33 || b[1] !== 0x50 || b[2] !== 0x4e || b[3] !== 0x47) {
    throw new Error(`corrupt ${mimeType} data`);
  }
  const width = view.getUint32(16, false);
  const height = view.getUint32(20, false);
  return { width, height, data: new Uint8ClampedArray(b.subarray(33, 33 + width * height * 4)) };
};

/**
 * A real, valid PNG of width×height black pixels at 1 bit per pixel (gray): the rows are
 * streamed through deflate, so a 20000×20000 image (1.6 GB as decoded RGBA) is ~50 kB.
 */
export function blackPng(width: number, height: number): Uint8Array {
  const rowBytes = 1 + Math.ceil(width / 8); // filter byte "none", then the packed bits
  const rowsPerPush = Math.max(1, Math.floor((1 << 20) / rowBytes));
  const zeros = new Uint8Array(rowsPerPush * rowBytes);
  const parts: Uint8Array[] = [];
  const z = new Zlib({ level: 9 });
  z.ondata = (chunk) => parts.push(chunk);
  for (let row = 0; row < height; row += rowsPerPush) {
    const rows = Math.min(rowsPerPush, height - row);
    z.push(zeros.subarray(0, rows * rowBytes), row + rows >= height);
  }
  return concat([
    pngHeader(width, height, 1, 0),
    pngChunk('IDAT', concat(parts)),
    pngChunk('IEND', new Uint8Array(0)),
  ]);
}

/* Headers only (what readImageHeader reads) of the other accepted image formats. */
const u16be = (v: number) => [v >> 8, v & 0xff];
const u16le = (v: number) => [v & 0xff, v >> 8];
const u32le = (v: number) => [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff];
const text = (s: string) => [...s].map((c) => c.charCodeAt(0));

/** SOI, an APP0 and a DHT segment, then a frame header of the given kind. */
export function jpegHeader(width: number, height: number, sof = 0xc0): Uint8Array {
  return Uint8Array.from([
    0xff,
    0xd8,
    0xff,
    0xe0,
    ...u16be(16),
    ...text('JFIF'),
    0,
    1,
    1,
    0,
    0,
    1,
    0,
    1,
    0,
    0,
    0xff,
    0xc4,
    ...u16be(5),
    0,
    0,
    0,
    0xff,
    0xff,
    sof,
    ...u16be(11),
    8,
    ...u16be(height),
    ...u16be(width),
    1,
    1,
    0x11,
    0,
  ]);
}

export function gifHeader(width: number, height: number, frame?: [number, number, number, number]) {
  const [left, top, w, h] = frame ?? [0, 0, width, height];
  return Uint8Array.from([
    ...text('GIF89a'),
    ...u16le(width),
    ...u16le(height),
    0x80,
    0,
    0,
    ...new Array(6).fill(0), // global colour table of 2 entries
    0x21,
    0xf9,
    4,
    0,
    0,
    0,
    0,
    0, // graphic control extension
    0x2c,
    ...u16le(left),
    ...u16le(top),
    ...u16le(w),
    ...u16le(h),
    0,
  ]);
}

export function bmpHeader(width: number, height: number): Uint8Array {
  return Uint8Array.from([
    ...text('BM'),
    ...u32le(0),
    0,
    0,
    0,
    0,
    ...u32le(54),
    ...u32le(40),
    ...u32le(width),
    ...u32le(height),
    ...u16le(1),
    ...u16le(24),
  ]);
}

export function webpHeader(kind: 'VP8X' | 'VP8L' | 'VP8 ', width: number, height: number) {
  const riff = [...text('RIFF'), ...u32le(100), ...text('WEBP'), ...text(kind), ...u32le(10)];
  if (kind === 'VP8X') {
    const w = width - 1;
    const h = height - 1;
    return Uint8Array.from([
      ...riff,
      0,
      0,
      0,
      0,
      w & 0xff,
      (w >> 8) & 0xff,
      w >> 16,
      h & 0xff,
      (h >> 8) & 0xff,
      h >> 16,
    ]);
  }
  if (kind === 'VP8L') {
    return Uint8Array.from([...riff, 0x2f, ...u32le((width - 1) | ((height - 1) << 14))]);
  }
  return Uint8Array.from([...riff, 0, 0, 0, 0x9d, 0x01, 0x2a, ...u16le(width), ...u16le(height)]);
}
