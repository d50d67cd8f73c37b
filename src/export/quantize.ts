/**
 * Full-integer (int8) quantisation of a lowered model, TFLite conventions:
 * - weights: symmetric int8, zero point 0, scale = max|w| / 127 per output channel (conv and
 *   depthwise always; dense per tensor by default, see `perChannelDense`); every scale > 0;
 * - biases: int32, scale = input scale × weight scale (per channel), zero point 0;
 * - activations: asymmetric int8 from calibrated [min, max] (always including 0);
 *   pooling / reshape / concatenation share their input's parameters, softmax outputs use
 *   scale 1/256, zero point −128 (what the TFLite kernels require).
 * Also a pure-TypeScript int8 inference (single-rounding requantisation, as XNNPACK).
 */
import { tfliteConstantName } from '../core/deployment';
import { lowerModel, type FusedActivation, type LoweredKind, type LoweredOp } from './lower';
import {
  ExportError,
  padBefore,
  requireModel,
  sizeOf,
  type ExportableModel,
  type Shape,
} from './model';
import { argmaxRows, runFloat } from './reference';

export interface QuantTensor {
  name: string;
  /** TFLite shape, batch axis included for activations. */
  shape: number[];
  type: 'int8' | 'int32';
  /** Absent for plain int32 tensors (shape / axis operands). Float32 values. */
  scale?: number[];
  zeroPoint?: number[];
  quantizedDimension?: number;
  /** Constant data (weights, biases, operands); absent for activations. */
  data?: Int8Array | Int32Array;
}

export interface QuantOp {
  kind: LoweredKind;
  nodeIds: string[];
  /** Tensor indices. */
  inputs: number[];
  outputs: number[];
  activation: FusedActivation;
  kernelSize?: readonly [number, number];
  strides?: readonly [number, number];
  padding?: 'same' | 'valid';
}

export interface TensorQuantParams {
  scale: number;
  zeroPoint: number;
}

export interface QuantizedModel {
  name: string;
  tensors: QuantTensor[];
  /** In execution order. */
  operators: QuantOp[];
  inputTensor: number;
  outputTensor: number;
  input: TensorQuantParams & { shape: number[] };
  output: TensorQuantParams & { shape: number[] };
  /** Human-readable problems that did not stop the export (e.g. near-constant activations). */
  warnings: string[];
}

export interface QuantizeOptions {
  /** Model inputs (already normalised), [count, H, W, C]. */
  calibrationInputs: Float32Array;
  calibrationCount: number;
  /**
   * Per-output-channel weight scales for FULLY_CONNECTED too. Off by default: older TFLite
   * and TFLite Micro kernels read only the first scale of a fully-connected filter.
   */
  perChannelDense?: boolean;
  /**
   * 'auto' (default): when the input is uint8 pixels normalised as raw·scale + offset with
   * offset/scale an integer, the input is quantised exactly as int8 = raw − 128.
   * 'calibrate': the input range comes from the calibration inputs like any activation.
   */
  inputQuantisation?: 'auto' | 'calibrate';
}

/** Narrower activation ranges than this are treated as collapsed (constant) and widened. */
export const MIN_ACTIVATION_RANGE = 1e-3;
const INT32_MAX = 2147483647;

const f32 = Math.fround;

/** Asymmetric int8 parameters for a float range (widened to include 0). */
export function quantParamsForRange(min: number, max: number): TensorQuantParams {
  const lo = Math.min(0, min);
  const hi = Math.max(0, max);
  const scale = f32((hi - lo) / 255);
  if (!(scale > 0)) throw new ExportError(`Cannot quantise the collapsed range [${min}, ${max}].`);
  const zeroPoint = Math.max(-128, Math.min(127, Math.round(-128 - lo / scale)));
  return { scale, zeroPoint };
}

function clampInt8(v: number): number {
  return v < -128 ? -128 : v > 127 ? 127 : v;
}

/** TfLiteRound / std::round: half away from zero. */
function roundHalfAway(v: number): number {
  return v < 0 ? -Math.round(-v) : Math.round(v);
}

