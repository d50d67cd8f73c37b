/**
 * The studio's int8 reference interpreter: runs a QuantizedModel with the integer arithmetic
 * of TensorFlow Lite Micro's kernels (reference kernels and CMSIS-NN give the same bytes), so
 * the "after int8" figures describe the firmware. Requantisation rounds twice, as TFLM's
 * default build does (int8Arithmetic.ts). Per operator:
 * - CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED: int32 accumulation of (x − z_in)·w + bias,
 *   MultiplyByQuantizedMultiplier with M = s_in·s_w / s_out per channel, + z_out, clamp;
 * - ADD: both inputs shifted left by 20 and rescaled to twice the larger input scale, summed,
 *   rescaled to the output (add_common.cc, arm_elementwise_add_s8);
 * - MEAN over H, W: the int32 sum, with 1/count folded into the multiplier
 *   (reference_ops::QuantizedMeanOrSum);
 * - RELU: requantised from input to output parameters; RELU6 clamps in its input's domain;
 * - AVERAGE_POOL_2D: rounded integer mean; MAX_POOL_2D, RESHAPE, CONCATENATION: copies;
 * - SOFTMAX: CMSIS-NN's fixed-point arm_softmax_s8 (int8Softmax.ts).
 */
import { multiplyByQuantizedMultiplier, quantizeMultiplier } from './int8Arithmetic';
import { softmaxInt8 } from './int8Softmax';
import { ExportError, sizeOf, type ExportableModel } from './model';
import {
  activationRange,
  clampInt8,
  roundHalfAway,
  type QuantOp,
  type QuantTensor,
  type QuantizedModel,
  type TensorQuantParams,
} from './quantize';
import {
  argmaxRows,
  forEachPoolWindow,
  forEachWindow,
  runFloat,
  type WindowGeometry,
} from './reference';

const f32 = Math.fround;

/** Float model input → int8 with the model's input parameters (rounded, clamped). */
export function quantizeInput(model: QuantizedModel, x: ArrayLike<number>): Int8Array {
  const { scale, zeroPoint } = model.input;
  return Int8Array.from({ length: x.length }, (_, i) =>
    clampInt8(roundHalfAway(x[i] / scale) + zeroPoint),
  );
}

/** int8 values → float with the given parameters. */
export function dequantize(q: ArrayLike<number>, p: TensorQuantParams): Float32Array {
  return Float32Array.from({ length: q.length }, (_, i) => p.scale * (q[i] - p.zeroPoint));
}

function paramsOf(t: QuantTensor): TensorQuantParams {
  return { scale: (t.scale as number[])[0], zeroPoint: (t.zeroPoint as number[])[0] };
}

export interface Int8RunOptions {
  /** Called with every activation tensor (index in the .tflite) of sample 0. */
  onTensor?: (tensorIndex: number, values: Int8Array) => void;
}

/** Integer inference of a QuantizedModel on `batch` int8 inputs, as TFLite Micro computes it. */
export function runInt8(
  model: QuantizedModel,
  input: Int8Array,
  batch: number,
  options: Int8RunOptions = {},
): Int8Array {
  const inSize = sizeOf(model.input.shape);
  const outSize = sizeOf(model.output.shape);
  if (input.length !== batch * inSize) {
    throw new ExportError(`runInt8: input has ${input.length} values, expected ${batch * inSize}.`);
  }
  const kernels = model.operators.map((op) => prepareOperator(model, op));
  const result = new Int8Array(batch * outSize);
  for (let b = 0; b < batch; b++) {
    const values = new Map<number, Int8Array>();
    const sample = input.subarray(b * inSize, (b + 1) * inSize);
    values.set(model.inputTensor, sample);
    if (b === 0) options.onTensor?.(model.inputTensor, sample);
    model.operators.forEach((op, k) => {
      const out = kernels[k](values);
      values.set(op.outputs[0], out);
      if (b === 0) options.onTensor?.(op.outputs[0], out);
    });
    result.set(values.get(model.outputTensor) as Int8Array, b * outSize);
  }
  return result;
}

