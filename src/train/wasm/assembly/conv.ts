// Backward passes of a 2-D convolution, NHWC input, HWIO filter [FH, FW, Ci, Co], dilation 1.
// Forward: y[n, oh, ow, co] = Σ_{kh, kw, ci} x[n, oh·SH − PT + kh, ow·SW − PL + kw, ci] · w[kh, kw, ci, co]
// (PT, PL: top and left padding as tfjs computes them, so TF's asymmetric 'same' is covered).

import { at, copyFloats, endValidOut, firstValidOut, madd, zeroFloats } from './memory';
import { gemmAB, gemmAtB } from './gemm';

/** Rows of the im2col matrix built at a time: keeps a chunk of it and of dy in L2. */
function filterChunkRows(kPadded: i32, coPadded: i32): i32 {
  let rows = 32768 / (kPadded + coPadded);
  if (rows < 16) rows = 16;
  if (rows > 1024) rows = 1024;
  return rows;
}

/** Scratch bytes conv2dBackpropFilter needs. */
export function conv2dBackpropFilterScratch(fh: i32, fw: i32, ci: i32, co: i32): i32 {
  const kp = (fh * fw * ci + 3) & ~3;
  const cop = (co + 7) & ~7;
  const rows = filterChunkRows(kp, cop);
  return (rows * kp + rows * cop + kp * cop) * 4 + 64;
}

/** Writes rows [m0, m0 + count) of the im2col matrix (row = output pixel, column = (kh, kw, ci)). */
function im2colRows(
  x: usize,
  col: usize,
  ldc: i32,
  m0: i32,
  count: i32,
  h: i32,
  w: i32,
  ci: i32,
  oh: i32,
  ow: i32,
  fh: i32,
  fw: i32,
  sh: i32,
  sw: i32,
  pt: i32,
  pl: i32,
): void {
  const k = fh * fw * ci;
  const plane = oh * ow;
  let n = m0 / plane;
  let r = m0 - n * plane;
  let oy = r / ow;
  let ox = r - oy * ow;
  for (let m = 0; m < count; m++) {
    const row = at(col, m * ldc);
    const iy0 = oy * sh - pt;
    const ix0 = ox * sw - pl;
    const imageBase = n * h;
    for (let kh = 0; kh < fh; kh++) {
      const iy = iy0 + kh;
      const dst = at(row, kh * fw * ci);
      if (iy < 0 || iy >= h) {
        zeroFloats(dst, fw * ci);
        continue;
      }
      const src = at(x, ((imageBase + iy) * w + ix0) * ci);
      if (ix0 >= 0 && ix0 + fw <= w) {
        copyFloats(dst, src, fw * ci);
      } else {
        for (let kw = 0; kw < fw; kw++) {
          const ix = ix0 + kw;
          if (ix < 0 || ix >= w) zeroFloats(at(dst, kw * ci), ci);
          else copyFloats(at(dst, kw * ci), at(src, kw * ci), ci);
        }
      }
    }
    for (let j = k; j < ldc; j++) store<f32>(at(row, j), 0);
    ox++;
    if (ox == ow) {
      ox = 0;
      oy++;
      if (oy == oh) {
        oy = 0;
        n++;
      }
    }
  }
}

/**
 * dw[kh, kw, ci, co] = Σ_{n, oh, ow} x[n, ih, iw, ci] · dy[n, oh, ow, co]:
 * im2colᵀ · dy, built and multiplied a chunk of output pixels at a time.
 */
export function conv2dBackpropFilter(
  x: usize,
  dy: usize,
  dw: usize,
  scratch: usize,
  n: i32,
  h: i32,
  w: i32,
  ci: i32,
  oh: i32,
  ow: i32,
  co: i32,
  fh: i32,
  fw: i32,
  sh: i32,
  sw: i32,
  pt: i32,
  pl: i32,
): void {
  const k = fh * fw * ci;
  const kp = (k + 3) & ~3;
  const cop = (co + 7) & ~7;
  const chunk = filterChunkRows(kp, cop);
  const col = scratch;
  const dyPadded = at(col, chunk * kp);
  const acc = at(dyPadded, chunk * cop);
  zeroFloats(acc, kp * cop);
  const m = n * oh * ow;
  for (let m0 = 0; m0 < m; m0 += chunk) {
    const count = m - m0 < chunk ? m - m0 : chunk;
    im2colRows(x, col, kp, m0, count, h, w, ci, oh, ow, fh, fw, sh, sw, pt, pl);
    let b = at(dy, m0 * co);
    if (cop != co) {
      for (let r = 0; r < count; r++) {
        const dst = at(dyPadded, r * cop);
        copyFloats(dst, at(b, r * co), co);
        for (let j = co; j < cop; j++) store<f32>(at(dst, j), 0);
      }
      b = dyPadded;
    }
    gemmAtB(col, kp, b, cop, acc, cop, count, kp, cop);
  }
  for (let r = 0; r < k; r++) copyFloats(at(dw, r * co), at(acc, r * cop), co);
}

