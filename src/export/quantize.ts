/**
 * Full-integer (int8) quantisation of a lowered model, TFLite conventions:
 * - weights: symmetric int8, zero point 0, scale = max|w| / 127 per output channel (conv and
 *   depthwise always; dense per tensor by default, see `perChannelDense`); every scale > 0;
 * - biases: int32, scale = input scale × weight scale (per channel), zero point 0;
 * - activations: asymmetric int8 from calibrated [min, max] (always including 0);
 *   pooling / reshape / concatenation share their input's parameters, softmax outputs use
 *   scale 1/256, zero point −128 (what the TFLite kernels require).
 * The int8 reference interpreter that runs the result is src/export/int8Reference.ts.
 */
import { tfliteConstantName } from '../core/deployment';
import type { TfliteOperatorKind } from '../core/deployment';
import { lowerModel, type FusedActivation, type LoweredOp } from './lower';
import { ExportError, requireModel, sizeOf, type ExportableModel, type Shape } from './model';
import { runFloat } from './reference';

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
  kind: TfliteOperatorKind;
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

export function clampInt8(v: number): number {
  return v < -128 ? -128 : v > 127 ? 127 : v;
}

/** TfLiteRound / std::round: half away from zero. */
export function roundHalfAway(v: number): number {
  return v < 0 ? -Math.round(-v) : Math.round(v);
}

/** Clamp range of a fused activation in the output's quantised domain (TFLite's rule). */
export function activationRange(
  activation: FusedActivation,
  out: TensorQuantParams,
): [number, number] {
  if (activation === 'none') return [-128, 127];
  // TFLite's CalculateActivationRangeQuantized divides in float32.
  const lo = Math.max(-128, out.zeroPoint + roundHalfAway(f32(0 / out.scale)));
  const hi =
    activation === 'relu6' ? Math.min(127, out.zeroPoint + roundHalfAway(f32(6 / out.scale))) : 127;
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
    // TFLM's int8 RELU6 clamps in its input's quantised domain, so a standalone RELU6
    // must keep its input's parameters, as pooling and reshape do.
    if (
      op.kind === 'MAX_POOL_2D' ||
      op.kind === 'AVERAGE_POOL_2D' ||
      op.kind === 'RESHAPE' ||
      op.kind === 'RELU6'
    ) {
      ties.union(op.output, op.inputs[0]);
    } else if (op.kind === 'CONCATENATION') {
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
    if (op.kind === 'SOFTMAX') fixed.set(ties.find(op.output), { scale: 1 / 256, zeroPoint: -128 });
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
    if (op.kind === 'CONV_2D' || op.kind === 'DEPTHWISE_CONV_2D' || op.kind === 'FULLY_CONNECTED') {
      const inParams = params.get(op.inputs[0]) as TensorQuantParams;
      const { weights, bias } = quantizeWeights(
        op,
        lowered.shapes.get(op.inputs[0]) as Shape,
        inParams,
        options,
        warnings,
      );
      q.inputs.push(constant(weights), constant(bias));
    } else if (op.kind === 'MEAN') {
      q.inputs.push(
        constant({
          name: tfliteConstantName(op.nodeIds[0], 'axis'),
          shape: [2],
          type: 'int32',
          data: Int32Array.from([1, 2]),
        }),
      );
    } else if (op.kind === 'RESHAPE') {
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
  const perTensor = op.kind === 'FULLY_CONNECTED' && !options.perChannelDense;
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
  if (op.kind === 'CONV_2D') {
    shape = [cout, kh, kw, cin];
    quantizedDimension = 0;
    const spatial = kh * kw * cin;
    for (let i = 0; i < spatial; i++) {
      for (let o = 0; o < cout; o++) {
        q[o * spatial + i] = clampInt8(roundHalfAway(kernel[i * cout + o] / scales[o]));
      }
    }
  } else if (op.kind === 'DEPTHWISE_CONV_2D') {
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
