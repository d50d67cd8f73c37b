/**
 * Calibration constants of the resource model: every flash and arena overhead lives here,
 * so they can be fitted to the exporter's real .tflite size (target: within 2 %) and to the
 * arena size TFLite Micro reports (MicroInterpreter::arena_used_bytes).
 *
 * The flash constants describe the flatbuffer that src/export/tflite.ts writes (table layout
 * from tensorflow/compiler/mlir/lite/schema/schema.fbs and the flatbuffers builder: 4-byte
 * soffset per table, 4 bytes per offset field and vector length, vtables shared between
 * tables of the same layout) and were checked against written files: see
 * docs/resource-model.md, "Calibration", and src/export/flash-agreement.test.ts.
 * The arena constants model TFLite Micro's allocator and were fitted to arenas measured with
 * TFLM itself (TFLM_ARENA below).
 */
import type { TfliteOperatorKind } from './deployment';

/** Flatbuffer bytes of an int8 .tflite beyond the raw constant data. */
export interface FlashOverheadConstants {
  /**
   * Once per file: header (root offset, "TFL3"), Model and SubGraph tables, their vectors'
   * lengths, the description and subgraph name strings, the empty buffer 0, the first
   * vtable of each table layout, the final 16-byte rounding (mean).
   */
  readonly modelBytes: number;
  /** Per distinct operator kind: OperatorCode table, its slot, its options table's vtable. */
  readonly perOperatorCodeBytes: number;
  /** Operator table (with an options field), its slot and its two index vectors' lengths. */
  readonly perOperatorBytes: number;
  /** Per tensor index in an operator's inputs/outputs vectors. */
  readonly perOperatorIndexBytes: number;
  /** The builtin options table of each operator kind (RELU has none and a smaller table). */
  readonly optionsBytes: Readonly<Record<TfliteOperatorKind, number>>;
  /** Tensor table, its slot in the tensors vector, the shape vector's length. */
  readonly perTensorBytes: number;
  /** Per dimension of a tensor's shape (int32). */
  readonly perShapeDimBytes: number;
  /** QuantizationParameters table with its scale and zero-point vectors' lengths. */
  readonly perQuantisedTensorBytes: number;
  /**
   * A constant's Buffer table, its slot, the data vector's length, the tensor's buffer index
   * and the mean 16-byte alignment padding of the data.
   */
  readonly perConstantBufferBytes: number;
  /** Per quantisation scale: a float32 scale and an int64 zero point. */
  readonly quantBytesPerChannel: number;
}

export const TFLITE_FLASH_OVERHEAD: FlashOverheadConstants = {
  modelBytes: 184,
  perOperatorCodeBytes: 56,
  perOperatorBytes: 36,
  perOperatorIndexBytes: 4,
  optionsBytes: {
    CONV_2D: 16,
    DEPTHWISE_CONV_2D: 20,
    FULLY_CONNECTED: 6,
    MAX_POOL_2D: 24,
    AVERAGE_POOL_2D: 24,
    MEAN: 4,
    ADD: 6,
    CONCATENATION: 8,
    RESHAPE: 20,
    RELU: -8,
    RELU6: -8,
    SOFTMAX: 8,
  },
  perTensorBytes: 28,
  perShapeDimBytes: 4,
  perQuantisedTensorBytes: 22,
  perConstantBufferBytes: 28,
  quantBytesPerChannel: 12,
};

/**
 * Bytes of a string in a flatbuffer: 4-byte length, UTF-8 bytes, NUL, padding to 4.
 * Tensor names are stored this way.
 */
export function flatbufferStringBytes(s: string): number {
  let utf8 = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    utf8 += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return 4 + Math.ceil((utf8 + 1) / 4) * 4;
}

