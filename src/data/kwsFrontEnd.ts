/**
 * The keyword-spotting front end: 1 s of 16 kHz audio → MFCC features, as in "Hello Edge:
 * Keyword Spotting on Microcontrollers" (Zhang et al., 2017, arXiv:1711.07128) and
 * TensorFlow's micro_speech example: frames of 30 ms (480 samples) every 20 ms (320 samples)
 * give 1 + ⌊(16000 − 480) / 320⌋ = 49 frames; each frame is Hann-windowed (periodic),
 * zero-padded to a 512-point FFT, turned into a power spectrum, weighted by 40 triangular mel
 * filters from 20 Hz to 4 kHz, log-compressed (ln(x + 1e-6)), and a DCT-II keeps 10 MFCCs.
 *
 * Conventions, and the references they were checked against in kwsFrontEnd.test.ts:
 * - Mel scale: HTK, mel(f) = 2595·log10(1 + f/700). Filters are triangles in the mel domain
 *   with peak 1 and no area normalisation, as TF's tf.signal.linear_to_mel_weight_matrix
 *   (checked: a filter value computed by hand from these formulas).
 * - FFT: radix-2, X[k] = Σ x[n]·e^(−2πi·kn/N), unscaled (checked: Parseval's theorem
 *   Σ|x|² = (1/N)·Σ|X|², and a 1 kHz tone peaking in bin 1000·512/16000 = 32).
 * - DCT-II, orthonormal (scipy.fft.dct(norm="ortho")): C[k] = s_k Σ x[n]·cos(πk(2n+1)/2N),
 *   s_0 = √(1/N), s_k = √(2/N) (checked: the DCT of a constant, and scipy's
 *   dct([1, 2, 3, 4], norm="ortho") = [5, −2.2304, 0, −0.1585]).
 * Note: a 10 ms hop (160 samples) gives 98 frames per second, not 49; set hopSamples to use it.
 *
 * Reference it matches: TensorFlow's tf.signal pipeline with the power spectrum,
 * linear_to_mel_weight_matrix (40 bands, 20 Hz – 4 kHz, DC bin zeroed) and an orthonormal DCT-II;
 * kwsFrontEnd.reference.test.ts compares it with an independent implementation (plain DFT,
 * weights and DCT from their definitions) on golden clips, within 1e-4. It is NOT MLPerf Tiny's
 * KWS front end, which takes the magnitude spectrum and tf.signal.mfccs_from_log_mel_spectrograms
 * (its DCT scales the first coefficient by √2 more): firmware must compute these features as
 * written here (the TFLM module's model_settings.h lists the parameters).
 */
import { DEFAULT_KWS_CONFIG, type KwsFrontEndConfig } from '../core/kwsConfig';

export function frameCount(config: KwsFrontEndConfig): number {
  return 1 + Math.floor((config.clipSamples - config.windowSamples) / config.hopSamples);
}

const POSITIVE_INTS = [
  'sampleRate',
  'clipSamples',
  'windowSamples',
  'hopSamples',
  'fftSize',
  'melBands',
  'mfccCount',
] as const satisfies readonly (keyof KwsFrontEndConfig)[];

/** Checks a configuration; returns the list of problems (empty when usable). */
export function kwsConfigProblems(config: KwsFrontEndConfig): string[] {
  const problems: string[] = [];
  const { sampleRate, clipSamples, windowSamples, fftSize, melBands, lowHz, highHz, mfccCount } =
    config;
  for (const name of POSITIVE_INTS) {
    const value = config[name];
    if (!Number.isInteger(value) || value <= 0) problems.push(`${name} must be a positive integer`);
  }
  if ((fftSize & (fftSize - 1)) !== 0) problems.push('fftSize must be a power of two');
  if (windowSamples > fftSize) problems.push('windowSamples must not exceed fftSize');
  if (windowSamples > clipSamples) problems.push('windowSamples must not exceed clipSamples');
  if (!(lowHz >= 0 && lowHz < highHz && highHz <= sampleRate / 2)) {
    problems.push('need 0 ≤ lowHz < highHz ≤ sampleRate / 2');
  }
  if (mfccCount > melBands) problems.push('mfccCount must not exceed melBands');
  if (!(config.logOffset > 0)) problems.push('logOffset must be positive');
  return problems;
}

/** In-place iterative radix-2 FFT (Cooley–Tukey, decimation in time); length a power of 2. */
export function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j], re[i]];
      [im[i], im[j]] = [im[j], im[i]];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const angle = (-2 * Math.PI) / len;
    const wr = Math.cos(angle);
    const wi = Math.sin(angle);
    for (let start = 0; start < n; start += len) {
      let cr = 1;
      let ci = 0;
      for (let k = 0; k < len / 2; k++) {
        const a = start + k;
        const b = a + len / 2;
        const tr = re[b] * cr - im[b] * ci;
        const ti = re[b] * ci + im[b] * cr;
        re[b] = re[a] - tr;
        im[b] = im[a] - ti;
        re[a] += tr;
        im[a] += ti;
        const next = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = next;
      }
    }
  }
}