/** Input channels below which conv2dBackpropInput takes the GEMM + col2im path. */
const FEW_CHANNELS = 8;
/** Output pixels per chunk of the col2im path. */
const COL_CHUNK_ROWS = 256;

/** Scratch bytes conv2dBackpropInput needs. */
export function conv2dBackpropInputScratch(fh: i32, fw: i32, ci: i32, co: i32): i32 {
  if (ci < FEW_CHANNELS) {
    const kp = (fh * fw * ci + 7) & ~7;
    return (co * kp + COL_CHUNK_ROWS * kp) * 4 + 64;
  }
  const cip = (ci + 7) & ~7;
  return (fh * fw * co * cip + 32) * 4 + 64;
}

/**
 * conv2dBackpropInput for few input channels (e.g. a network's first layer, whose input
 * gradient tfjs's fused conv computes anyway): dcol = dy · wᵀ (pixels × FH·FW·Ci, a GEMM whose
 * columns are all taps and channels), then each row is added into the dx pixels it came from.
 */
function conv2dBackpropInputFewChannels(
  dy: usize,
  wgt: usize,
  dx: usize,
  scratch: usize,
  n: i32,
  h: i32,
  w: i32,
  ci: i32,
  oh: i32,
  ow: i32,
  co: i32,
  fh: i32,
  fw: i32,
  sh: i32,
  sw: i32,
  pt: i32,
  pl: i32,
): void {
  const k = fh * fw * ci;
  const kp = (k + 7) & ~7;
  // wt[co][k] = w[k][co], k padded to kp with zeros.
  const wt = scratch;
  const col = at(wt, co * kp);
  for (let o = 0; o < co; o++) {
    const dst = at(wt, o * kp);
    for (let j = 0; j < k; j++) store<f32>(at(dst, j), load<f32>(at(wgt, j * co + o)));
    for (let j = k; j < kp; j++) store<f32>(at(dst, j), 0);
  }
  zeroFloats(dx, n * h * w * ci);
  const m = n * oh * ow;
  const plane = oh * ow;
  for (let m0 = 0; m0 < m; m0 += COL_CHUNK_ROWS) {
    const count = m - m0 < COL_CHUNK_ROWS ? m - m0 : COL_CHUNK_ROWS;
    gemmAB(at(dy, m0 * co), co, wt, kp, col, kp, count, co, kp);
    for (let r = 0; r < count; r++) {
      const pix = m0 + r;
      const b = pix / plane;
      const rest = pix - b * plane;
      const y = rest / ow;
      const x = rest - y * ow;
      const row = at(col, r * kp);
      for (let kh = 0; kh < fh; kh++) {
        const iy = y * sh - pt + kh;
        if (iy < 0 || iy >= h) continue;
        for (let kw = 0; kw < fw; kw++) {
          const ix = x * sw - pl + kw;
          if (ix < 0 || ix >= w) continue;
          const dst = at(dx, ((b * h + iy) * w + ix) * ci);
          const src = at(row, (kh * fw + kw) * ci);
          for (let c = 0; c < ci; c++) {
            store<f32>(at(dst, c), load<f32>(at(dst, c)) + load<f32>(at(src, c)));
          }
        }
      }
    }
  }
}

/**
 * Adds Σ_p dy[r, p] · wt[p, 0..8) to dx rows r < rows, lanes < width: the general
 * (edge) case of the 4 × 8 tile in conv2dBackpropInput, one row at a time.
 */
