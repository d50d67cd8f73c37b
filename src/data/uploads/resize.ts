/**
 * Resizing decoded RGBA images to a model's input: area averaging when shrinking (every source
 * pixel contributes by its overlap, the same as OpenCV's INTER_AREA), bilinear interpolation
 * with half-pixel centres when enlarging (as OpenCV's INTER_LINEAR / TF's half_pixel_centers).
 * Both are separable, so rows then columns are resampled with precomputed 1-D weights.
 */

export interface DecodedImage {
  width: number;
  height: number;
  /** RGBA, row-major, 4 bytes per pixel, not premultiplied (as canvas getImageData gives). */
  data: Uint8ClampedArray;
}

interface Taps {
  /** For output o, source indices start[o] .. start[o]+count[o]-1 with their weights. */
  start: Int32Array;
  count: Int32Array;
  weights: Float32Array[];
}

/** 1-D resampling weights from `from` samples to `to` samples (area or bilinear, see above). */
export function resampleTaps(from: number, to: number): Taps {
  const start = new Int32Array(to);
  const count = new Int32Array(to);
  const weights: Float32Array[] = [];
  if (to < from) {
    const step = from / to;
    for (let o = 0; o < to; o++) {
      const a = o * step;
      const b = Math.min(from, (o + 1) * step);
      const i0 = Math.floor(a);
      const i1 = Math.min(from - 1, Math.ceil(b) - 1);
      const w = new Float32Array(i1 - i0 + 1);
      for (let i = i0; i <= i1; i++) {
        w[i - i0] = (Math.min(b, i + 1) - Math.max(a, i)) / step;
      }
      start[o] = i0;
      count[o] = w.length;
      weights.push(w);
    }
  } else {
    for (let o = 0; o < to; o++) {
      const src = Math.min(from - 1, Math.max(0, ((o + 0.5) * from) / to - 0.5));
      const i0 = Math.floor(src);
      const f = src - i0;
      if (f === 0 || i0 + 1 >= from) {
        start[o] = i0;
        count[o] = 1;
        weights.push(Float32Array.of(1));
      } else {
        start[o] = i0;
        count[o] = 2;
        weights.push(Float32Array.of(1 - f, f));
      }
    }
  }
  return { start, count, weights };
}

/**
 * Converts an RGBA image to `channels` (1: luma, ITU-R BT.601 weights 0.299/0.587/0.114 as
 * PIL's "L" mode; 3: RGB), composited over black (transparent → dark, like MNIST's
 * background), and resizes it to height × width. Returns uint8 HWC.
 */
export function resizeToTarget(
  image: DecodedImage,
  height: number,
  width: number,
  channels: 1 | 3,
): Uint8Array {
  const { width: sw, height: sh, data } = image;
  // Two separable passes with one float intermediate: sh × width after resampling rows first,
  // height × sw after columns first. The smaller order is taken (for a 1×25,000,000 image,
  // rows first would need 25 M × width floats), so the intermediate never exceeds
  // √(pixels · height · width) values: 30 MB for 25 megapixels to 512×512×3. Columns first is
  // rows first on the transposed image (src/dst coordinates swapped), written back transposed.
  const transposed = height * sw < sh * width;
  const inW = transposed ? sh : sw; // the pass-1 axis of the (maybe transposed) source
  const inH = transposed ? sw : sh;
  const outW = transposed ? height : width;
  const outH = transposed ? width : height;
  const pixel = transposed
    ? (x: number, y: number) => x * sw + y
    : (x: number, y: number) => y * sw + x;
  const target = transposed
    ? (x: number, y: number) => x * width + y
    : (x: number, y: number) => y * width + x;
  // One source line at a time is converted (float32), not a float copy of the whole image.
  const line = new Float32Array(inW * channels);
  const tx = resampleTaps(inW, outW);
  const mid = new Float32Array(inH * outW * channels);
  for (let y = 0; y < inH; y++) {
    for (let x = 0; x < inW; x++) {
      const p = pixel(x, y);
      const a = data[p * 4 + 3] / 255;
      const r = data[p * 4] * a;
      const g = data[p * 4 + 1] * a;
      const b = data[p * 4 + 2] * a;
      if (channels === 1) line[x] = 0.299 * r + 0.587 * g + 0.114 * b;
      else {
        line[x * 3] = r;
        line[x * 3 + 1] = g;
        line[x * 3 + 2] = b;
      }
    }
    for (let o = 0; o < outW; o++) {
      const w = tx.weights[o];
      for (let c = 0; c < channels; c++) {
        let acc = 0;
        for (let k = 0; k < w.length; k++) acc += w[k] * line[(tx.start[o] + k) * channels + c];
        mid[(y * outW + o) * channels + c] = acc;
      }
    }
  }
  const ty = resampleTaps(inH, outH);
  const out = new Uint8Array(height * width * channels);
  for (let o = 0; o < outH; o++) {
    const w = ty.weights[o];
    for (let x = 0; x < outW; x++) {
      const at = target(x, o) * channels;
      for (let c = 0; c < channels; c++) {
        let acc = 0;
        for (let k = 0; k < w.length; k++) {
          acc += w[k] * mid[((ty.start[o] + k) * outW + x) * channels + c];
        }
        out[at + c] = acc < 0 ? 0 : acc > 255 ? 255 : Math.round(acc);
      }
    }
  }
  return out;
}
