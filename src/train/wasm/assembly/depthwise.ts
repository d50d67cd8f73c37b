// Backward passes of a depthwise 2-D convolution, NHWC input, filter [FH, FW, C, Q] (channel
// multiplier Q), output channel c·Q + q, dilation 1. Q = 1 (the common case) runs on f32x4 lanes
// over channels; Q > 1 takes a plain scalar loop.

import { at, endValidOut, firstValidOut, madd, zeroFloats } from './memory';

/** dw[kh, kw, c, q] = Σ_{n, oh, ow} x[n, ih, iw, c] · dy[n, oh, ow, c·Q + q]. */
export function depthwiseBackpropFilter(
  x: usize,
  dy: usize,
  dw: usize,
  n: i32,
  h: i32,
  w: i32,
  c: i32,
  oh: i32,
  ow: i32,
  q: i32,
  fh: i32,
  fw: i32,
  sh: i32,
  sw: i32,
  pt: i32,
  pl: i32,
): void {
  zeroFloats(dw, fh * fw * c * q);
  const oc = c * q;
  const xStep = (<usize>(sw * c)) << 2;
  const dyStep = (<usize>oc) << 2;
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
      const dyRow = at(dy, (b * oh + y) * ow * oc);
      for (let kh = 0; kh < fh; kh++) {
        const iy = y * sh - pt + kh;
        if (iy < 0 || iy >= h) continue;
        const xRow = at(x, (b * h + iy) * w * c);
        for (let kw = 0; kw < fw; kw++) {
          const lo = firstValidOut(pl, kw, sw);
          const hi = endValidOut(w, pl, kw, sw, ow);
          if (lo >= hi) continue;
          const pdw = at(dw, (kh * fw + kw) * oc);
          const px0 = at(xRow, (lo * sw - pl + kw) * c);
          const pdy0 = at(dyRow, lo * oc);
          if (q == 1) {
            let c0 = 0;
            for (; c0 + 8 <= c; c0 += 8) {
              let acc0 = f32x4.splat(0);
              let acc1 = f32x4.splat(0);
              let px = at(px0, c0);
              let pd = at(pdy0, c0);
              for (let ox = lo; ox < hi; ox++) {
                acc0 = madd(v128.load(px), v128.load(pd), acc0);
                acc1 = madd(v128.load(px, 16), v128.load(pd, 16), acc1);
                px += xStep;
                pd += dyStep;
              }
              const dst = at(pdw, c0);
              v128.store(dst, f32x4.add(v128.load(dst), acc0));
              v128.store(dst, f32x4.add(v128.load(dst, 16), acc1), 16);
            }
            for (; c0 + 4 <= c; c0 += 4) {
              let acc0 = f32x4.splat(0);
              let px = at(px0, c0);
              let pd = at(pdy0, c0);
              for (let ox = lo; ox < hi; ox++) {
                acc0 = madd(v128.load(px), v128.load(pd), acc0);
                px += xStep;
                pd += dyStep;
              }
              const dst = at(pdw, c0);
              v128.store(dst, f32x4.add(v128.load(dst), acc0));
            }
            for (; c0 < c; c0++) {
              let acc: f32 = 0;
              let px = at(px0, c0);
              let pd = at(pdy0, c0);
              for (let ox = lo; ox < hi; ox++) {
                acc += load<f32>(px) * load<f32>(pd);
                px += xStep;
                pd += dyStep;
              }
              store<f32>(at(pdw, c0), load<f32>(at(pdw, c0)) + acc);
            }
          } else {
            let px = px0;
            let pd = pdy0;
            for (let ox = lo; ox < hi; ox++) {
              for (let ch = 0; ch < c; ch++) {
                const xv = load<f32>(at(px, ch));
                for (let m = 0; m < q; m++) {
                  const o = ch * q + m;
                  store<f32>(at(pdw, o), load<f32>(at(pdw, o)) + xv * load<f32>(at(pd, o)));
                }
              }
              px += xStep;
              pd += dyStep;
            }
          }
        }
      }
    }
  }
}

/** dx[n, ih, iw, c] = Σ_{taps reaching (ih, iw), q} dy[n, oh, ow, c·Q + q] · w[kh, kw, c, q]. */
export function depthwiseBackpropInput(
  dy: usize,
  wgt: usize,
  dx: usize,
  n: i32,
  h: i32,
  w: i32,
  c: i32,
  oh: i32,
  ow: i32,
  q: i32,
  fh: i32,
  fw: i32,
  sh: i32,
  sw: i32,
  pt: i32,
  pl: i32,
): void {
  zeroFloats(dx, n * h * w * c);
  const oc = c * q;
  const xStep = (<usize>(sw * c)) << 2;
  const dyStep = (<usize>oc) << 2;
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
      const dyRow = at(dy, (b * oh + y) * ow * oc);
      for (let kh = 0; kh < fh; kh++) {
        const iy = y * sh - pt + kh;
        if (iy < 0 || iy >= h) continue;
        const dxRow = at(dx, (b * h + iy) * w * c);
        for (let kw = 0; kw < fw; kw++) {
          const lo = firstValidOut(pl, kw, sw);
          const hi = endValidOut(w, pl, kw, sw, ow);
          if (lo >= hi) continue;
          const pw = at(wgt, (kh * fw + kw) * oc);
          const px0 = at(dxRow, (lo * sw - pl + kw) * c);
          const pdy0 = at(dyRow, lo * oc);
          if (q == 1) {
            let c0 = 0;
            for (; c0 + 8 <= c; c0 += 8) {
              const w0 = v128.load(at(pw, c0));
              const w1 = v128.load(at(pw, c0), 16);
              let px = at(px0, c0);
              let pd = at(pdy0, c0);
              for (let ox = lo; ox < hi; ox++) {
                v128.store(px, f32x4.add(v128.load(px), f32x4.mul(v128.load(pd), w0)));
                v128.store(px, f32x4.add(v128.load(px, 16), f32x4.mul(v128.load(pd, 16), w1)), 16);
                px += xStep;
                pd += dyStep;
              }
            }
            for (; c0 + 4 <= c; c0 += 4) {
              const w0 = v128.load(at(pw, c0));
              let px = at(px0, c0);
              let pd = at(pdy0, c0);
              for (let ox = lo; ox < hi; ox++) {
                v128.store(px, f32x4.add(v128.load(px), f32x4.mul(v128.load(pd), w0)));
                px += xStep;
                pd += dyStep;
              }
            }
            for (; c0 < c; c0++) {
              const wv = load<f32>(at(pw, c0));
              let px = at(px0, c0);
              let pd = at(pdy0, c0);
              for (let ox = lo; ox < hi; ox++) {
                store<f32>(px, load<f32>(px) + load<f32>(pd) * wv);
                px += xStep;
                pd += dyStep;
              }
            }
          } else {
            let px = px0;
            let pd = pdy0;
            for (let ox = lo; ox < hi; ox++) {
              for (let ch = 0; ch < c; ch++) {
                let acc: f32 = 0;
                for (let m = 0; m < q; m++) {
                  const o = ch * q + m;
                  acc += load<f32>(at(pd, o)) * load<f32>(at(pw, o));
                }
                store<f32>(at(px, ch), load<f32>(at(px, ch)) + acc);
              }
              px += xStep;
              pd += dyStep;
            }
          }
        }
      }
    }
  }
}