function scatterEdgeTile(
  pdy: usize,
  co: i32,
  pw: usize,
  cip: i32,
  pdx: usize,
  dxStep: usize,
  rows: i32,
  width: i32,
  tmp: usize,
): void {
  const wStep = (<usize>cip) << 2;
  for (let r = 0; r < rows; r++) {
    let acc0 = f32x4.splat(0);
    let acc1 = f32x4.splat(0);
    let pa = pdy + ((<usize>(r * co)) << 2);
    let pb = pw;
    for (let p = 0; p < co; p++) {
      const a = v128.load32_splat(pa);
      acc0 = madd(a, v128.load(pb), acc0);
      acc1 = madd(a, v128.load(pb, 16), acc1);
      pa += 4;
      pb += wStep;
    }
    v128.store(tmp, acc0);
    v128.store(tmp, acc1, 16);
    const dst = pdx + <usize>r * dxStep;
    for (let j = 0; j < width; j++) {
      store<f32>(at(dst, j), load<f32>(at(dst, j)) + load<f32>(at(tmp, j)));
    }
  }
}

/**
 * dx[n, ih, iw, ci] = Σ dy[n, oh, ow, co] · w[kh, kw, ci, co] over the taps that reach (ih, iw).
 * For each tap (kh, kw) this is a GEMM dy (pixels × Co) · w[kh, kw]ᵀ (Co × Ci) whose rows are
 * added into the dx pixels the tap reaches; no col2im buffer is needed.
 */
export function conv2dBackpropInput(
  dy: usize,
  wgt: usize,
  dx: usize,
  scratch: usize,
  n: i32,
  h: i32,
  w: i32,
  ci: i32,
  oh: i32,
  ow: i32,
  co: i32,
  fh: i32,
  fw: i32,
  sh: i32,
  sw: i32,
  pt: i32,
  pl: i32,
): void {
  if (ci < FEW_CHANNELS) {
    conv2dBackpropInputFewChannels(
      dy,
      wgt,
      dx,
      scratch,
      n,
      h,
      w,
      ci,
      oh,
      ow,
      co,
      fh,
      fw,
      sh,
      sw,
      pt,
      pl,
    );
    return;
  }
  const cip = (ci + 7) & ~7;
  const taps = fh * fw;
  // wt[tap][co][ci], ci padded to a multiple of 8 with zeros.
  const wt = scratch;
  const tmp = at(wt, taps * co * cip);
  for (let t = 0; t < taps; t++) {
    for (let o = 0; o < co; o++) {
      const dst = at(wt, (t * co + o) * cip);
      for (let i = 0; i < ci; i++) {
        store<f32>(at(dst, i), load<f32>(at(wgt, (t * ci + i) * co + o)));
      }
      for (let i = ci; i < cip; i++) store<f32>(at(dst, i), 0);
    }
  }
  zeroFloats(dx, n * h * w * ci);
  const dyRowStep = (<usize>co) << 2;
  const dxStep = (<usize>(sw * ci)) << 2;
  const wStep = (<usize>cip) << 2;
  const ciFull = ci & ~7;
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
      const dyRow = at(dy, (b * oh + y) * ow * co);
      for (let kh = 0; kh < fh; kh++) {
        const iy = y * sh - pt + kh;
        if (iy < 0 || iy >= h) continue;
        const dxRow = at(dx, (b * h + iy) * w * ci);
        for (let kw = 0; kw < fw; kw++) {
          const xLo = firstValidOut(pl, kw, sw);
          const xHi = endValidOut(w, pl, kw, sw, ow);
          const wTap = at(wt, (kh * fw + kw) * co * cip);
          let x = xLo;
          for (; x < xHi; x += 4) {
            const rows = xHi - x < 4 ? xHi - x : 4;
            const pdy = at(dyRow, x * co);
            const pdx = at(dxRow, (x * sw - pl + kw) * ci);
            if (rows == 4) {
              for (let c0 = 0; c0 < ciFull; c0 += 8) {
                let acc00 = f32x4.splat(0);
                let acc01 = f32x4.splat(0);
                let acc10 = f32x4.splat(0);
                let acc11 = f32x4.splat(0);
                let acc20 = f32x4.splat(0);
                let acc21 = f32x4.splat(0);
                let acc30 = f32x4.splat(0);
                let acc31 = f32x4.splat(0);
                let pa = pdy;
                let pb = at(wTap, c0);
                for (let p = 0; p < co; p++) {
                  const b0 = v128.load(pb);
                  const b1 = v128.load(pb, 16);
                  let s = v128.load32_splat(pa);
                  acc00 = madd(s, b0, acc00);
                  acc01 = madd(s, b1, acc01);
                  s = v128.load32_splat(pa + dyRowStep);
                  acc10 = madd(s, b0, acc10);
                  acc11 = madd(s, b1, acc11);
                  s = v128.load32_splat(pa + 2 * dyRowStep);
                  acc20 = madd(s, b0, acc20);
                  acc21 = madd(s, b1, acc21);
                  s = v128.load32_splat(pa + 3 * dyRowStep);
                  acc30 = madd(s, b0, acc30);
                  acc31 = madd(s, b1, acc31);
                  pa += 4;
                  pb += wStep;
                }
                const d0 = at(pdx, c0);
                const d1 = d0 + dxStep;
                const d2 = d1 + dxStep;
                const d3 = d2 + dxStep;
                v128.store(d0, f32x4.add(v128.load(d0), acc00));
                v128.store(d0, f32x4.add(v128.load(d0, 16), acc01), 16);
                v128.store(d1, f32x4.add(v128.load(d1), acc10));
                v128.store(d1, f32x4.add(v128.load(d1, 16), acc11), 16);
                v128.store(d2, f32x4.add(v128.load(d2), acc20));
                v128.store(d2, f32x4.add(v128.load(d2, 16), acc21), 16);
                v128.store(d3, f32x4.add(v128.load(d3), acc30));
                v128.store(d3, f32x4.add(v128.load(d3, 16), acc31), 16);
              }
              if (ciFull < ci) {
                scatterEdgeTile(
                  pdy,
                  co,
                  at(wTap, ciFull),
                  cip,
                  at(pdx, ciFull),
                  dxStep,
                  4,
                  ci - ciFull,
                  tmp,
                );
              }
            } else {
              for (let c0 = 0; c0 < ci; c0 += 8) {
                const width = ci - c0 < 8 ? ci - c0 : 8;
                scatterEdgeTile(pdy, co, at(wTap, c0), cip, at(pdx, c0), dxStep, rows, width, tmp);
              }
            }
          }
        }
      }
    }
  }
}