/** TFLite's QuantizeMultiplier: real = multiplier · 2^(shift − 31), multiplier in [2^30, 2^31). */
export function quantizeMultiplier(real: number): { multiplier: number; shift: number } {
  if (!(real > 0)) return { multiplier: 0, shift: 0 };
  let shift = Math.floor(Math.log2(real)) + 1;
  let q = real / 2 ** shift;
  if (q >= 1) {
    q /= 2;
    shift++;
  } else if (q < 0.5) {
    q *= 2;
    shift--;
  }
  let multiplier = Math.round(q * 2 ** 31);
  if (multiplier === 2 ** 31) {
    multiplier /= 2;
    shift++;
  }
  if (shift < -31) return { multiplier: 0, shift: 0 };
  return { multiplier, shift };
}

/**
 * Single-rounding requantisation `(acc·M + 2^(30−shift)) >> (31−shift)`, computed exactly in
 * doubles by splitting M into 16-bit halves (BigInt only for very large multipliers).
 */
export function requantize(acc: number, multiplier: number, shift: number): number {
  const s = 31 - shift;
  if (s < 1) return acc * multiplier * 2 ** -s;
  if (s < 17 || s > 52) {
    const total = BigInt(acc) * BigInt(multiplier) + (1n << BigInt(s - 1));
    return Number(total >> BigInt(s));
  }
  const mHi = Math.floor(multiplier / 65536);
  const mLo = multiplier - mHi * 65536;
  // acc·M + 2^(s−1) = acc·mHi·2^16 + (acc·mLo + 2^(s−1)); floor by 2^16 first, then 2^(s−16).
  const t = acc * mHi + Math.floor((acc * mLo + 2 ** (s - 1)) / 65536);
  return Math.floor(t / 2 ** (s - 16));
}

/** Clamp range of a fused activation in the output's quantised domain (TFLite's rule). */
export function activationRange(
  activation: FusedActivation,
  out: TensorQuantParams,
): [number, number] {
  if (activation === 'none') return [-128, 127];
  const lo = Math.max(-128, out.zeroPoint + roundHalfAway(0 / out.scale));
  const hi =
    activation === 'relu6' ? Math.min(127, out.zeroPoint + roundHalfAway(6 / out.scale)) : 127;
  return [lo, hi];
}

/** Union-find over value ids, for tensors that must share quantisation parameters. */
class Ties {
  private parent = new Map<string, string>();
  find(id: string): string {
    let p = this.parent.get(id) ?? id;
    if (p !== id) {
      p = this.find(p);
      this.parent.set(id, p);
    }
    return p;
  }
  union(a: string, b: string): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent.set(ra, rb);
  }
}

function inputParamsFromNormalisation(
  normalisation: ExportableModel['normalisation'],
): TensorQuantParams | undefined {
  const { scale, offset } = normalisation;
  if (!(scale > 0)) return undefined;
  const zp = -128 - offset / scale;
  const rounded = Math.round(zp);
  if (Math.abs(zp - rounded) > 1e-3 || rounded < -128 || rounded > 127) return undefined;
  return { scale: f32(scale), zeroPoint: rounded };
}

