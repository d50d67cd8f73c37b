/**
 * TFLite flatbuffer writer (schema version 3, file identifier "TFL3") for a QuantizedModel,
 * written table by table with the `flatbuffers` runtime. Field slots and enum values follow
 * tensorflow/compiler/mlir/lite/schema/schema.fbs (the field's declaration index is its slot).
 */
import { Builder, type Offset } from 'flatbuffers';
import type { ExportableModel } from './model';
import {
  quantizeModel,
  type QuantOp,
  type QuantTensor,
  type QuantizeOptions,
  type QuantizedModel,
} from './quantize';
import type { FusedActivation } from './lower';
import type { TfliteOperatorKind } from '../core/deployment';

export const TFLITE_SCHEMA_VERSION = 3;
export const TFLITE_FILE_IDENTIFIER = 'TFL3';
/** Constant data (weights, biases) starts on this boundary, as schema `force_align: 16`. */
export const BUFFER_ALIGNMENT = 16;

/** BuiltinOperator enum values. */
export const BuiltinOperator = {
  ADD: 0,
  AVERAGE_POOL_2D: 1,
  CONCATENATION: 2,
  CONV_2D: 3,
  DEPTHWISE_CONV_2D: 4,
  FULLY_CONNECTED: 9,
  MAX_POOL_2D: 17,
  RELU: 19,
  RELU6: 21,
  RESHAPE: 22,
  SOFTMAX: 25,
  MEAN: 40,
} as const;

/** BuiltinOptions union type tags (1 + position in the union). */
export const BuiltinOptionsType = {
  NONE: 0,
  Conv2DOptions: 1,
  DepthwiseConv2DOptions: 2,
  Pool2DOptions: 5,
  FullyConnectedOptions: 8,
  SoftmaxOptions: 9,
  ConcatenationOptions: 10,
  AddOptions: 11,
  ReshapeOptions: 17,
  ReducerOptions: 27,
} as const;

export const TensorType = { FLOAT32: 0, INT32: 2, INT8: 9 } as const;
const Padding = { SAME: 0, VALID: 1 } as const;
const Activation: Record<FusedActivation, number> = { none: 0, relu: 1, relu6: 3 };

/** The op version the TF converter gives each operator's int8 form. */
const OPERATOR_VERSION: Record<TfliteOperatorKind, number> = {
  CONV_2D: 3,
  DEPTHWISE_CONV_2D: 3,
  FULLY_CONNECTED: 4,
  MAX_POOL_2D: 2,
  AVERAGE_POOL_2D: 2,
  MEAN: 2,
  ADD: 2,
  RESHAPE: 1,
  SOFTMAX: 2,
  CONCATENATION: 2,
  RELU: 2,
  RELU6: 2,
};

/** An operator's builtin code (the deployed graph names operators by their TFLite names). */
const builtinCode = (kind: TfliteOperatorKind): number => BuiltinOperator[kind];

function int32Vector(b: Builder, values: readonly number[]): Offset {
  b.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) b.addInt32(values[i]);
  return b.endVector();
}

function float32Vector(b: Builder, values: readonly number[]): Offset {
  b.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) b.addFloat32(values[i]);
  return b.endVector();
}

function int64Vector(b: Builder, values: readonly number[]): Offset {
  b.startVector(8, values.length, 8);
  for (let i = values.length - 1; i >= 0; i--) b.addInt64(BigInt(values[i]));
  return b.endVector();
}

function offsetVector(b: Builder, offsets: readonly Offset[]): Offset {
  b.startVector(4, offsets.length, 4);
  for (let i = offsets.length - 1; i >= 0; i--) b.addOffset(offsets[i]);
  return b.endVector();
}

/** Bytes of a constant tensor, little-endian (flatbuffers and every MCU target). */
function tensorBytes(t: QuantTensor): Uint8Array {
  const data = t.data as Int8Array | Int32Array;
  if (data instanceof Int8Array)
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const bytes = new Uint8Array(data.length * 4);
  const view = new DataView(bytes.buffer);
  data.forEach((v, i) => view.setInt32(i * 4, v, true));
  return bytes;
}

/** A [ubyte] vector whose first data byte is aligned to `alignment` in the finished file. */
function alignedByteVector(b: Builder, bytes: Uint8Array, alignment: number): Offset {
  b.startVector(1, bytes.length, alignment);
  for (let i = bytes.length - 1; i >= 0; i--) b.writeInt8(bytes[i]);
  return b.endVector();
}

/** One field of an options table: how it is stored, its value and its default. */
type OptionField =
  readonly ['int8' | 'int32' | 'float32', number, number] | readonly ['offset', Offset];

