/**
 * RIFF/WAVE reader (Microsoft/IBM "Multimedia Programming Interface and Data Specifications
 * 1.0", 1991, plus WAVE_FORMAT_EXTENSIBLE). Supports PCM integer 8 (unsigned), 16, 24 and 32
 * bit and IEEE float 32/64 bit, any channel count (downmixed to mono by averaging).
 * Every header field is checked; a problem throws DatasetError naming the file.
 */
import { DatasetError } from '../dataset';

export interface WavAudio {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  format: 'pcm' | 'float';
  /** Mono samples in [-1, 1] (channels averaged). */
  samples: Float32Array;
}

const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_IEEE_FLOAT = 3;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

function fourCC(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]);
}

/** Parses a WAV file and returns mono float samples. */
export function parseWav(buf: ArrayBuffer, path: string): WavAudio {
  const bytes = new Uint8Array(buf);
  const view = new DataView(buf);
  const fail = (problem: string) => new DatasetError(`not a usable WAV file: ${problem}`, path);
  if (bytes.length < 12) throw fail(`only ${bytes.length} bytes, shorter than a RIFF header`);
  if (fourCC(bytes, 0) !== 'RIFF') throw fail(`starts with "${fourCC(bytes, 0)}", expected "RIFF"`);
  if (fourCC(bytes, 8) !== 'WAVE')
    throw fail(`RIFF form type "${fourCC(bytes, 8)}", expected "WAVE"`);
  const riffSize = view.getUint32(4, true);
  // Some writers leave the RIFF size at 0 or 0xFFFFFFFF (streamed); never read past the file.
  const end = riffSize >= 4 && riffSize + 8 <= bytes.length ? riffSize + 8 : bytes.length;

  let fmt:
    | {
        format: 'pcm' | 'float';
        channels: number;
        sampleRate: number;
        bits: number;
        blockAlign: number;
      }
    | undefined;
  let data: { offset: number; size: number } | undefined;
  let at = 12;
  while (at + 8 <= end && !data) {
    const id = fourCC(bytes, at);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === 'fmt ') {
      if (size < 16) throw fail(`"fmt " chunk is ${size} bytes, expected at least 16`);
      if (body + size > end) throw fail('"fmt " chunk runs past the end of the file');
      let tag = view.getUint16(body, true);
      const channels = view.getUint16(body + 2, true);
      const sampleRate = view.getUint32(body + 4, true);
      const blockAlign = view.getUint16(body + 12, true);
      const bits = view.getUint16(body + 14, true);
      if (tag === WAVE_FORMAT_EXTENSIBLE) {
        if (size < 40)
          throw fail(`WAVE_FORMAT_EXTENSIBLE "fmt " chunk is ${size} bytes, expected 40`);
        tag = view.getUint16(body + 24, true); // first two bytes of the SubFormat GUID
      }
      if (tag !== WAVE_FORMAT_PCM && tag !== WAVE_FORMAT_IEEE_FLOAT) {
        throw fail(
          `audio format ${tag} is compressed or unknown; only PCM (1) and IEEE float (3) are supported`,
        );
      }
      const format = tag === WAVE_FORMAT_PCM ? 'pcm' : 'float';
      if (channels < 1 || channels > 32) throw fail(`${channels} channels; expected 1 to 32`);
      if (sampleRate < 1000 || sampleRate > 384_000) {
        throw fail(`sample rate ${sampleRate} Hz is outside 1,000–384,000 Hz`);
      }
      const okBits = format === 'pcm' ? [8, 16, 24, 32] : [32, 64];
      if (!okBits.includes(bits)) {
        throw fail(
          `${bits}-bit ${format === 'pcm' ? 'PCM' : 'float'} is not supported (use ${okBits.join(', ')} bit)`,
        );
      }
      if (blockAlign !== (channels * bits) / 8) {
        throw fail(`block align ${blockAlign} does not match ${channels} channel(s) × ${bits} bit`);
      }
      fmt = { format, channels, sampleRate, bits, blockAlign };
    } else if (id === 'data') {
      if (!fmt) throw fail('"data" chunk comes before the "fmt " chunk');
      const available = end - body;
      if (size > available) {
        throw fail(
          `"data" chunk says ${size} bytes but only ${available} follow (truncated file?)`,
        );
      }
      data = { offset: body, size };
    }
    at = body + size + (size & 1); // chunks are padded to an even length
  }
  if (!fmt) throw fail('no "fmt " chunk');
  if (!data) throw fail('no "data" chunk');
  const frames = Math.floor(data.size / fmt.blockAlign);
  if (frames * fmt.blockAlign !== data.size) {
    throw fail(`"data" size ${data.size} is not a whole number of ${fmt.blockAlign}-byte frames`);
  }
  const samples = new Float32Array(frames);
  const { channels, bits, format } = fmt;
  const bytesPer = bits / 8;
  if (format === 'pcm' && bits === 16 && channels === 1) {
    // The common case (Speech Commands and most recorders), without the per-sample branches.
    for (let f = 0, p = data.offset; f < frames; f++, p += 2) {
      samples[f] = view.getInt16(p, true) / 32768;
    }
    return { sampleRate: fmt.sampleRate, channels, bitsPerSample: bits, format, samples };
  }
  for (let f = 0; f < frames; f++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) {
      const p = data.offset + f * fmt.blockAlign + c * bytesPer;
      let v: number;
      if (format === 'float') v = bits === 32 ? view.getFloat32(p, true) : view.getFloat64(p, true);
      else if (bits === 8)
        v = (bytes[p] - 128) / 128; // 8-bit WAV is unsigned
      else if (bits === 16) v = view.getInt16(p, true) / 32768;
      else if (bits === 24)
        v = (((bytes[p] | (bytes[p + 1] << 8) | (bytes[p + 2] << 16)) << 8) >> 8) / 8388608;
      else v = view.getInt32(p, true) / 2147483648;
      if (!Number.isFinite(v)) throw fail(`sample ${f} is not a finite number`);
      sum += v;
    }
    samples[f] = sum / channels;
  }
  return { sampleRate: fmt.sampleRate, channels, bitsPerSample: bits, format, samples };
}