type Kernel = (values: Map<number, Int8Array>) => Int8Array;

/** Computes an operator's constants once (as a kernel's Prepare does) and returns its Eval. */
function prepareOperator(model: QuantizedModel, op: QuantOp): Kernel {
  const t = model.tensors;
  const inT = t[op.inputs[0]];
  const outT = t[op.outputs[0]];
  const inP = paramsOf(inT);
  const outP = paramsOf(outT);
  const outSize = sizeOf(outT.shape);
  const [actLo, actHi] = activationRange(op.activation, outP);
  const clampAct = (v: number): number => (v < actLo ? actLo : v > actHi ? actHi : v);
  const input = (values: Map<number, Int8Array>): Int8Array =>
    values.get(op.inputs[0]) as Int8Array;
  switch (op.kind) {
    case 'CONV_2D':
    case 'DEPTHWISE_CONV_2D':
    case 'FULLY_CONNECTED':
      return weightedKernel(model, op, clampAct);
    case 'MAX_POOL_2D':
    case 'AVERAGE_POOL_2D':
      return (values) => pool(op, inT, outT, input(values), clampAct);
    case 'MEAN': {
      const c = outT.shape[outT.shape.length - 1];
      const positions = sizeOf(inT.shape) / c;
      const { multiplier, shift } = meanMultiplier(inP.scale / outP.scale, positions);
      return (values) => {
        const x = input(values);
        const out = new Int8Array(outSize);
        for (let ch = 0; ch < c; ch++) {
          let sum = 0;
          for (let p = 0; p < positions; p++) sum += x[p * c + ch];
          const shifted = sum - inP.zeroPoint * positions;
          out[ch] = clampInt8(
            multiplyByQuantizedMultiplier(shifted, multiplier, shift) + outP.zeroPoint,
          );
        }
        return out;
      };
    }
    case 'ADD':
      return addKernel(model, op, clampAct);
    case 'RELU': {
      // activations_common.cc: the multiplier is s_in / s_out computed in float32.
      const { multiplier, shift } = quantizeMultiplier(f32(inP.scale / outP.scale));
      return (values) => {
        const x = input(values);
        const out = new Int8Array(outSize);
        for (let i = 0; i < out.length; i++) {
          const v =
            outP.zeroPoint + multiplyByQuantizedMultiplier(x[i] - inP.zeroPoint, multiplier, shift);
          out[i] = clampAct(v);
        }
        return out;
      };
    }
    case 'RELU6': {
      // TFLM's Relu6Quantized clamps to [z_in, quantise(6)] with the input's parameters.
      const zero = inP.zeroPoint;
      const six = clampInt8(roundHalfAway(f32(6 / inP.scale)) + inP.zeroPoint);
      return (values) => {
        const x = input(values);
        const out = new Int8Array(outSize);
        for (let i = 0; i < out.length; i++) out[i] = x[i] < zero ? zero : x[i] > six ? six : x[i];
        return out;
      };
    }
    case 'RESHAPE':
      return (values) => Int8Array.from(input(values));
    case 'CONCATENATION':
      return (values) => concat(model, op, outT, values);
    case 'SOFTMAX': {
      const c = outT.shape[outT.shape.length - 1];
      const prepared = softmaxInt8(inP.scale, c);
      return (values) => prepared(input(values));
    }
  }
}

/** reference_ops::QuantizedMeanOrSum: 1/count folded into the multiplier. */
function meanMultiplier(real: number, count: number): { multiplier: number; shift: number } {
  const base = quantizeMultiplier(real);
  // 63 − CountLeadingZeros(count) = floor(log2(count)), then clamped as TFLM does.
  let shift = 0;
  while (2 ** (shift + 1) <= count) shift++;
  shift = Math.min(shift, 32, 31 + base.shift);
  // int64 (multiplier << shift) / count, truncated: exact in BigInt.
  const multiplier = Number((BigInt(base.multiplier) << BigInt(shift)) / BigInt(count));
  return { multiplier, shift: base.shift - shift };
}

