/**
 * Sample-rate conversion by band-limited interpolation (J. O. Smith, "Digital Audio
 * Resampling", https://ccrma.stanford.edu/~jos/resample/): each output sample is the input
 * convolved with a Hann-windowed sinc centred on its exact position. The sinc's cutoff is
 * 0.95 × the lower of the two Nyquist frequencies, so downsampling also low-pass filters
 * (no aliasing); the kernel spans 16 zero crossings each side. DC gain is 1.
 */
const ZERO_CROSSINGS = 16;
const ROLLOFF = 0.95;

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = Math.PI * x;
  return Math.sin(px) / px;
}

export function resample(input: Float32Array, fromRate: number, toRate: number): Float32Array {
  if (fromRate === toRate) return input;
  if (!(fromRate > 0 && toRate > 0)) throw new RangeError('sample rates must be positive');
  const ratio = toRate / fromRate;
  const outLength = Math.round(input.length * ratio);
  const out = new Float32Array(outLength);
  const scale = Math.min(1, ratio) * ROLLOFF; // cutoff in cycles per input sample × 2
  const half = ZERO_CROSSINGS / scale; // kernel half-width in input samples
  for (let j = 0; j < outLength; j++) {
    const t = j / ratio;
    const i0 = Math.max(0, Math.ceil(t - half));
    const i1 = Math.min(input.length - 1, Math.floor(t + half));
    let acc = 0;
    for (let i = i0; i <= i1; i++) {
      const d = t - i;
      const window = 0.5 + 0.5 * Math.cos((Math.PI * d) / half);
      acc += input[i] * scale * sinc(scale * d) * window;
    }
    out[j] = acc;
  }
  return out;
}