/** Calibrates, folds and quantises; the result feeds the TFLite writer and runInt8. */
export function quantizeModel(
  modelOrUndefined: ExportableModel | undefined,
  options: QuantizeOptions,
): QuantizedModel {
  const model = requireModel(modelOrUndefined);
  const lowered = lowerModel(model);
  const warnings: string[] = [];
  if (options.calibrationCount < 1) {
    throw new ExportError('Quantisation needs at least one calibration input.');
  }

  // 1. Calibrate: float min/max of every value over the calibration inputs.
  const values = new Set<string>([lowered.inputId, ...lowered.ops.map((o) => o.output)]);
  const ranges = new Map<string, [number, number]>();
  runFloat(model, options.calibrationInputs, options.calibrationCount, {
    onNodeOutput: (id, v) => {
      if (!values.has(id)) return;
      const r = ranges.get(id) ?? [Infinity, -Infinity];
      for (let i = 0; i < v.length; i++) {
        if (v[i] < r[0]) r[0] = v[i];
        if (v[i] > r[1]) r[1] = v[i];
      }
      ranges.set(id, r);
    },
  });

  // 2. Tie values whose kernels require equal parameters; pick each group's parameters.
  const ties = new Ties();
  for (const op of lowered.ops) {
    if (op.kind === 'maxPool' || op.kind === 'avgPool' || op.kind === 'reshape') {
      ties.union(op.output, op.inputs[0]);
    } else if (op.kind === 'concat') {
      for (const id of op.inputs) ties.union(op.output, id);
    }
  }
  const fixed = new Map<string, TensorQuantParams>();
  const inputFixed =
    (options.inputQuantisation ?? 'auto') === 'auto'
      ? inputParamsFromNormalisation(model.normalisation)
      : undefined;
  if (inputFixed) fixed.set(ties.find(lowered.inputId), inputFixed);
  for (const op of lowered.ops) {
    if (op.kind === 'softmax') fixed.set(ties.find(op.output), { scale: 1 / 256, zeroPoint: -128 });
  }
  const groupRange = new Map<string, [number, number]>();
  const groupMembers = new Map<string, string[]>();
  for (const id of values) {
    const root = ties.find(id);
    const r = ranges.get(id) as [number, number];
    const g = groupRange.get(root) ?? [0, 0];
    groupRange.set(root, [Math.min(g[0], r[0]), Math.max(g[1], r[1])]);
    groupMembers.set(root, [...(groupMembers.get(root) ?? []), id]);
  }
  const params = new Map<string, TensorQuantParams>();
  for (const [root, [lo, hi]] of groupRange) {
    let p = fixed.get(root);
    if (!p) {
      let max = hi;
      if (hi - lo < MIN_ACTIVATION_RANGE) {
        const names = (groupMembers.get(root) as string[]).map((n) => `'${n}'`).join(', ');
        warnings.push(
          `Activation ${names} is constant (${lo === hi ? lo : `${lo}…${hi}`}) on the calibration ` +
            `data, so its int8 range would collapse; using [${lo}, ${lo + MIN_ACTIVATION_RANGE}]. ` +
            'A dead layer like this usually means its channels can be pruned.',
        );
        max = lo + MIN_ACTIVATION_RANGE;
      }
      p = quantParamsForRange(lo, max);
    }
    for (const id of groupMembers.get(root) as string[]) params.set(id, p);
  }

  // 3. Tensors and operators.
  const tensors: QuantTensor[] = [];
  const tensorOf = new Map<string, number>();
  const activationTensor = (id: string): number => {
    const existing = tensorOf.get(id);
    if (existing !== undefined) return existing;
    const p = params.get(id) as TensorQuantParams;
    tensors.push({
      name: id,
      shape: [1, ...(lowered.shapes.get(id) as Shape)],
      type: 'int8',
      scale: [p.scale],
      zeroPoint: [p.zeroPoint],
      quantizedDimension: 0,
    });
    tensorOf.set(id, tensors.length - 1);
    return tensors.length - 1;
  };
  const constant = (t: QuantTensor): number => {
    tensors.push(t);
    return tensors.length - 1;
  };
  const inputTensor = activationTensor(lowered.inputId);
  const operators: QuantOp[] = [];
  for (const op of lowered.ops) {
    const inputs = op.inputs.map(activationTensor);
    const q: QuantOp = {
      kind: op.kind,
      nodeIds: op.nodeIds,
      inputs,
      outputs: [],
      activation: op.activation,
      kernelSize: op.kernelSize,
      strides: op.strides,
      padding: op.padding,
    };
    if (op.kind === 'conv2d' || op.kind === 'depthwiseConv2d' || op.kind === 'fullyConnected') {
      const inParams = params.get(op.inputs[0]) as TensorQuantParams;
      const { weights, bias } = quantizeWeights(
        op,
        lowered.shapes.get(op.inputs[0]) as Shape,
        inParams,
        options,
        warnings,
      );
      q.inputs.push(constant(weights), constant(bias));
    } else if (op.kind === 'mean') {
      q.inputs.push(
        constant({
          name: tfliteConstantName(op.nodeIds[0], 'axis'),
          shape: [2],
          type: 'int32',
          data: Int32Array.from([1, 2]),
        }),
      );
    } else if (op.kind === 'reshape') {
      q.inputs.push(
        constant({
          name: tfliteConstantName(op.nodeIds[0], 'shape'),
          shape: [2],
          type: 'int32',
          data: Int32Array.from([1, sizeOf(op.outputShape)]),
        }),
      );
    }
    q.outputs.push(activationTensor(op.output));
    operators.push(q);
  }
  const outputTensor = tensorOf.get(lowered.outputId) as number;
  const inP = params.get(lowered.inputId) as TensorQuantParams;
  const outP = params.get(lowered.outputId) as TensorQuantParams;
  return {
    name: lowered.name,
    tensors,
    operators,
    inputTensor,
    outputTensor,
    input: { ...inP, shape: tensors[inputTensor].shape },
    output: { ...outP, shape: tensors[outputTensor].shape },
    warnings,
  };
}

