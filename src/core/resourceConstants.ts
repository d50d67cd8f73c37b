/**
 * Calibration constants of the resource model: every flash and arena overhead lives here,
 * so they can be fitted to the exporter's real .tflite size (target: within 2 %) and to the
 * arena size TFLite Micro reports (MicroInterpreter::arena_used_bytes).
 *
 * These first values are estimates from the TFLite flatbuffer schema
 * (tensorflow/compiler/mlir/lite/schema/schema.fbs, in the tflite-micro repository) and the
 * TFLite Micro sources, not yet measured on the project's exporter: see
 * docs/resource-model.md, "Calibration".
 */

/** Flatbuffer bytes of an int8 .tflite beyond the raw constant data. */
export interface FlashOverheadConstants {
  /**
   * Root Model table, version, description string, subgraph table with its inputs/outputs
   * vectors and name, buffers/operator_codes/subgraphs vectors, the empty buffer 0 and the
   * min_runtime_version metadata entry.
   */
  readonly modelBytes: number;
  /** One OperatorCode table (builtin code, version) per distinct operator kind. */
  readonly perOperatorCodeBytes: number;
  /** Operator table: opcode index, inputs/outputs vectors, builtin options table. */
  readonly perOperatorBytes: number;
  /**
   * Tensor table (type, buffer index, shape vector, name string) with a per-tensor
   * quantisation table (one scale, one zero point), plus its own Buffer table and offset.
   */
  readonly perTensorBytes: number;
  /** A constant buffer's data vector: length prefix and average 16-byte alignment padding. */
  readonly perConstantBufferBytes: number;
  /** Per-channel quantisation: a float32 scale and an int64 zero point per channel. */
  readonly quantBytesPerChannel: number;
}

export const TFLITE_FLASH_OVERHEAD: FlashOverheadConstants = {
  modelBytes: 640,
  perOperatorCodeBytes: 24,
  perOperatorBytes: 80,
  perTensorBytes: 136,
  perConstantBufferBytes: 16,
  quantBytesPerChannel: 12,
};

/** Tensor-arena bytes of TFLite Micro beyond the activation buffers themselves. */
export interface ArenaOverheadConstants {
  /** Interpreter bookkeeping allocated once (subgraph allocations, context). */
  readonly fixedBytes: number;
  /** One TfLiteEvalTensor (data pointer, dims pointer, type) per tensor, constants included. */
  readonly perTensorBytes: number;
  /** NodeAndRegistration, builtin options struct and kernel OpData per operator. */
  readonly perOperatorBytes: number;
  /** Per output channel of conv/depthwise: int32 requant multiplier and int32 shift. */
  readonly perRequantChannelBytes: number;
  /** Expected padding per live buffer: the planner aligns buffers to 16 bytes. */
  readonly bufferAlignmentBytes: number;
}

export const TFLM_ARENA_OVERHEAD: ArenaOverheadConstants = {
  fixedBytes: 128,
  perTensorBytes: 12,
  perOperatorBytes: 112,
  perRequantChannelBytes: 8,
  bufferAlignmentBytes: 8,
};

/** Element sizes and counting rules of a convention. */
export interface ConventionRules {
  readonly weightBytesPerElement: number;
  readonly biasBytesPerElement: number;
  readonly activationBytesPerElement: number;
  /** Whether flatbuffer overheads (TFLITE_FLASH_OVERHEAD) count. */
  readonly flashOverheads: boolean;
  /** Whether arena overheads, scratch buffers and alignment (TFLM_ARENA_OVERHEAD) count. */
  readonly arenaOverheads: boolean;
  readonly countInputInRamByDefault: boolean;
  readonly inPlaceReshapeByDefault: boolean;
}

export const CONVENTION_RULES = {
  /** int8 TFLite Micro: int8 weights and activations, int32 bias. */
  tflm: {
    weightBytesPerElement: 1,
    biasBytesPerElement: 4,
    activationBytesPerElement: 1,
    flashOverheads: true,
    arenaOverheads: true,
    countInputInRamByDefault: true,
    inPlaceReshapeByDefault: false,
  },
  /** uNAS (Liberis et al.): every tensor 1 B per element, constants only, input excluded. */
  unas: {
    weightBytesPerElement: 1,
    biasBytesPerElement: 1,
    activationBytesPerElement: 1,
    flashOverheads: false,
    arenaOverheads: false,
    countInputInRamByDefault: false,
    inPlaceReshapeByDefault: true,
  },
} as const satisfies Record<'tflm' | 'unas', ConventionRules>;
