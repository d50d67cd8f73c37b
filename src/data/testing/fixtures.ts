/** Builders of tiny in-memory files for the data tests (no binary fixtures in the repo). */
import type { UploadFile } from '../uploads/files';

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
