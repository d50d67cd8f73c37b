/**
 * The keyword front end against an independent implementation written from the definitions
 * it states (kwsFrontEnd.ts): TensorFlow's tf.signal pipeline — periodic Hann window, a plain
 * O(N²) DFT instead of the FFT, the power spectrum, tf.signal.linear_to_mel_weight_matrix (HTK
 * mel, triangles linear in mel with peak 1, the DC bin zeroed), ln(x + 1e-6), and an
 * orthonormal DCT-II (scipy.fft.dct(norm="ortho")) keeping the first 10 coefficients.
 * Golden vectors: deterministic test clips (a chirp, two tones in noise, silence).
 */
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../core/random';
import { DEFAULT_KWS_CONFIG } from '../core/kwsConfig';
import { MfccExtractor } from './kwsFrontEnd';

const C = DEFAULT_KWS_CONFIG;

function referenceMfcc(clip: Float32Array): Float64Array {
  const frames = 1 + Math.floor((C.clipSamples - C.windowSamples) / C.hopSamples);
  const bins = C.fftSize / 2 + 1;
  const mel = (hz: number) => 2595 * Math.log10(1 + hz / 700);
  const edges = Array.from(
    { length: C.melBands + 2 },
    (_, i) => mel(C.lowHz) + ((mel(C.highHz) - mel(C.lowHz)) * i) / (C.melBands + 1),
  );
  const weight = (band: number, bin: number): number => {
    if (bin === 0) return 0; // TF zeroes the DC bin
    const m = mel((bin * C.sampleRate) / 2 / (bins - 1));
    const [lo, centre, hi] = [edges[band], edges[band + 1], edges[band + 2]];
    return Math.max(0, Math.min((m - lo) / (centre - lo), (hi - m) / (hi - centre)));
  };
  const out = new Float64Array(frames * C.mfccCount);
  for (let f = 0; f < frames; f++) {
    const power = new Float64Array(bins);
    for (let k = 0; k < bins; k++) {
      let re = 0;
      let im = 0;
      for (let n = 0; n < C.windowSamples; n++) {
        const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / C.windowSamples);
        const x = clip[f * C.hopSamples + n] * w;
        re += x * Math.cos((2 * Math.PI * k * n) / C.fftSize);
        im -= x * Math.sin((2 * Math.PI * k * n) / C.fftSize);
      }
      power[k] = re * re + im * im;
    }
    const logMel = Array.from({ length: C.melBands }, (_, b) => {
      let acc = 0;
      for (let k = 0; k < bins; k++) acc += weight(b, k) * power[k];
      return Math.log(acc + C.logOffset);
    });
    for (let c = 0; c < C.mfccCount; c++) {
      let acc = 0;
      for (let m = 0; m < C.melBands; m++) {
        acc += logMel[m] * Math.cos((Math.PI * c * (2 * m + 1)) / (2 * C.melBands));
      }
      out[f * C.mfccCount + c] = acc * Math.sqrt((c === 0 ? 1 : 2) / C.melBands);
    }
  }
  return out;
}

function goldenClips(): [string, Float32Array][] {
  const n = C.clipSamples;
  const random = mulberry32(17);
  const chirp = Float32Array.from({ length: n }, (_, i) => {
    const t = i / C.sampleRate;
    return 0.5 * Math.sin(2 * Math.PI * (100 * t + 1800 * t * t));
  });
  const tones = Float32Array.from(
    { length: n },
    (_, i) =>
      0.3 * Math.sin((2 * Math.PI * 440 * i) / C.sampleRate) +
      0.2 * Math.sin((2 * Math.PI * 2500 * i) / C.sampleRate) +
      0.05 * (random() - 0.5),
  );
  return [
    ['chirp 100 Hz → 3.7 kHz', chirp],
    ['440 Hz + 2.5 kHz in noise', tones],
    ['silence', new Float32Array(n)],
  ];
}

describe('KWS front end vs an independent tf.signal-style implementation', () => {
  it.each(goldenClips())('%s: every MFCC of every frame agrees', (_, clip) => {
    const ours = new MfccExtractor().compute(clip);
    const reference = referenceMfcc(clip);
    expect(ours).toHaveLength(reference.length);
    let worst = 0;
    for (let i = 0; i < ours.length; i++) {
      worst = Math.max(
        worst,
        Math.abs(ours[i] - reference[i]) / Math.max(1, Math.abs(reference[i])),
      );
    }
    expect(worst).toBeLessThan(1e-4);
  });
});