/** Per-channel (or per-tensor) symmetric int8 weights and int32 biases for one layer. */
function quantizeWeights(
  op: LoweredOp,
  inShape: Shape,
  input: TensorQuantParams,
  options: QuantizeOptions,
  warnings: string[],
): { weights: QuantTensor; bias: QuantTensor } {
  const kernel = op.kernel as Float32Array;
  const bias = op.bias as Float64Array;
  const cout = bias.length;
  const cin = inShape[inShape.length - 1];
  const [kh, kw] = op.kernelSize ?? [1, 1];
  const perTensor = op.kind === 'fullyConnected' && !options.perChannelDense;
  // Max |w| per output channel (output channel is the fastest index in every tfjs layout).
  const maxAbs = new Float64Array(cout);
  for (let i = 0; i < kernel.length; i++) {
    const c = i % cout;
    maxAbs[c] = Math.max(maxAbs[c], Math.abs(kernel[i]));
  }
  const scales = new Float64Array(cout);
  const layerMax = maxAbs.reduce((a, b) => Math.max(a, b), 0);
  for (let c = 0; c < cout; c++) {
    const m = perTensor ? layerMax : maxAbs[c];
    // An all-zero channel still gets a positive scale (a zero scale breaks XNNPACK's prepare).
    let s = m > 0 ? m / 127 : layerMax > 0 ? layerMax / 127 : 1 / 127;
    // Keep the int32 bias in range: the weight scale may have to grow for a huge bias.
    const biasLimit = Math.abs(bias[c]) / (input.scale * 2 ** 30);
    if (biasLimit > s) {
      warnings.push(
        `Layer '${op.nodeIds[0]}' channel ${c}: bias too large for int32 at this scale; weight scale raised.`,
      );
      s = biasLimit;
    }
    scales[c] = f32(s);
  }
  if (perTensor) scales.fill(Math.max(...scales));

  // TFLite layouts: conv OHWI [cout,kh,kw,cin]; depthwise [1,kh,kw,c]; fully connected [out,in].
  const q = new Int8Array(kernel.length);
  let shape: number[];
  let quantizedDimension: number;
  if (op.kind === 'conv2d') {
    shape = [cout, kh, kw, cin];
    quantizedDimension = 0;
    const spatial = kh * kw * cin;
    for (let i = 0; i < spatial; i++) {
      for (let o = 0; o < cout; o++) {
        q[o * spatial + i] = clampInt8(roundHalfAway(kernel[i * cout + o] / scales[o]));
      }
    }
  } else if (op.kind === 'depthwiseConv2d') {
    shape = [1, kh, kw, cout];
    quantizedDimension = 3;
    for (let i = 0; i < kernel.length; i++) {
      q[i] = clampInt8(roundHalfAway(kernel[i] / scales[i % cout]));
    }
  } else {
    const nIn = kernel.length / cout;
    shape = [cout, nIn];
    quantizedDimension = 0;
    for (let i = 0; i < nIn; i++) {
      for (let o = 0; o < cout; o++) {
        q[o * nIn + i] = clampInt8(roundHalfAway(kernel[i * cout + o] / scales[o]));
      }
    }
  }
  const nScales = perTensor ? 1 : cout;
  const biasScales = Array.from({ length: nScales }, (_, c) => f32(input.scale * scales[c]));
  const qb = new Int32Array(cout);
  for (let c = 0; c < cout; c++) {
    const v = roundHalfAway(bias[c] / biasScales[perTensor ? 0 : c]);
    qb[c] = Math.max(-INT32_MAX, Math.min(INT32_MAX, v));
  }
  const main = op.nodeIds[0];
  return {
    weights: {
      name: tfliteConstantName(main, 'weights'),
      shape,
      type: 'int8',
      scale: Array.from(scales.subarray(0, nScales)),
      zeroPoint: new Array(nScales).fill(0),
      quantizedDimension: perTensor ? 0 : quantizedDimension,
      data: q,
    },
    bias: {
      name: tfliteConstantName(main, 'bias'),
      shape: [cout],
      type: 'int32',
      scale: biasScales,
      zeroPoint: new Array(nScales).fill(0),
      quantizedDimension: 0,
      data: qb,
    },
  };
}

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

