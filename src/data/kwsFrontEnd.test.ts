import { describe, expect, it } from 'vitest';
import { DEFAULT_KWS_CONFIG } from '../core/kwsConfig';
import {
  MfccExtractor,
  dct2,
  fft,
  frameCount,
  hannWindow,
  hzToMel,
  melFilterbank,
  melToHz,
} from './kwsFrontEnd';
import { resample } from './resample';
import { tone } from './testing/fixtures';

function spectrum(signal: ArrayLike<number>, n: number) {
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  for (let i = 0; i < Math.min(n, signal.length); i++) re[i] = signal[i];
  fft(re, im);
  return { re, im, power: Array.from(re, (r, k) => r * r + im[k] * im[k]) };
}

function argmax(values: ArrayLike<number>, upTo = values.length): number {
  let best = 0;
  for (let i = 1; i < upTo; i++) if (values[i] > values[best]) best = i;
  return best;
}

describe('FFT', () => {
  it('puts a 1 kHz tone at 16 kHz in bin 1000·512/16000 = 32', () => {
    const { power } = spectrum(tone(1000, 16000, 512, 1), 512);
    expect(argmax(power, 257)).toBe(32);
    // A bin-centred unit sine of N samples has |X[k]| = N/2.
    expect(Math.sqrt(power[32])).toBeCloseTo(256, 3); // float32 tone: ~1e-5 error
    expect(Math.sqrt(power[31])).toBeLessThan(1e-3);
  });

  it("satisfies Parseval's theorem Σ|x|² = (1/N)·Σ|X|²", () => {
    const x = Array.from(
      { length: 256 },
      (_, i) => Math.sin(i * 0.37) + 0.5 * Math.cos(i * i * 0.01),
    );
    const timeEnergy = x.reduce((s, v) => s + v * v, 0);
    const { power } = spectrum(x, 256);
    expect(power.reduce((s, v) => s + v, 0) / 256).toBeCloseTo(timeEnergy, 8);
  });

  it('matches the direct DFT on a small input', () => {
    const x = [1, -2, 3, 0.5, 0, 4, -1, 2];
    const { re, im } = spectrum(x, 8);
    for (let k = 0; k < 8; k++) {
      let r = 0;
      let i = 0;
      for (let n = 0; n < 8; n++) {
        r += x[n] * Math.cos((-2 * Math.PI * k * n) / 8);
        i += x[n] * Math.sin((-2 * Math.PI * k * n) / 8);
      }
      expect(re[k]).toBeCloseTo(r, 10);
      expect(im[k]).toBeCloseTo(i, 10);
    }
  });
});

describe('mel filterbank', () => {
  it('converts Hz ↔ mel on the HTK scale (1000 Hz ≈ 1000 mel)', () => {
    expect(hzToMel(1000)).toBeCloseTo(999.99, 1);
    expect(melToHz(hzToMel(3210))).toBeCloseTo(3210, 8);
  });

  it('matches hand-computed weights of the first filter', () => {
    // By hand: mel(20 Hz) = 2595·log10(1 + 20/700) = 31.748; mel(4000 Hz) = 2146.065;
    // 40 filters → 42 edges, step (2146.065 − 31.748) / 41 = 51.569 mel. Filter 0 rises from
    // 31.748 to 83.317 and falls to 134.886. Bin 1 is 16000/512 = 31.25 Hz = 49.222 mel:
    // (49.222 − 31.748) / 51.569 = 0.3388. Bin 2 (62.5 Hz = 96.383 mel) is on the falling
    // side: (134.886 − 96.383) / 51.569 = 0.7466. Bin 0 (0 Hz) is below the filter: 0.
    const bank = melFilterbank(DEFAULT_KWS_CONFIG);
    expect(bank.length).toBe(40 * 257);
    expect(bank[0]).toBe(0);
    expect(bank[1]).toBeCloseTo(0.3388, 4);
    expect(bank[2]).toBeCloseTo(0.7466, 4);
    // Nothing above 4 kHz (bin 128) in any filter.
    for (let m = 0; m < 40; m++) {
      for (let k = 129; k < 257; k++) expect(bank[m * 257 + k]).toBe(0);
    }
  });
});