const int8 = (value: number, otherwise = 0): OptionField => ['int8', value, otherwise];
const int32 = (value: number, otherwise = 0): OptionField => ['int32', value, otherwise];

/** A table whose fields are slots 0, 1, … in order (vectors and strings written before). */
function table(b: Builder, fields: readonly OptionField[]): Offset {
  b.startObject(fields.length);
  fields.forEach((field, slot) => {
    if (field[0] === 'offset') b.addFieldOffset(slot, field[1], 0);
    else if (field[0] === 'int8') b.addFieldInt8(slot, field[1], field[2]);
    else if (field[0] === 'int32') b.addFieldInt32(slot, field[1], field[2]);
    else b.addFieldFloat32(slot, field[1], field[2]);
  });
  return b.endObject();
}

/** A builtin-options table of the given union type. */
function optionsTable(
  b: Builder,
  type: number,
  fields: readonly OptionField[],
): { type: number; offset: Offset } {
  return { type, offset: table(b, fields) };
}

function builtinOptions(
  b: Builder,
  op: QuantOp,
  tensors: QuantTensor[],
): { type: number; offset: Offset } {
  const act = int8(Activation[op.activation]);
  const [sh, sw] = op.strides ?? [1, 1];
  // padding, stride_w, stride_h: the first fields of the convolution and pooling options.
  const window = [
    int8(op.padding === 'valid' ? Padding.VALID : Padding.SAME, Padding.SAME),
    int32(sw),
    int32(sh),
  ];
  switch (op.kind) {
    case 'CONV_2D':
      // Conv2DOptions: padding, stride_w, stride_h, fused_activation_function.
      return optionsTable(b, BuiltinOptionsType.Conv2DOptions, [...window, act]);
    case 'DEPTHWISE_CONV_2D':
      // DepthwiseConv2DOptions: padding, stride_w, stride_h, depth_multiplier, activation.
      return optionsTable(b, BuiltinOptionsType.DepthwiseConv2DOptions, [...window, int32(1), act]);
    case 'MAX_POOL_2D':
    case 'AVERAGE_POOL_2D': {
      // Pool2DOptions: padding, stride_w, stride_h, filter_width, filter_height, activation.
      const [ph, pw] = op.kernelSize ?? [1, 1];
      return optionsTable(b, BuiltinOptionsType.Pool2DOptions, [
        ...window,
        int32(pw),
        int32(ph),
        act,
      ]);
    }
    case 'FULLY_CONNECTED':
      // FullyConnectedOptions: fused_activation_function (weights_format, keep_num_dims default).
      return optionsTable(b, BuiltinOptionsType.FullyConnectedOptions, [act]);
    case 'SOFTMAX':
      // SoftmaxOptions: beta.
      return optionsTable(b, BuiltinOptionsType.SoftmaxOptions, [['float32', 1, 0]]);
    case 'CONCATENATION':
      // ConcatenationOptions: axis (the output's channel axis), fused_activation_function.
      return optionsTable(b, BuiltinOptionsType.ConcatenationOptions, [
        int32(tensors[op.outputs[0]].shape.length - 1),
        act,
      ]);
    case 'ADD':
      // AddOptions: fused_activation_function.
      return optionsTable(b, BuiltinOptionsType.AddOptions, [act]);
    case 'RESHAPE':
      // ReshapeOptions: new_shape (the shape operand tensor carries it too).
      return optionsTable(b, BuiltinOptionsType.ReshapeOptions, [
        ['offset', int32Vector(b, tensors[op.outputs[0]].shape)],
      ]);
    case 'MEAN':
      // ReducerOptions: keep_dims (false: [1,H,W,C] → [1,C]).
      return optionsTable(b, BuiltinOptionsType.ReducerOptions, [int8(0)]);
    case 'RELU':
    case 'RELU6':
      return { type: BuiltinOptionsType.NONE, offset: 0 };
  }
}

