/**
 * Sample-rate conversion by band-limited interpolation (J. O. Smith, "Digital Audio
 * Resampling", https://ccrma.stanford.edu/~jos/resample/): each output sample is the input
 * convolved with a Hann-windowed sinc centred on its exact position. The sinc's cutoff is
 * 0.95 × the lower of the two Nyquist frequencies, so downsampling also low-pass filters
 * (no aliasing); the kernel spans 16 zero crossings each side. DC gain is 1.
 * Cost: one multiply-add per tap, 2·16/cutoff taps per output sample (~100 from 48 kHz to
 * 16 kHz, ~800 from 384 kHz), so callers resample only the samples they keep.
 */
const ZERO_CROSSINGS = 16;
const ROLLOFF = 0.95;

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = Math.PI * x;
  return Math.sin(px) / px;
}

/** Input samples each side of an output sample that the kernel reaches (its half-width). */
export function kernelHalfWidth(fromRate: number, toRate: number): number {
  return ZERO_CROSSINGS / (Math.min(1, toRate / fromRate) * ROLLOFF);
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Kernel tables above this many values are not built (the sums are computed directly). */
const MAX_TABLE = 1 << 20;

/** `tabulate: false` forces the direct sums (tests compare both paths). */
export function resample(
  input: Float32Array,
  fromRate: number,
  toRate: number,
  tabulate = true,
): Float32Array {
  if (fromRate === toRate) return input;
  if (!(fromRate > 0 && toRate > 0)) throw new RangeError('sample rates must be positive');
  const ratio = toRate / fromRate;
  const outLength = Math.round(input.length * ratio);
  const out = new Float32Array(outLength);
  const scale = Math.min(1, ratio) * ROLLOFF; // cutoff in cycles per input sample × 2
  const half = ZERO_CROSSINGS / scale; // kernel half-width in input samples
  const kernel = (d: number) =>
    Math.abs(d) > half ? 0 : scale * sinc(scale * d) * (0.5 + 0.5 * Math.cos((Math.PI * d) / half));
  // Output j sits at input position t = j·from/to. For integer rates that position's
  // fraction repeats every to/gcd output samples (one phase for 48 kHz → 16 kHz, 160 for
  // 44.1 kHz), so the kernel is tabulated once per phase instead of evaluated per tap.
  const g = Number.isInteger(fromRate) && Number.isInteger(toRate) ? gcd(fromRate, toRate) : 0;
  const phases = g ? toRate / g : 0;
  const step = g ? fromRate / g : 0;
  const reach = Math.ceil(half) + 1;
  const width = 2 * reach + 1;
  if (tabulate && phases > 0 && phases * width <= MAX_TABLE) {
    const table = new Float32Array(phases * width);
    for (let r = 0; r < phases; r++) {
      for (let k = -reach; k <= reach; k++) table[r * width + k + reach] = kernel(r / phases - k);
    }
    for (let j = 0; j < outLength; j++) {
      const q = Math.floor((j * step) / phases);
      const r = j * step - q * phases;
      const row = r * width + reach;
      const k0 = Math.max(-reach, -q);
      const k1 = Math.min(reach, input.length - 1 - q);
      let acc = 0;
      for (let k = k0; k <= k1; k++) acc += input[q + k] * table[row + k];
      out[j] = acc;
    }
    return out;
  }
  for (let j = 0; j < outLength; j++) {
    const t = j / ratio;
    const i0 = Math.max(0, Math.ceil(t - half));
    const i1 = Math.min(input.length - 1, Math.floor(t + half));
    let acc = 0;
    for (let i = i0; i <= i1; i++) acc += input[i] * kernel(t - i);
    out[j] = acc;
  }
  return out;
}
