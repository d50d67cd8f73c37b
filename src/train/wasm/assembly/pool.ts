// Gradients of 2-D max and average pooling, NHWC, with the semantics of tfjs's cpu backend:
// max pooling routes each dy to the first strictly largest input of its window (row-major scan,
// padding never wins), average pooling spreads dy · 1 / (FH · FW) over the window's in-bounds
// inputs (tfjs divides by the full window size here, also where 'same' padding cuts it).

import { at, zeroFloats } from './memory';

export function maxPoolGrad(
  x: usize,
  dy: usize,
  dx: usize,
  n: i32,
  h: i32,
  w: i32,
  c: i32,
  oh: i32,
  ow: i32,
  fh: i32,
  fw: i32,
  sh: i32,
  sw: i32,
  pt: i32,
  pl: i32,
): void {
  zeroFloats(dx, n * h * w * c);
  const negInf = f32x4.splat(-Infinity);
  const none = i32x4.splat(-1);
  const lanes = i32x4(0, 1, 2, 3);
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
      const y0 = y * sh - pt;
      const yLo = y0 > 0 ? y0 : 0;
      const yHi = y0 + fh < h ? y0 + fh : h;
      for (let xo = 0; xo < ow; xo++) {
        const x0 = xo * sw - pl;
        const xLo = x0 > 0 ? x0 : 0;
        const xHi = x0 + fw < w ? x0 + fw : w;
        const pdy = at(dy, ((b * oh + y) * ow + xo) * c);
        let c0 = 0;
        for (; c0 + 4 <= c; c0 += 4) {
          let best = negInf;
          let bestAt = none;
          for (let iy = yLo; iy < yHi; iy++) {
            for (let ix = xLo; ix < xHi; ix++) {
              const index = ((b * h + iy) * w + ix) * c + c0;
              const v = v128.load(at(x, index));
              const better = f32x4.gt(v, best);
              best = v128.bitselect(v, best, better);
              bestAt = v128.bitselect(i32x4.add(i32x4.splat(index), lanes), bestAt, better);
            }
          }
          const g = v128.load(at(pdy, c0));
          let i = i32x4.extract_lane(bestAt, 0);
          if (i >= 0) store<f32>(at(dx, i), load<f32>(at(dx, i)) + f32x4.extract_lane(g, 0));
          i = i32x4.extract_lane(bestAt, 1);
          if (i >= 0) store<f32>(at(dx, i), load<f32>(at(dx, i)) + f32x4.extract_lane(g, 1));
          i = i32x4.extract_lane(bestAt, 2);
          if (i >= 0) store<f32>(at(dx, i), load<f32>(at(dx, i)) + f32x4.extract_lane(g, 2));
          i = i32x4.extract_lane(bestAt, 3);
          if (i >= 0) store<f32>(at(dx, i), load<f32>(at(dx, i)) + f32x4.extract_lane(g, 3));
        }
        for (; c0 < c; c0++) {
          let best: f32 = -Infinity;
          let bestAt = -1;
          for (let iy = yLo; iy < yHi; iy++) {
            for (let ix = xLo; ix < xHi; ix++) {
              const index = ((b * h + iy) * w + ix) * c + c0;
              const v = load<f32>(at(x, index));
              if (v > best) {
                best = v;
                bestAt = index;
              }
            }
          }
          if (bestAt >= 0) {
            store<f32>(at(dx, bestAt), load<f32>(at(dx, bestAt)) + load<f32>(at(pdy, c0)));
          }
        }
      }
    }
  }
}

export function avgPoolGrad(
  dy: usize,
  dx: usize,
  n: i32,
  h: i32,
  w: i32,
  c: i32,
  oh: i32,
  ow: i32,
  fh: i32,
  fw: i32,
  sh: i32,
  sw: i32,
  pt: i32,
  pl: i32,
): void {
  zeroFloats(dx, n * h * w * c);
  const scale: f32 = 1.0 / <f32>(fh * fw);
  const vscale = f32x4.splat(scale);
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
      const y0 = y * sh - pt;
      const yLo = y0 > 0 ? y0 : 0;
      const yHi = y0 + fh < h ? y0 + fh : h;
      for (let xo = 0; xo < ow; xo++) {
        const x0 = xo * sw - pl;
        const xLo = x0 > 0 ? x0 : 0;
        const xHi = x0 + fw < w ? x0 + fw : w;
        const pdy = at(dy, ((b * oh + y) * ow + xo) * c);
        for (let iy = yLo; iy < yHi; iy++) {
          for (let ix = xLo; ix < xHi; ix++) {
            const pdx = at(dx, ((b * h + iy) * w + ix) * c);
            let c0 = 0;
            for (; c0 + 4 <= c; c0 += 4) {
              const d = at(pdx, c0);
              v128.store(d, f32x4.add(v128.load(d), f32x4.mul(v128.load(at(pdy, c0)), vscale)));
            }
            for (; c0 < c; c0++) {
              const d = at(pdx, c0);
              store<f32>(d, load<f32>(d) + load<f32>(at(pdy, c0)) * scale);
            }
          }
        }
      }
    }
  }
}