/** Serialises a quantised model as a .tflite flatbuffer. */
export function writeTflite(
  model: QuantizedModel,
  description = 'Pruning Studio int8 export',
): Uint8Array {
  const b = new Builder(1024);

  // Buffers: 0 is the empty sentinel; every constant tensor gets its own, 16-byte aligned.
  const bufferOf = new Map<number, number>();
  const bufferData: Offset[] = [0];
  model.tensors.forEach((t, i) => {
    if (!t.data) return;
    bufferOf.set(i, bufferData.length);
    bufferData.push(alignedByteVector(b, tensorBytes(t), BUFFER_ALIGNMENT));
  });
  const buffers = bufferData.map((data) => {
    b.startObject(1);
    if (data) b.addFieldOffset(0, data, 0);
    return b.endObject();
  });

  // Tensors: shape 0, type 1, buffer 2, name 3, quantization 4.
  const tensorOffsets = model.tensors.map((t, i) => {
    const name = b.createString(t.name);
    const shape = int32Vector(b, t.shape);
    let quantization = 0;
    if (t.scale) {
      // QuantizationParameters: min 0, max 1, scale 2, zero_point 3, details 4-5, quantized_dimension 6.
      const scale = float32Vector(b, t.scale);
      const zeroPoint = int64Vector(b, t.zeroPoint ?? t.scale.map(() => 0));
      b.startObject(7);
      b.addFieldOffset(2, scale, 0);
      b.addFieldOffset(3, zeroPoint, 0);
      b.addFieldInt32(6, t.quantizedDimension ?? 0, 0);
      quantization = b.endObject();
    }
    b.startObject(5);
    b.addFieldOffset(0, shape, 0);
    b.addFieldInt8(1, t.type === 'int8' ? TensorType.INT8 : TensorType.INT32, 0);
    b.addFieldInt32(2, bufferOf.get(i) ?? 0, 0);
    b.addFieldOffset(3, name, 0);
    if (quantization) b.addFieldOffset(4, quantization, 0);
    return b.endObject();
  });

  // Operator codes: one per distinct builtin, in order of first use.
  const codeIndex = new Map<number, number>();
  const codes: { code: number; version: number }[] = [];
  for (const op of model.operators) {
    const code = builtinCode(op.kind);
    if (!codeIndex.has(code)) {
      codeIndex.set(code, codes.length);
      codes.push({ code, version: OPERATOR_VERSION[op.kind] });
    }
  }
  const codeOffsets = codes.map(({ code, version }) => {
    // OperatorCode: deprecated_builtin_code 0 (byte), custom_code 1, version 2, builtin_code 3.
    b.startObject(4);
    b.addFieldInt32(3, code, 0);
    b.addFieldInt32(2, version, 1);
    b.addFieldInt8(0, Math.min(code, 127), 0);
    return b.endObject();
  });

  // Operators: opcode_index 0, inputs 1, outputs 2, builtin_options_type 3, builtin_options 4.
  const operatorOffsets = model.operators.map((op) => {
    const inputs = int32Vector(b, op.inputs);
    const outputs = int32Vector(b, op.outputs);
    const options = builtinOptions(b, op, model.tensors);
    b.startObject(5);
    b.addFieldInt32(0, codeIndex.get(builtinCode(op.kind)) as number, 0);
    b.addFieldOffset(1, inputs, 0);
    b.addFieldOffset(2, outputs, 0);
    if (options.offset) {
      b.addFieldInt8(3, options.type, 0);
      b.addFieldOffset(4, options.offset, 0);
    }
    return b.endObject();
  });

  // SubGraph: tensors 0, inputs 1, outputs 2, operators 3, name 4.
  const tensorsVec = offsetVector(b, tensorOffsets);
  const sgInputs = int32Vector(b, [model.inputTensor]);
  const sgOutputs = int32Vector(b, [model.outputTensor]);
  const operatorsVec = offsetVector(b, operatorOffsets);
  const sgName = b.createString('main');
  const subgraph = table(
    b,
    [tensorsVec, sgInputs, sgOutputs, operatorsVec, sgName].map((o) => ['offset', o] as const),
  );

  // Model: version 0, operator_codes 1, subgraphs 2, description 3, buffers 4.
  const codesVec = offsetVector(b, codeOffsets);
  const subgraphsVec = offsetVector(b, [subgraph]);
  const descriptionStr = b.createString(description);
  const buffersVec = offsetVector(b, buffers);
  const root = table(b, [
    int32(TFLITE_SCHEMA_VERSION),
    ...[codesVec, subgraphsVec, descriptionStr, buffersVec].map((o) => ['offset', o] as const),
  ]);
  b.finish(root, TFLITE_FILE_IDENTIFIER);
  // Copy out: asUint8Array() is a view into the builder's larger backing store.
  return b.asUint8Array().slice();
}

/** Quantises (with calibration) and writes the .tflite bytes in one call. */
export function exportTflite(
  model: ExportableModel | undefined,
  options: QuantizeOptions,
): { bytes: Uint8Array; quantized: QuantizedModel } {
  const quantized = quantizeModel(model, options);
  return { bytes: writeTflite(quantized), quantized };
}