/**
 * TFLite Micro's tensor arena on a 32-bit Cortex-M (tflite-micro 90b983c2, CMSIS-NN kernels):
 * the persistent tail, the temporary data of memory planning, and the margin the studio adds.
 * The planned head itself is computed, not estimated (core/tflmArena.ts: the greedy planner).
 * Structure sizes are those of the 32-bit build; `fixedBytes` and `operatorBytes` were fitted
 * (least squares, rounded up) to the tails TFLM reported for the 25 models of
 * scripts/tflm/measured.json (residuals within ±10 B).
 */
export interface TflmArenaConstants {
  /**
   * Once per interpreter: the allocator objects placed in the arena (SingleArenaBufferAllocator,
   * GreedyMemoryPlanner, MicroAllocator, MicroBuiltinDataAllocator) and SubgraphAllocations.
   */
  readonly fixedBytes: number;
  /** TfLiteEvalTensor (data pointer, dims pointer, type) per tensor of the file. */
  readonly evalTensorBytes: number;
  /** NodeAndRegistration (TfLiteNode + registration pointer) per operator. */
  readonly nodeAndRegistrationBytes: number;
  /**
   * Per operator of a kind: its parsed builtin options struct and the kernel's OpData from
   * Init (16-byte aligned), as measured.
   */
  readonly operatorBytes: Readonly<Record<TfliteOperatorKind, number>>;
  /**
   * CONV_2D and DEPTHWISE_CONV_2D keep two int32 arrays per output channel (multiplier,
   * shift), each a separate 16-byte aligned allocation.
   */
  readonly requantArraysPerOperator: number;
  /** ScratchBufferHandle (one data pointer) per scratch buffer request. */
  readonly scratchHandleBytes: number;
  /**
   * Per model input and output: the persistent TfLiteTensor the interpreter keeps (32 B), its
   * TfLiteAffineQuantization (12 B) and zero-point array (8 B).
   */
  readonly ioTensorBytes: number;
  /** While planning: one ScratchBufferRequest (bytes, node, subgraph) per request... */
  readonly scratchRequestBytes: number;
  /** ...with room for kMaxScratchBuffersPerOp more; */
  readonly maxScratchRequestsPerOperator: number;
  /** the AllocationInfo array (per tensor and per scratch buffer), subgraph offsets; */
  readonly allocationInfoBytes: number;
  readonly subgraphOffsetBytes: number;
  /** and the planner's arrays: BufferRequirements, two sort arrays, ListEntry, offset. */
  readonly plannerBytesPerBuffer: number;
  /**
   * Added to the modelled smallest arena: alignment of the arena's end (the measured smallest
   * arena is up to 12 B above arena_used_bytes) and the fit's residuals.
   */
  readonly marginBytes: number;
}

export const TFLM_ARENA: TflmArenaConstants = {
  fixedBytes: 155,
  evalTensorBytes: 12,
  nodeAndRegistrationBytes: 32,
  operatorBytes: {
    CONV_2D: 93,
    DEPTHWISE_CONV_2D: 93,
    FULLY_CONNECTED: 81,
    MAX_POOL_2D: 90,
    AVERAGE_POOL_2D: 75,
    MEAN: 51,
    ADD: 66,
    CONCATENATION: 52,
    RESHAPE: 50,
    RELU: 24,
    RELU6: 20,
    SOFTMAX: 65,
  },
  requantArraysPerOperator: 2,
  scratchHandleBytes: 4,
  ioTensorBytes: 52,
  scratchRequestBytes: 12,
  maxScratchRequestsPerOperator: 12,
  allocationInfoBytes: 24,
  subgraphOffsetBytes: 4,
  plannerBytesPerBuffer: 40,
  marginBytes: 32,
};

/** Element sizes and counting rules of a convention. */
export interface ConventionRules {
  readonly weightBytesPerElement: number;
  readonly biasBytesPerElement: number;
  readonly activationBytesPerElement: number;
  /** Whether flatbuffer overheads (TFLITE_FLASH_OVERHEAD) count. */
  readonly flashOverheads: boolean;
  /**
   * Whether the arena is TFLite Micro's (TFLM_ARENA: persistent tail, scratch buffers, the
   * greedy planner's layout) or the plain live-set peak.
   */
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