export function hzToMel(hz: number): number {
  return 2595 * Math.log10(1 + hz / 700);
}

export function melToHz(mel: number): number {
  return 700 * (10 ** (mel / 2595) - 1);
}

/** Periodic Hann window, w[n] = 0.5 − 0.5·cos(2πn/N) (as tf.signal.hann_window). */
export function hannWindow(length: number): Float64Array {
  const w = new Float64Array(length);
  for (let n = 0; n < length; n++) w[n] = 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / length);
  return w;
}

/** Mel weights, melBands rows × (fftSize/2 + 1) columns, row-major. */
export function melFilterbank(config: KwsFrontEndConfig): Float64Array {
  const bins = config.fftSize / 2 + 1;
  const weights = new Float64Array(config.melBands * bins);
  const lowMel = hzToMel(config.lowHz);
  const step = (hzToMel(config.highHz) - lowMel) / (config.melBands + 1);
  for (let m = 0; m < config.melBands; m++) {
    const left = lowMel + m * step;
    const centre = left + step;
    const right = centre + step;
    for (let k = 0; k < bins; k++) {
      const mel = hzToMel((k * config.sampleRate) / config.fftSize);
      const w = Math.min((mel - left) / (centre - left), (right - mel) / (right - centre));
      if (w > 0) weights[m * bins + k] = w;
    }
  }
  return weights;
}

/** Orthonormal DCT-II matrix, count rows × n columns. */
export function dctMatrix(count: number, n: number): Float64Array {
  const matrix = new Float64Array(count * n);
  for (let k = 0; k < count; k++) {
    const s = k === 0 ? Math.sqrt(1 / n) : Math.sqrt(2 / n);
    for (let i = 0; i < n; i++)
      matrix[k * n + i] = s * Math.cos((Math.PI * k * (2 * i + 1)) / (2 * n));
  }
  return matrix;
}

export function dct2(input: ArrayLike<number>, count = input.length): Float64Array {
  const n = input.length;
  const matrix = dctMatrix(count, n);
  const out = new Float64Array(count);
  for (let k = 0; k < count; k++) {
    let acc = 0;
    for (let i = 0; i < n; i++) acc += matrix[k * n + i] * input[i];
    out[k] = acc;
  }
  return out;
}

/**
 * A reusable MFCC extractor (window, filterbank and DCT tables computed once).
 * `compute(clip)` takes exactly clipSamples samples and returns frames × mfccCount float32,
 * frame-major (the dataset's H × W × 1).
 */
export class MfccExtractor {
  readonly config: KwsFrontEndConfig;
  readonly frames: number;
  private readonly window: Float64Array;
  private readonly filterbank: Float64Array;
  private readonly dct: Float64Array;
  private readonly re: Float64Array;
  private readonly im: Float64Array;
  private readonly power: Float64Array;
  private readonly logMel: Float64Array;

  constructor(config: Partial<KwsFrontEndConfig> = {}) {
    this.config = { ...DEFAULT_KWS_CONFIG, ...config };
    const problems = kwsConfigProblems(this.config);
    if (problems.length > 0) throw new RangeError(`KWS front end: ${problems.join('; ')}`);
    this.frames = frameCount(this.config);
    this.window = hannWindow(this.config.windowSamples);
    this.filterbank = melFilterbank(this.config);
    this.dct = dctMatrix(this.config.mfccCount, this.config.melBands);
    this.re = new Float64Array(this.config.fftSize);
    this.im = new Float64Array(this.config.fftSize);
    this.power = new Float64Array(this.config.fftSize / 2 + 1);
    this.logMel = new Float64Array(this.config.melBands);
  }

  /** Values per clip (frames × mfccCount). */
  get featureLength(): number {
    return this.frames * this.config.mfccCount;
  }

  compute(clip: Float32Array, out = new Float32Array(this.featureLength)): Float32Array {
    const { windowSamples, hopSamples, melBands, mfccCount, logOffset, clipSamples } = this.config;
    if (clip.length !== clipSamples) {
      throw new RangeError(`clip has ${clip.length} samples, expected ${clipSamples}`);
    }
    const bins = this.power.length;
    for (let f = 0; f < this.frames; f++) {
      this.re.fill(0);
      this.im.fill(0);
      const start = f * hopSamples;
      for (let n = 0; n < windowSamples; n++) this.re[n] = clip[start + n] * this.window[n];
      fft(this.re, this.im);
      for (let k = 0; k < bins; k++) this.power[k] = this.re[k] ** 2 + this.im[k] ** 2;
      for (let m = 0; m < melBands; m++) {
        let acc = 0;
        for (let k = 0; k < bins; k++) acc += this.filterbank[m * bins + k] * this.power[k];
        this.logMel[m] = Math.log(acc + logOffset);
      }
      for (let c = 0; c < mfccCount; c++) {
        let acc = 0;
        for (let m = 0; m < melBands; m++) acc += this.dct[c * melBands + m] * this.logMel[m];
        out[f * mfccCount + c] = acc;
      }
    }
    return out;
  }
}