/** Scratch bytes conv2dForward needs: the padded filter, a chunk of im2col rows and of output. */
export function conv2dForwardScratch(fh: i32, fw: i32, ci: i32, co: i32): i32 {
  const k = fh * fw * ci;
  const cop = (co + 7) & ~7;
  const rows = filterChunkRows(k, cop);
  return (k * cop + rows * k + rows * cop) * 4 + 64;
}

/**
 * y[n, oh, ow, co] = Σ_{kh, kw, ci} x[n, ih, iw, ci] · w[kh, kw, ci, co]: im2col · w, a chunk
 * of output pixels at a time (a 1×1 stride-1 unpadded conv multiplies x itself).
 */
export function conv2dForward(
  x: usize,
  wt: usize,
  y: usize,
  scratch: usize,
  n: i32,
  h: i32,
  w: i32,
  ci: i32,
  oh: i32,
  ow: i32,
  co: i32,
  fh: i32,
  fw: i32,
  sh: i32,
  sw: i32,
  pt: i32,
  pl: i32,
): void {
  const k = fh * fw * ci;
  const cop = (co + 7) & ~7;
  const chunk = filterChunkRows(k, cop);
  // The filter as [k, cop], zero-padded columns (gemmAB takes a multiple of 8).
  let wp = wt;
  const packed = scratch;
  if (cop != co) {
    wp = packed;
    for (let r = 0; r < k; r++) {
      const row = at(packed, r * cop);
      copyFloats(row, at(wt, r * co), co);
      for (let j = co; j < cop; j++) store<f32>(at(row, j), 0);
    }
  }
  const col = at(packed, k * cop);
  const outChunk = at(col, chunk * k);
  const m = n * oh * ow;
  const direct = fh == 1 && fw == 1 && sh == 1 && sw == 1 && pt == 0 && pl == 0;
  for (let m0 = 0; m0 < m; m0 += chunk) {
    const count = m - m0 < chunk ? m - m0 : chunk;
    let a = at(x, m0 * ci);
    if (!direct) {
      im2colRows(x, col, k, m0, count, h, w, ci, oh, ow, fh, fw, sh, sw, pt, pl);
      a = col;
    }
    if (cop == co) {
      gemmAB(a, k, wp, cop, at(y, m0 * co), co, count, k, cop);
    } else {
      gemmAB(a, k, wp, cop, outChunk, cop, count, k, cop);
      for (let r = 0; r < count; r++) copyFloats(at(y, (m0 + r) * co), at(outChunk, r * cop), co);
    }
  }
}