describe('DCT-II (orthonormal)', () => {
  it('maps a constant to its first coefficient only: c·√N', () => {
    const out = dct2(new Array(40).fill(3));
    expect(out[0]).toBeCloseTo(3 * Math.sqrt(40), 10);
    for (let k = 1; k < 40; k++) expect(Math.abs(out[k])).toBeLessThan(1e-10);
  });

  it('matches scipy.fft.dct([1, 2, 3, 4], norm="ortho")', () => {
    const out = dct2([1, 2, 3, 4]);
    [5, -2.2304425, 0, -0.15851267].forEach((v, k) => expect(out[k]).toBeCloseTo(v, 6));
  });
});

describe('MfccExtractor', () => {
  it('gives 49 × 10 features for 1 s at 16 kHz (30 ms windows, 20 ms hop)', () => {
    const extractor = new MfccExtractor();
    expect(frameCount(extractor.config)).toBe(49);
    const out = extractor.compute(tone(1000, 16000, 16000, 0.3));
    expect(out.length).toBe(490);
    expect(out.every(Number.isFinite)).toBe(true);
    // Stationary tone → identical frames.
    for (let c = 0; c < 10; c++) expect(out[48 * 10 + c]).toBeCloseTo(out[c], 3);
    // Silence stays finite: ln(1e-6)·√40 in c0.
    const silent = extractor.compute(new Float32Array(16000));
    expect(silent[0]).toBeCloseTo(Math.log(1e-6) * Math.sqrt(40), 4);
  });

  it('separates a low from a high tone, and honours a 10 ms hop (98 frames)', () => {
    const extractor = new MfccExtractor();
    const low = extractor.compute(tone(300, 16000, 16000));
    const high = extractor.compute(tone(3000, 16000, 16000));
    const distance = Math.hypot(...Array.from(low.subarray(0, 10), (v, i) => v - high[i]));
    expect(distance).toBeGreaterThan(5);
    expect(new MfccExtractor({ hopSamples: 160 }).frames).toBe(98);
  });

  it('rejects an unusable configuration', () => {
    expect(() => new MfccExtractor({ fftSize: 500 })).toThrow(/power of two/);
    expect(() => new MfccExtractor({ mfccCount: 41 })).toThrow(/mfccCount/);
    expect(() => new MfccExtractor({ highHz: 9000 })).toThrow(/highHz/);
  });

  it('uses a periodic Hann window', () => {
    const w = hannWindow(4);
    [0, 0.5, 1, 0.5].forEach((v, i) => expect(w[i]).toBeCloseTo(v, 12));
  });
});

describe('resample', () => {
  it('keeps a 1 kHz tone at 1 kHz and its amplitude when going 44.1 → 16 kHz', () => {
    const out = resample(tone(1000, 44100, 44100, 0.5), 44100, 16000);
    expect(out.length).toBe(16000);
    const middle = out.subarray(4000, 4512);
    const { power } = spectrum(middle, 512);
    expect(argmax(power, 257)).toBe(32);
    const peak = Math.max(...Array.from(out.subarray(1000, 15000), Math.abs));
    expect(peak).toBeCloseTo(0.5, 2);
  });

  it('removes content above the new Nyquist frequency instead of aliasing it', () => {
    const out = resample(tone(10000, 48000, 48000, 0.5), 48000, 16000);
    const rms = Math.sqrt(out.subarray(1000, 15000).reduce((s, v) => s + v * v, 0) / 14000);
    expect(rms).toBeLessThan(0.01);
  });

  it('upsamples 8 → 16 kHz preserving the tone', () => {
    const out = resample(tone(500, 8000, 8000, 0.5), 8000, 16000);
    expect(out.length).toBe(16000);
    const { power } = spectrum(out.subarray(4000, 4512), 512);
    expect(argmax(power, 257)).toBe(16);
  });

  it.each([
    [44100, 16000],
    [384000, 16000],
    [8000, 16000],
  ])(
    'gives the same samples from its per-phase kernel table as from direct sums (%i → %i Hz)',
    (from, to) => {
      const input = tone(700, from, Math.round(from / 10), 0.5);
      const table = resample(input, from, to);
      const direct = resample(input, from, to, false);
      expect(table.length).toBe(direct.length);
      let worst = 0;
      for (let i = 0; i < table.length; i++)
        worst = Math.max(worst, Math.abs(table[i] - direct[i]));
      expect(worst).toBeLessThan(1e-5);
    },
  );
});