/**
 * Integer inference of a QuantizedModel on `batch` int8 inputs. Conv / depthwise / fully
 * connected follow TFLite's integer kernels with single-rounding requantisation (XNNPACK);
 * add, mean, standalone relu and softmax requantise through float, so they may differ from
 * an interpreter by ±1.
 */
export function runInt8(model: QuantizedModel, input: Int8Array, batch: number): Int8Array {
  const inSize = sizeOf(model.input.shape);
  const outSize = sizeOf(model.output.shape);
  if (input.length !== batch * inSize) {
    throw new ExportError(`runInt8: input has ${input.length} values, expected ${batch * inSize}.`);
  }
  const result = new Int8Array(batch * outSize);
  for (let b = 0; b < batch; b++) {
    const values = new Map<number, Int8Array>();
    values.set(model.inputTensor, input.subarray(b * inSize, (b + 1) * inSize));
    for (const op of model.operators) {
      values.set(op.outputs[0], runInt8Op(model, op, values));
    }
    result.set(values.get(model.outputTensor) as Int8Array, b * outSize);
  }
  return result;
}

function runInt8Op(model: QuantizedModel, op: QuantOp, values: Map<number, Int8Array>): Int8Array {
  const t = model.tensors;
  const inT = t[op.inputs[0]];
  const outT = t[op.outputs[0]];
  const x = values.get(op.inputs[0]) as Int8Array;
  const inP = paramsOf(inT);
  const outP = paramsOf(outT);
  const out = new Int8Array(sizeOf(outT.shape));
  const [actLo, actHi] = activationRange(op.activation, outP);
  const clampAct = (v: number): number => (v < actLo ? actLo : v > actHi ? actHi : v);
  const viaFloat = (real: number): number =>
    clampAct(Math.round(real / outP.scale) + outP.zeroPoint);
  switch (op.kind) {
    case 'conv2d':
    case 'depthwiseConv2d':
    case 'fullyConnected': {
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
        clampAct(requantize(acc, mults[c].multiplier, mults[c].shift) + outP.zeroPoint);
      if (op.kind === 'fullyConnected') {
        const nIn = x.length;
        for (let o = 0; o < cout; o++) {
          let acc = bias[o];
          for (let i = 0; i < nIn; i++) acc += (x[i] - inP.zeroPoint) * w[o * nIn + i];
          out[o] = finish(acc, o);
        }
        return out;
      }
      const [, h, wd, cin] = inT.shape;
      const [, oh, ow] = outT.shape;
      const [kh, kw] = op.kernelSize as readonly [number, number];
      const [sh, sw] = op.strides as readonly [number, number];
      const padding = op.padding as 'same' | 'valid';
      const pt = padBefore(h, kh, sh, padding);
      const pl = padBefore(wd, kw, sw, padding);
      const acc = new Float64Array(cout);
      for (let oy = 0; oy < oh; oy++) {
        for (let ox = 0; ox < ow; ox++) {
          for (let c = 0; c < cout; c++) acc[c] = bias[c];
          for (let ky = 0; ky < kh; ky++) {
            const iy = oy * sh + ky - pt;
            if (iy < 0 || iy >= h) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = ox * sw + kx - pl;
              if (ix < 0 || ix >= wd) continue;
              const xBase = (iy * wd + ix) * cin;
              if (op.kind === 'depthwiseConv2d') {
                const wBase = (ky * kw + kx) * cout;
                for (let c = 0; c < cout; c++)
                  acc[c] += (x[xBase + c] - inP.zeroPoint) * w[wBase + c];
              } else {
                const spatial = kh * kw * cin;
                const wOff = (ky * kw + kx) * cin;
                for (let c = 0; c < cin; c++) {
                  const xv = x[xBase + c] - inP.zeroPoint;
                  if (xv === 0) continue;
                  for (let o = 0; o < cout; o++) acc[o] += xv * w[o * spatial + wOff + c];
                }
              }
            }
          }
          const base = (oy * ow + ox) * cout;
          for (let c = 0; c < cout; c++) out[base + c] = finish(acc[c], c);
        }
      }
      return out;
    }
    case 'maxPool':
    case 'avgPool': {
      const [, h, wd, c] = inT.shape;
      const [, oh, ow] = outT.shape;
      const [ph, pw] = op.kernelSize as readonly [number, number];
      const [sh, sw] = op.strides as readonly [number, number];
      const padding = op.padding as 'same' | 'valid';
      const pt = padBefore(h, ph, sh, padding);
      const pl = padBefore(wd, pw, sw, padding);
      for (let oy = 0; oy < oh; oy++) {
        for (let ox = 0; ox < ow; ox++) {
          for (let ch = 0; ch < c; ch++) {
            let best = -128;
            let sum = 0;
            let count = 0;
            for (let ky = 0; ky < ph; ky++) {
              const iy = oy * sh + ky - pt;
              if (iy < 0 || iy >= h) continue;
              for (let kx = 0; kx < pw; kx++) {
                const ix = ox * sw + kx - pl;
                if (ix < 0 || ix >= wd) continue;
                const v = x[(iy * wd + ix) * c + ch];
                if (v > best) best = v;
                sum += v;
                count++;
              }
            }
            // TFLite's int8 average pool: rounded integer mean, half away from zero.
            const avg =
              sum > 0
                ? Math.trunc((sum + count / 2) / count)
                : Math.trunc((sum - count / 2) / count);
            out[(oy * ow + ox) * c + ch] = clampAct(op.kind === 'maxPool' ? best : avg);
          }
        }
      }
      return out;
    }
    case 'mean': {
      const c = outT.shape[1];
      const positions = x.length / c;
      for (let ch = 0; ch < c; ch++) {
        let sum = 0;
        for (let p = 0; p < positions; p++) sum += x[p * c + ch] - inP.zeroPoint;
        out[ch] = viaFloat((inP.scale * sum) / positions);
      }
      return out;
    }
    case 'add': {
      const others = op.inputs.map((i) => ({ v: values.get(i) as Int8Array, p: paramsOf(t[i]) }));
      for (let i = 0; i < out.length; i++) {
        let real = 0;
        for (const o of others) real += o.p.scale * (o.v[i] - o.p.zeroPoint);
        out[i] = viaFloat(real);
      }
      return out;
    }
    case 'relu':
    case 'relu6': {
      const [lo, hi] = activationRange(op.kind, outP);
      for (let i = 0; i < out.length; i++) {
        const v = Math.round((inP.scale * (x[i] - inP.zeroPoint)) / outP.scale) + outP.zeroPoint;
        out[i] = v < lo ? lo : v > hi ? hi : v;
      }
      return out;
    }
    case 'reshape':
      out.set(x);
      return out;
    case 'concat': {
      const c = outT.shape[outT.shape.length - 1];
      const positions = out.length / c;
      let offset = 0;
      for (const i of op.inputs) {
        const v = values.get(i) as Int8Array;
        const p = paramsOf(t[i]);
        const ci = t[i].shape[t[i].shape.length - 1];
        const same = p.scale === outP.scale && p.zeroPoint === outP.zeroPoint;
        for (let pos = 0; pos < positions; pos++) {
          for (let ch = 0; ch < ci; ch++) {
            const q = v[pos * ci + ch];
            out[pos * c + offset + ch] = same ? q : viaFloat(p.scale * (q - p.zeroPoint));
          }
        }
        offset += ci;
      }
      return out;
    }
    case 'softmax': {
      const c = outT.shape[outT.shape.length - 1];
      for (let base = 0; base < out.length; base += c) {
        let max = -Infinity;
        for (let i = 0; i < c; i++) max = Math.max(max, x[base + i]);
        const e = new Float64Array(c);
        let sum = 0;
        for (let i = 0; i < c; i++) sum += e[i] = Math.exp(inP.scale * (x[base + i] - max));
        for (let i = 0; i < c; i++) out[base + i] = viaFloat(e[i] / sum);
      }
      return out;
    }
  }
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
