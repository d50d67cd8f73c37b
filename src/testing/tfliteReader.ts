/**
 * A minimal .tflite reader for the fields this project writes (tests and diagnostics): it reads
 * tables through their vtables with the `flatbuffers` ByteBuffer and checks what it reads.
 */
import { ByteBuffer } from 'flatbuffers';

export interface ReadTensor {
  name: string;
  shape: number[];
  type: number;
  buffer: number;
  scale?: number[];
  zeroPoint?: number[];
  quantizedDimension?: number;
}

export interface ReadOperator {
  opcodeIndex: number;
  inputs: number[];
  outputs: number[];
  optionsType: number;
  /** The options table's scalar fields by slot (int8/int32/float as stored, absent = default). */
  options: Map<number, number>;
  /** Position of the options table (to read vectors such as ReshapeOptions.new_shape). */
  optionsPosition: number;
}

export interface ReadModel {
  identifier: string;
  version: number;
  description: string;
  operatorCodes: { deprecatedBuiltinCode: number; builtinCode: number; version: number }[];
  tensors: ReadTensor[];
  inputs: number[];
  outputs: number[];
  operators: ReadOperator[];
  /** Absolute byte offset and length of each buffer's data (length 0 = empty). */
  buffers: { offset: number; length: number }[];
  bb: ByteBuffer;
}

class Table {
  constructor(
    readonly bb: ByteBuffer,
    readonly pos: number,
  ) {}
  private field(slot: number): number {
    return this.bb.__offset(this.pos, 4 + 2 * slot);
  }
  has(slot: number): boolean {
    return this.field(slot) !== 0;
  }
  int8(slot: number, def = 0): number {
    const o = this.field(slot);
    return o ? this.bb.readInt8(this.pos + o) : def;
  }
  int32(slot: number, def = 0): number {
    const o = this.field(slot);
    return o ? this.bb.readInt32(this.pos + o) : def;
  }
  uint32(slot: number, def = 0): number {
    const o = this.field(slot);
    return o ? this.bb.readUint32(this.pos + o) : def;
  }
  float32(slot: number, def = 0): number {
    const o = this.field(slot);
    return o ? this.bb.readFloat32(this.pos + o) : def;
  }
  string(slot: number): string {
    const o = this.field(slot);
    return o ? (this.bb.__string(this.pos + o) as string) : '';
  }
  table(slot: number): Table | undefined {
    const o = this.field(slot);
    return o ? new Table(this.bb, this.bb.__indirect(this.pos + o)) : undefined;
  }
  /** [start of element 0, length] of a vector field, or undefined. */
  vector(slot: number): [number, number] | undefined {
    const o = this.field(slot);
    return o ? [this.bb.__vector(this.pos + o), this.bb.__vector_len(this.pos + o)] : undefined;
  }
  tables(slot: number): Table[] {
    const v = this.vector(slot);
    if (!v) return [];
    return Array.from(
      { length: v[1] },
      (_, i) => new Table(this.bb, this.bb.__indirect(v[0] + 4 * i)),
    );
  }
  int32s(slot: number): number[] {
    const v = this.vector(slot);
    return v ? Array.from({ length: v[1] }, (_, i) => this.bb.readInt32(v[0] + 4 * i)) : [];
  }
  float32s(slot: number): number[] {
    const v = this.vector(slot);
    return v ? Array.from({ length: v[1] }, (_, i) => this.bb.readFloat32(v[0] + 4 * i)) : [];
  }
  int64s(slot: number): number[] {
    const v = this.vector(slot);
    return v ? Array.from({ length: v[1] }, (_, i) => Number(this.bb.readInt64(v[0] + 8 * i))) : [];
  }
}

export function readTflite(bytes: Uint8Array): ReadModel {
  if (bytes.length < 8) throw new Error(`Not a TFLite file: only ${bytes.length} bytes.`);
  const bb = new ByteBuffer(bytes);
  const identifier = String.fromCharCode(...bytes.subarray(4, 8));
  if (identifier !== 'TFL3')
    throw new Error(`Not a TFLite file: identifier '${identifier}', expected 'TFL3'.`);
  const rootPos = bb.readUint32(0);
  if (rootPos >= bytes.length) throw new Error('Corrupt TFLite file: root offset out of range.');
  const root = new Table(bb, rootPos);
  const subgraphs = root.tables(2);
  if (subgraphs.length !== 1) throw new Error(`Expected one subgraph, found ${subgraphs.length}.`);
  const sg = subgraphs[0];
  const tensors = sg.tables(0).map((t) => {
    const q = t.table(4);
    const tensor: ReadTensor = {
      name: t.string(3),
      shape: t.int32s(0),
      type: t.int8(1),
      buffer: t.uint32(2),
    };
    if (q) {
      tensor.scale = q.float32s(2);
      tensor.zeroPoint = q.int64s(3);
      tensor.quantizedDimension = q.int32(6);
    }
    return tensor;
  });
  const operators = sg.tables(3).map((op) => {
    const options = new Map<number, number>();
    const table = op.table(4);
    const optionsType = op.int8(3);
    if (table) {
      // Scalar fields of the options tables we write: slots 0..5 (int32 or int8 by table).
      for (let slot = 0; slot < 7; slot++) {
        if (!table.has(slot)) continue;
        options.set(slot, readOptionScalar(table, optionsType, slot));
      }
    }
    return {
      opcodeIndex: op.uint32(0),
      inputs: op.int32s(1),
      outputs: op.int32s(2),
      optionsType,
      options,
      optionsPosition: table ? table.pos : 0,
    };
  });
  const buffers = root.tables(4).map((buf) => {
    const v = buf.vector(0);
    return v ? { offset: v[0], length: v[1] } : { offset: 0, length: 0 };
  });
  for (const t of tensors) {
    if (t.buffer >= buffers.length)
      throw new Error(`Tensor '${t.name}' refers to missing buffer ${t.buffer}.`);
  }
  return {
    identifier,
    version: root.uint32(0),
    description: root.string(3),
    operatorCodes: root.tables(1).map((c) => ({
      deprecatedBuiltinCode: c.int8(0),
      builtinCode: c.int32(3),
      version: c.int32(2, 1),
    })),
    tensors,
    inputs: sg.int32s(1),
    outputs: sg.int32s(2),
    operators,
    buffers,
    bb,
  };
}

/** Byte-sized fields (padding, activation, keep_dims, ...) vs int32 fields, per options table. */
function readOptionScalar(table: Table, optionsType: number, slot: number): number {
  const byteSlots: Record<number, number[]> = {
    1: [0, 3], // Conv2DOptions: padding, fused_activation_function
    2: [0, 4], // DepthwiseConv2DOptions
    5: [0, 5], // Pool2DOptions
    8: [0, 1, 2], // FullyConnectedOptions
    10: [1], // ConcatenationOptions
    11: [0, 1], // AddOptions
    27: [0], // ReducerOptions
  };
  if (optionsType === 9) return table.float32(slot); // SoftmaxOptions.beta
  if (optionsType === 17) return table.int32s(slot).length; // ReshapeOptions.new_shape length
  return (byteSlots[optionsType] ?? []).includes(slot) ? table.int8(slot) : table.int32(slot);
}

/** Constant data of a tensor's buffer. */
export function bufferBytes(model: ReadModel, tensorIndex: number): Uint8Array {
  const { offset, length } = model.buffers[model.tensors[tensorIndex].buffer];
  return model.bb.bytes().subarray(offset, offset + length);
}