function weightedKernel(
  model: QuantizedModel,
  op: QuantOp,
  clampAct: (v: number) => number,
): Kernel {
  const t = model.tensors;
  const inT = t[op.inputs[0]];
  const outT = t[op.outputs[0]];
  const inP = paramsOf(inT);
  const outP = paramsOf(outT);
  const wT = t[op.inputs[1]];
  const bT = t[op.inputs[2]];
  const w = wT.data as Int8Array;
  const bias = bT.data as Int32Array;
  const cout = bias.length;
  const ws = wT.scale as number[];
  const mults = Array.from({ length: cout }, (_, c) =>
    quantizeMultiplier((inP.scale * ws[ws.length === 1 ? 0 : c]) / outP.scale),
  );
  const finish = (acc: number, c: number): number =>
    clampAct(
      multiplyByQuantizedMultiplier(acc, mults[c].multiplier, mults[c].shift) + outP.zeroPoint,
    );
  const outSize = sizeOf(outT.shape);
  if (op.kind === 'FULLY_CONNECTED') {
    return (values) => {
      const x = values.get(op.inputs[0]) as Int8Array;
      const out = new Int8Array(outSize);
      const nIn = x.length;
      for (let o = 0; o < cout; o++) {
        let acc = bias[o];
        for (let i = 0; i < nIn; i++) acc += (x[i] - inP.zeroPoint) * w[o * nIn + i];
        out[o] = finish(acc, o);
      }
      return out;
    };
  }
  const [, h, wd, cin] = inT.shape;
  const [, oh, ow] = outT.shape;
  const [kh, kw] = op.kernelSize as readonly [number, number];
  const geometry: WindowGeometry = {
    input: [h, wd],
    output: [oh, ow],
    window: [kh, kw],
    strides: op.strides as readonly [number, number],
    padding: op.padding as 'same' | 'valid',
  };
  const depthwise = op.kind === 'DEPTHWISE_CONV_2D';
  const spatial = kh * kw * cin;
  return (values) => {
    const x = values.get(op.inputs[0]) as Int8Array;
    const out = new Int8Array(outSize);
    const acc = new Float64Array(cout);
    forEachWindow(geometry, {
      start: () => {
        for (let c = 0; c < cout; c++) acc[c] = bias[c];
      },
      tap: (inPixel, tapIndex) => {
        const xBase = inPixel * cin;
        if (depthwise) {
          const wBase = tapIndex * cout;
          for (let c = 0; c < cout; c++) acc[c] += (x[xBase + c] - inP.zeroPoint) * w[wBase + c];
        } else {
          const wOff = tapIndex * cin;
          for (let c = 0; c < cin; c++) {
            const xv = x[xBase + c] - inP.zeroPoint;
            if (xv === 0) continue;
            for (let o = 0; o < cout; o++) acc[o] += xv * w[o * spatial + wOff + c];
          }
        }
      },
      end: (outPixel) => {
        const base = outPixel * cout;
        for (let c = 0; c < cout; c++) out[base + c] = finish(acc[c], c);
      },
    });
    return out;
  };
}

function pool(
  op: QuantOp,
  inT: QuantTensor,
  outT: QuantTensor,
  x: Int8Array,
  clampAct: (v: number) => number,
): Int8Array {
  const out = new Int8Array(sizeOf(outT.shape));
  const geometry: WindowGeometry = {
    input: inT.shape.slice(1),
    output: outT.shape.slice(1),
    window: op.kernelSize as readonly [number, number],
    strides: op.strides as readonly [number, number],
    padding: op.padding as 'same' | 'valid',
  };
  forEachPoolWindow(x, geometry, (i, max, sum, count) => {
    // Integer mean rounded half away from zero, with C's truncating division.
    const half = Math.floor(count / 2);
    const avg = sum > 0 ? Math.trunc((sum + half) / count) : Math.trunc((sum - half) / count);
    out[i] = clampAct(op.kind === 'MAX_POOL_2D' ? max : avg);
  });
  return out;
}

