/**
 * TensorFlow Lite Micro's integer requantisation, bit for bit: the one rounding helper of
 * the studio's int8 reference. TFLM (reference kernels and CMSIS-NN alike) rounds twice by
 * default, as gemmlowp does (tensorflow/lite/kernels/internal/common.h,
 * MultiplyByQuantizedMultiplier without TFLITE_SINGLE_ROUNDING):
 *   1. SaturatingRoundingDoublingHighMul(x · 2^left, M): the high 32 bits of 2·x·M, rounded
 *      half away from zero;
 *   2. RoundingDivideByPOT(·, right): an arithmetic right shift rounded half away from zero.
 * XNNPACK (the browser's TFLite interpreter) rounds once instead, so it can differ by one LSB.
 *
 * Everything is exact in doubles: int32 × int32 products are split into 16-bit halves.
 */

const TWO_16 = 65536;
const TWO_15 = 32768;
const TWO_31 = 2147483648;
const INT32_MIN = -TWO_31;
const INT32_MAX = TWO_31 - 1;

/**
 * gemmlowp's SaturatingRoundingDoublingHighMul for int32 a, b: (a·b + nudge) / 2^31 with
 * C++'s truncating division, nudge = 2^30 for a·b ≥ 0 and 1 − 2^30 otherwise.
 */
export function saturatingRoundingDoublingHighMul(a: number, b: number): number {
  if (a === INT32_MIN && b === INT32_MIN) return INT32_MAX;
  const bHi = Math.floor(b / TWO_16);
  const bLo = b - bHi * TWO_16;
  const p1 = a * bHi; // |p1| < 2^46
  const p2 = a * bLo; // |p2| < 2^47
  // a·b = p1·2^16 + p2; its sign decides the nudge.
  const negative = p1 < 0 ? p1 * TWO_16 + p2 < 0 : p1 === 0 ? p2 < 0 : false;
  const nudge = negative ? 1 - 2 ** 30 : 2 ** 30;
  // total = p1·2^16 + p2 + nudge = q1·2^31 + s with q1 = floor(p1 / 2^15).
  const q1 = Math.floor(p1 / TWO_15);
  const s = (p1 - q1 * TWO_15) * TWO_16 + p2 + nudge;
  const floorQ = q1 + Math.floor(s / TWO_31);
  const remainder = s - Math.floor(s / TWO_31) * TWO_31;
  return floorQ < 0 && remainder !== 0 ? floorQ + 1 : floorQ;
}

/** gemmlowp's RoundingDivideByPOT: x / 2^exponent, rounded half away from zero. */
export function roundingDivideByPOT(x: number, exponent: number): number {
  if (exponent === 0) return x;
  const divisor = 2 ** exponent;
  const floored = Math.floor(x / divisor);
  const remainder = x - floored * divisor;
  const threshold = Math.floor((divisor - 1) / 2) + (x < 0 ? 1 : 0);
  return floored + (remainder > threshold ? 1 : 0);
}

/**
 * TFLM's MultiplyByQuantizedMultiplier(x, M, shift): x · M · 2^(shift − 31), double rounding.
 * The multiplier and shift come from `quantizeMultiplier` (TFLite's QuantizeMultiplier).
 */
export function multiplyByQuantizedMultiplier(
  x: number,
  multiplier: number,
  shift: number,
): number {
  const left = shift > 0 ? shift : 0;
  const right = shift > 0 ? 0 : -shift;
  return roundingDivideByPOT(saturatingRoundingDoublingHighMul(x * 2 ** left, multiplier), right);
}

/** TFLite's QuantizeMultiplier: real = multiplier · 2^(shift − 31), multiplier in [2^30, 2^31). */
export function quantizeMultiplier(real: number): { multiplier: number; shift: number } {
  if (!(real > 0)) return { multiplier: 0, shift: 0 };
  let shift = Math.floor(Math.log2(real)) + 1;
  let q = real / 2 ** shift;
  // Math.log2 can be off by one ulp near powers of two: bring q into [0.5, 1) as frexp does.
  if (q >= 1) {
    q /= 2;
    shift++;
  } else if (q < 0.5) {
    q *= 2;
    shift--;
  }
  let multiplier = Math.round(q * TWO_31);
  if (multiplier === TWO_31) {
    multiplier /= 2;
    shift++;
  }
  if (shift < -31) return { multiplier: 0, shift: 0 };
  return { multiplier, shift };
}
