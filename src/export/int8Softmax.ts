/**
 * int8 SOFTMAX exactly as TFLite Micro computes it (the CMSIS-NN kernel arm_softmax_s8 and
 * TFLM's reference kernel give the same bytes): fixed-point exp of the scaled differences to
 * the row maximum, a fixed-point reciprocal of their sum, output scale 1/256, zero point −128.
 * Parameters as TFLM's Prepare computes them: PreprocessSoftmaxScaling with β = 1 and 5
 * integer bits for the scaled difference, diff_min from CalculateInputRadius.
 */
import {
  quantizeMultiplier,
  roundingDivideByPOT,
  saturatingRoundingDoublingHighMul as mulSat,
} from './int8Arithmetic';

const Q31_MAX = 2147483647;
const Q31_MIN = -2147483648;
const ACCUM_BITS = 12;
const SCALED_DIFF_INTEGER_BITS = 5;

/** Two's-complement wrap of an integer to int32. */
function wrap32(v: number): number {
  return (((v % 4294967296) + 4294967296 + 2147483648) % 4294967296) - 2147483648;
}

/** arm_nn_mult_by_power_of_two: val · 2^exp, saturated. */
function mulPow2(val: number, exp: number): number {
  const threshold = 2 ** (31 - exp) - 1;
  if (val > threshold) return Q31_MAX;
  if (val < -threshold) return Q31_MIN;
  return val * 2 ** exp;
}

/** arm_nn_exp_on_negative_values: exp(x) for x ≤ 0 in Q5.26 → Q0.31. */
function expOnNegativeValues(val: number): number {
  const low = val - Math.floor(val / 2 ** 24) * 2 ** 24; // val & (2^24 − 1)
  const valModMinusQuarter = low - 2 ** 24;
  const remainder = valModMinusQuarter - val;
  const x = valModMinusQuarter * 32 + 2 ** 28;
  const x2 = mulSat(x, x);
  const inner = roundingDivideByPOT(mulSat(x2, x2), 2) + mulSat(x2, x);
  let result =
    1895147668 + mulSat(1895147668, x + roundingDivideByPOT(mulSat(inner, 715827883) + x2, 1));
  const factors = [1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242];
  factors.forEach((factor, i) => {
    if (Math.floor(remainder / 2 ** (24 + i)) % 2 === 1) result = mulSat(result, factor);
  });
  return val === 0 ? Q31_MAX : result;
}

/** arm_nn_one_over_one_plus_x_for_x_in_0_1: 1 / (1 + x) for x in Q0.31, Newton–Raphson. */
function oneOverOnePlusX(val: number): number {
  const sum = val + Q31_MAX;
  const halfDenominator = Math.trunc((sum + (sum >= 0 ? 1 : -1)) / 2);
  let x = 1515870810 + mulSat(halfDenominator, -1010580540);
  const one = 2 ** 29;
  for (let i = 0; i < 3; i++) {
    x = wrap32(x + mulPow2(mulSat(x, one - mulSat(halfDenominator, x)), 2));
  }
  return mulPow2(x, 1);
}

function countLeadingZeros32(v: number): number {
  return v <= 0 ? (v === 0 ? 32 : 0) : Math.clz32(v);
}

/** Prepares a softmax over rows of `rowSize` values with input scale `inputScale`. */
export function softmaxInt8(inputScale: number, rowSize: number): (x: Int8Array) => Int8Array {
  const real = Math.min(inputScale * 2 ** (31 - SCALED_DIFF_INTEGER_BITS), 2 ** 31 - 1);
  const { multiplier, shift } = quantizeMultiplier(real);
  const diffMin = -Math.floor(
    ((2 ** SCALED_DIFF_INTEGER_BITS - 1) * 2 ** (31 - SCALED_DIFF_INTEGER_BITS)) / 2 ** shift,
  );
  const mask = 2 ** shift;
  return (x) => {
    const out = new Int8Array(x.length);
    for (let base = 0; base < x.length; base += rowSize) {
      let max = x[base];
      for (let c = 1; c < rowSize; c++) max = Math.max(max, x[base + c]);
      const exps = new Array<number>(rowSize);
      let sum = 0;
      for (let c = 0; c < rowSize; c++) {
        const diff = x[base + c] - max;
        exps[c] = diff >= diffMin ? expOnNegativeValues(mulSat(diff * mask, multiplier)) : 0;
        if (diff >= diffMin) sum += roundingDivideByPOT(exps[c], ACCUM_BITS);
      }
      const headroom = countLeadingZeros32(sum);
      const shifted = sum > 0 ? sum * 2 ** headroom - 2 ** 31 : Q31_MIN;
      const scale = oneOverOnePlusX(shifted);
      const bitsOverUnit = ACCUM_BITS - headroom + 23;
      for (let c = 0; c < rowSize; c++) {
        const diff = x[base + c] - max;
        if (diff >= diffMin) {
          const res = roundingDivideByPOT(mulSat(scale, exps[c]), bitsOverUnit) - 128;
          out[base + c] = res > 127 ? 127 : res < -128 ? -128 : res;
        } else {
          out[base + c] = -128;
        }
      }
    }
    return out;
  };
}