/** add_common.cc's CalculateOpDataAdd and the int8 add kernel (left shift 20). */
function addKernel(model: QuantizedModel, op: QuantOp, clampAct: (v: number) => number): Kernel {
  const t = model.tensors;
  const outT = t[op.outputs[0]];
  const outP = paramsOf(outT);
  const [p1, p2] = op.inputs.map((i) => paramsOf(t[i]));
  const leftShift = 20;
  const twiceMax = 2 * Math.max(p1.scale, p2.scale);
  const m1 = quantizeMultiplier(p1.scale / twiceMax);
  const m2 = quantizeMultiplier(p2.scale / twiceMax);
  const mOut = quantizeMultiplier(twiceMax / (2 ** leftShift * outP.scale));
  const outSize = sizeOf(outT.shape);
  return (values) => {
    const a = values.get(op.inputs[0]) as Int8Array;
    const b = values.get(op.inputs[1]) as Int8Array;
    const out = new Int8Array(outSize);
    for (let i = 0; i < out.length; i++) {
      const s1 = multiplyByQuantizedMultiplier(
        (a[i] - p1.zeroPoint) * 2 ** leftShift,
        m1.multiplier,
        m1.shift,
      );
      const s2 = multiplyByQuantizedMultiplier(
        (b[i] - p2.zeroPoint) * 2 ** leftShift,
        m2.multiplier,
        m2.shift,
      );
      const raw =
        multiplyByQuantizedMultiplier(s1 + s2, mOut.multiplier, mOut.shift) + outP.zeroPoint;
      out[i] = clampAct(raw);
    }
    return out;
  };
}

/** TFLM's int8 concatenation copies: the exporter gives every input the output's parameters. */
function concat(
  model: QuantizedModel,
  op: QuantOp,
  outT: QuantTensor,
  values: Map<number, Int8Array>,
): Int8Array {
  const out = new Int8Array(sizeOf(outT.shape));
  const c = outT.shape[outT.shape.length - 1];
  const positions = out.length / c;
  let offset = 0;
  for (const i of op.inputs) {
    const v = values.get(i) as Int8Array;
    const ci = model.tensors[i].shape[model.tensors[i].shape.length - 1];
    for (let pos = 0; pos < positions; pos++) {
      for (let ch = 0; ch < ci; ch++) out[pos * c + offset + ch] = v[pos * ci + ch];
    }
    offset += ci;
  }
  return out;
}

export interface QuantisationReport {
  /** Fraction of samples whose int8 top-1 class equals the float model's. */
  top1Agreement: number;
  /** Max |dequantised int8 output − float output|. */
  maxAbsError: number;
  meanAbsError: number;
  /** Accuracy against labels, when given. */
  floatAccuracy?: number;
  int8Accuracy?: number;
}

/** Runs float and int8 references on the same inputs and compares them. */
export function compareInt8WithFloat(
  model: ExportableModel,
  quantized: QuantizedModel,
  inputs: Float32Array,
  count: number,
  labels?: ArrayLike<number>,
): QuantisationReport {
  const float = runFloat(model, inputs, count);
  const q = runInt8(quantized, quantizeInput(quantized, inputs), count);
  const deq = dequantize(q, quantized.output);
  const width = sizeOf(quantized.output.shape);
  const topF = argmaxRows(float, width);
  const topQ = argmaxRows(q, width);
  let agree = 0;
  let maxAbs = 0;
  let sumAbs = 0;
  for (let i = 0; i < count; i++) if (topF[i] === topQ[i]) agree++;
  for (let i = 0; i < float.length; i++) {
    const d = Math.abs(float[i] - deq[i]);
    maxAbs = Math.max(maxAbs, d);
    sumAbs += d;
  }
  const report: QuantisationReport = {
    top1Agreement: agree / count,
    maxAbsError: maxAbs,
    meanAbsError: sumAbs / float.length,
  };
  if (labels) {
    let fc = 0;
    let qc = 0;
    for (let i = 0; i < count; i++) {
      if (topF[i] === labels[i]) fc++;
      if (topQ[i] === labels[i]) qc++;
    }
    report.floatAccuracy = fc / count;
    report.int8Accuracy = qc / count;
  }
  return report;
}
