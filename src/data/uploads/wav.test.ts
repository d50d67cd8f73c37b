import { describe, expect, it } from 'vitest';
import { DatasetError } from '../dataset';
import { makeWav, tone } from '../testing/fixtures';
import { parseWav } from './wav';

const buf = (bytes: Uint8Array) => bytes.slice().buffer;

describe('parseWav', () => {
  it('reads 16-bit PCM mono', () => {
    const audio = parseWav(buf(makeWav([Float32Array.of(0, 0.5, -0.5, 1)], 16000)), 'a.wav');
    expect(audio).toMatchObject({
      sampleRate: 16000,
      channels: 1,
      bitsPerSample: 16,
      format: 'pcm',
    });
    // The fixture writes round(v·32767); the reader divides by 32768.
    expect(Array.from(audio.samples)).toEqual([0, 16384, -16383, 32767].map((v) => v / 32768));
  });

  it('reads 8-bit unsigned PCM and 32-bit float', () => {
    const eight = parseWav(buf(makeWav([Float32Array.of(0, 1, -1)], 8000, 'pcm8')), 'b.wav');
    expect(Array.from(eight.samples)).toEqual([0, 127 / 128, -127 / 128]);
    const float = parseWav(buf(makeWav([Float32Array.of(0.25, -0.75)], 22050, 'float32')), 'c.wav');
    expect(float.format).toBe('float');
    expect(Array.from(float.samples)).toEqual([0.25, -0.75]);
  });

  it('downmixes stereo to mono by averaging', () => {
    const audio = parseWav(
      buf(makeWav([Float32Array.of(0.5, 0.5), Float32Array.of(-0.5, 0)], 16000)),
      's.wav',
    );
    expect(audio.channels).toBe(2);
    expect(audio.samples[0]).toBeCloseTo(0, 4);
    expect(audio.samples[1]).toBeCloseTo(0.25, 4);
  });

  it('skips unknown chunks (LIST) and honours the pad byte', () => {
    const plain = makeWav([tone(440, 16000, 100)], 16000);
    const list = new Uint8Array([0x4c, 0x49, 0x53, 0x54, 3, 0, 0, 0, 1, 2, 3, 0]); // "LIST", 3 bytes + pad
    const withList = new Uint8Array(plain.length + list.length);
    withList.set(plain.subarray(0, 36));
    withList.set(list, 36);
    withList.set(plain.subarray(36), 36 + list.length);
    new DataView(withList.buffer).setUint32(4, withList.length - 8, true);
    expect(parseWav(buf(withList), 'l.wav').samples).toEqual(parseWav(buf(plain), 'p.wav').samples);
  });

  const bad: [string, (b: Uint8Array, v: DataView) => Uint8Array | void, RegExp][] = [
    ['not RIFF', (b) => void b.set([0x52, 0x49, 0x46, 0x58], 0), /expected "RIFF"/],
    ['not WAVE', (b) => void b.set([0x41, 0x56, 0x49, 0x20], 8), /expected "WAVE"/],
    ['a compressed format', (_, v) => v.setUint16(20, 2, true), /audio format 2/],
    ['zero channels', (_, v) => v.setUint16(22, 0, true), /0 channels/],
    ['a silly sample rate', (_, v) => v.setUint32(24, 12, true), /sample rate 12 Hz/],
    ['12-bit samples', (_, v) => v.setUint16(34, 12, true), /12-bit PCM/],
    ['a wrong block align', (_, v) => v.setUint16(32, 4, true), /block align 4/],
    ['a data chunk past the end', (_, v) => v.setUint32(40, 1 << 20, true), /truncated/],
    ['a partial frame', (b, v) => (v.setUint32(40, 7, true), b.subarray(0, 51)), /whole number/],
    ['no data chunk', (b) => b.subarray(0, 36), /no "data" chunk/],
    ['a tiny file', (b) => b.subarray(0, 8), /shorter than a RIFF header/],
  ];
  it.each(bad)('rejects %s with a DatasetError naming the file', (_, corrupt, message) => {
    const bytes = makeWav([new Float32Array(8)], 16000);
    const result = corrupt(bytes, new DataView(bytes.buffer)) ?? bytes;
    let error: unknown;
    try {
      parseWav(buf(result), 'keywords/yes/bad.wav');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(DatasetError);
    expect((error as DatasetError).message).toMatch(message);
    expect((error as DatasetError).message).toContain('keywords/yes/bad.wav');
    expect((error as DatasetError).file).toBe('keywords/yes/bad.wav');
  });
});
