// How the training kernels reach tensor memory. tfjs-backend-wasm keeps every tensor in its
// Emscripten heap; train-kernels.wasm imports a memory ('env.memory') and reads/writes raw byte
// offsets. Two ways to connect them:
//  - 'tfjs-heap': instantiate our module on tfjs's own heap (exported as `asm.memory` by the
//    plain/SIMD build, `wasmMemory` by the threaded build) and pass tensor offsets directly:
//    no copies; scratch comes from tfjs's `_malloc`.
//  - 'copy': instantiate on a memory of our own and copy inputs in / outputs out (used when the
//    heap is not reachable, e.g. a future tfjs renames it, or when forced for testing).
import type { TensorInfo } from '@tensorflow/tfjs';
import type { KernelThreadPool, ThreadCall } from './kernelThreads';

/** The exports of train-kernels.wasm (see assembly/index.ts); all numbers are i32. */
export interface TrainKernelExports {
  conv2dBackpropFilter(...args: number[]): void;
  conv2dBackpropFilterScratch(fh: number, fw: number, ci: number, co: number): number;
  conv2dBackpropInput(...args: number[]): void;
  conv2dBackpropInputScratch(fh: number, fw: number, ci: number, co: number): number;
  conv2dForward(...args: number[]): void;
  conv2dForwardScratch(fh: number, fw: number, ci: number, co: number): number;
  depthwiseBackpropFilter(...args: number[]): void;
  depthwiseBackpropInput(...args: number[]): void;
  maxPoolGrad(...args: number[]): void;
  avgPoolGrad(...args: number[]): void;
  reduceMiddle(
    x: number,
    out: number,
    outer: number,
    mid: number,
    inner: number,
    scale: number,
  ): void;
  batchNormForward(...args: number[]): void;
  batchNormScratch(c: number): number;
  binaryRowBroadcast(...args: number[]): void;
  batchNormTrainForward(...args: number[]): void;
  batchNormTrainBackward(...args: number[]): void;
  adamStep(...args: number[]): void;
  movingAverages(...args: number[]): void;
  channelMaskBackward(...args: number[]): void;
  matMul(...args: number[]): void;
  matMulScratch(m: number, k: number, n: number, transposeA: number): number;
  addArrays(out: number, a: number, b: number, count: number): void;
  reluGrad(dy: number, x: number, dx: number, count: number, cap: number): void;
}

/** Compiled train-kernels binaries: one importing a plain memory, one a shared memory. */
export interface TrainKernelModules {
  plain: WebAssembly.Module;
  /** Needed only to work in place on the heap of tfjs's threaded (COOP/COEP) build. */
  shared?: WebAssembly.Module;
  /** Compiled from the relaxed-SIMD builds (fused multiply-adds). */
  relaxed?: boolean;
}

export type HeapMode = 'tfjs-heap' | 'copy';

/** The parts of tfjs-backend-wasm's BackendWasm the kernels use (typed here, not imported). */
export interface WasmBackendLike {
  wasm: {
    HEAPU8: Uint8Array;
    _malloc(bytes: number): number;
    _free(pointer: number): void;
    asm?: { memory?: WebAssembly.Memory };
    wasmMemory?: WebAssembly.Memory;
  };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  incRef(dataId: object): void;
  typedArrayFromHeap(info: TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/** Pointers handed to a kernel body: inputs in order, the output, scratch (0 if none asked). */
export interface KernelPointers {
  inputs: number[];
  output: number;
  scratch: number;
}

/** The same for a kernel with several outputs (`output` is the first of `outputs`). */
export interface MultiKernelPointers extends KernelPointers {
  outputs: number[];
}

const PAGE_BYTES = 65536;

function isSharedMemory(memory: WebAssembly.Memory): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
}

function sizeOf(shape: readonly number[]): number {
  let size = 1;
  for (const d of shape) size *= d;
  return size;
}

function align16(bytes: number): number {
  return (bytes + 15) & ~15;
}

/** Finds the WebAssembly.Memory behind tfjs's heap, if this tfjs build exposes it. */
export function findTfjsHeap(backend: WasmBackendLike): WebAssembly.Memory | undefined {
  const memory = backend.wasm.wasmMemory ?? backend.wasm.asm?.memory;
  return memory instanceof WebAssembly.Memory ? memory : undefined;
}

/**
 * How runSplit divides one kernel call over the batch: part p takes images
 * [⌊p·batch/parts⌋, ⌊(p+1)·batch/parts⌋), each part on its own thread.
 */
export interface SplitPlan {
  batch: number;
  /** Parts (≤ pool threads, ≤ batch). */
  parts: number;
  /** Bytes per image of each input; 0: not batched (every part reads all of it). */
  inputImageBytes: readonly number[];
  /** Bytes per image of the output; 0: every part writes a whole output, and the parts are summed. */
  outputImageBytes: number;
  /** Scratch bytes each part needs. */
  scratchBytes: number;
  /** The call for `count` images, given where their inputs, output and scratch are. */
  call(inputs: number[], output: number, scratch: number, count: number): ThreadCall;
}

/** Bytes a split copies between tfjs's heap and the pool's shared memory (see runSplit). */
export function splitCopyBytes(
  plan: Pick<SplitPlan, 'batch' | 'parts' | 'inputImageBytes' | 'outputImageBytes'>,
  inputBytes: readonly number[],
  outputBytes: number,
  inPlace: boolean,
): number {
  const { batch, parts, inputImageBytes, outputImageBytes } = plan;
  // Images and parts that run in the shared memory: the helpers' (and the caller's if not in place).
  const images = inPlace ? batch - Math.floor(batch / parts) : batch;
  const sharedParts = inPlace ? parts - 1 : parts;
  let bytes = 0;
  inputBytes.forEach((whole, i) => {
    bytes += inputImageBytes[i] > 0 ? images * inputImageBytes[i] : whole;
  });
  // Summed parts: each partial output is read once more by the sum.
  return bytes + (outputImageBytes > 0 ? images * outputImageBytes : sharedParts * outputBytes);
}

export class KernelHeap {
  private readonly onHeap = new WeakMap<WebAssembly.Memory, TrainKernelExports>();
  private own: { memory: WebAssembly.Memory; kernels: TrainKernelExports } | undefined;

  constructor(
    private readonly modules: TrainKernelModules,
    private readonly forceCopy: boolean,
    /** Helper threads for the convolutions, if started. */
    readonly pool?: KernelThreadPool,
    /** false: every part of a split call runs in the pool's shared memory, the caller's too. */
    private readonly splitInPlace = true,
  ) {}

  /**
   * Runs one kernel call split over the batch on the pool's threads. On tfjs's heap the caller's
   * part (the first) runs there in place, and only the helpers' images (and the unbatched inputs,
   * once) are copied into the pool's shared memory and their results back; otherwise every part
   * runs in the shared memory.
   */
  runSplit(
    backend: WasmBackendLike,
    inputs: readonly TensorInfo[],
    outShape: number[],
    plan: SplitPlan,
  ): TensorInfo {
    const pool = this.pool!;
    const output = backend.makeOutput(outShape, 'float32');
    const outSize = sizeOf(outShape);
    if (outSize === 0) return output;
    const onHeap = this.splitInPlace ? this.kernelsOnHeap(backend) : undefined;
    const first = (p: number) => Math.floor((p * plan.batch) / plan.parts);
    const summed = plan.outputImageBytes === 0;

    // Layout of the shared memory: unbatched inputs once, then per part its images, its output
    // and its scratch.
    let end = pool.dataStart;
    const take = (bytes: number) => {
      const at = end;
      end += align16(bytes);
      return at;
    };
    const whole = inputs.map((t, i) =>
      plan.inputImageBytes[i] > 0 ? -1 : take(sizeOf(t.shape) * 4),
    );
    const shared = Array.from({ length: plan.parts }, (_, p) => p).slice(onHeap ? 1 : 0);
    const layout = shared.map((p) => {
      const n0 = first(p);
      const count = first(p + 1) - n0;
      return {
        n0,
        count,
        inputs: inputs.map((_, i) =>
          whole[i] >= 0 ? whole[i] : take(count * plan.inputImageBytes[i]),
        ),
        output: take(summed ? outSize * 4 : count * plan.outputImageBytes),
        scratch: take(plan.scratchBytes),
      };
    });
    pool.ensureBytes(end);

    // The caller's part in place (its scratch allocated before any heap view is made: a malloc
    // may grow tfjs's memory).
    let own: () => void;
    let ownScratch = 0;
    if (onHeap) {
      ownScratch = this.mallocScratch(backend, plan.scratchBytes);
      const offsets = inputs.map((t) => this.offsetOf(backend, t));
      const call = plan.call(offsets, this.offsetOf(backend, output), ownScratch, first(1));
      own = () => (onHeap[call.job] as (...args: number[]) => void)(...call.args);
    } else {
      const part0 = layout[0];
      const call = plan.call(part0.inputs, part0.output, part0.scratch, part0.count);
      own = () => (pool.kernels[call.job] as (...args: number[]) => void)(...call.args);
    }
    try {
      const heap = new Float32Array(pool.memory.buffer);
      inputs.forEach((t, i) => {
        const source = backend.typedArrayFromHeap(t) as Float32Array;
        if (whole[i] >= 0) {
          heap.set(source, whole[i] / 4);
          return;
        }
        const image = plan.inputImageBytes[i] / 4;
        for (const part of layout) {
          const from = part.n0 * image;
          heap.set(source.subarray(from, from + part.count * image), part.inputs[i] / 4);
        }
      });
      const helperParts = onHeap ? layout : layout.slice(1);
      pool.runAlongside(
        helperParts.map((part) => plan.call(part.inputs, part.output, part.scratch, part.count)),
        own,
      );
    } finally {
      if (ownScratch !== 0) backend.wasm._free(ownScratch);
    }

    const result = backend.typedArrayFromHeap(output) as Float32Array;
    const buffer = pool.memory.buffer;
    if (summed) {
      const parts = layout.map((part) => new Float32Array(buffer, part.output, outSize));
      if (!onHeap) result.set(parts.shift()!);
      for (const part of parts) for (let i = 0; i < outSize; i++) result[i] += part[i];
    } else {
      const image = plan.outputImageBytes / 4;
      for (const part of layout) {
        result.set(new Float32Array(buffer, part.output, part.count * image), part.n0 * image);
      }
    }
    return output;
  }

  /** `bytes` of scratch from tfjs's heap (0: none needed, nothing allocated); free with _free. */
  private mallocScratch(backend: WasmBackendLike, bytes: number): number {
    if (bytes <= 0) return 0;
    const at = backend.wasm._malloc(bytes) >>> 0;
    if (at === 0)
      throw new Error(`wasm training kernels: could not allocate ${bytes} bytes of scratch`);
    return at;
  }

  private offsetOf(backend: WasmBackendLike, t: TensorInfo): number {
    const data = backend.dataIdMap.get(t.dataId);
    if (!data) throw new Error('wasm training kernels: tensor is not on the wasm backend');
    return data.memoryOffset;
  }

  /** Whether a split call on this backend runs the caller's part in place (see runSplit). */
  splitsInPlace(backend: WasmBackendLike): boolean {
    return this.splitInPlace && this.kernelsOnHeap(backend) !== undefined;
  }

  /** Which mode a call on this backend takes. */
  modeFor(backend: WasmBackendLike): HeapMode {
    return this.kernelsOnHeap(backend) ? 'tfjs-heap' : 'copy';
  }

  private kernelsOnHeap(backend: WasmBackendLike): TrainKernelExports | undefined {
    if (this.forceCopy) return undefined;
    const memory = findTfjsHeap(backend);
    if (!memory) return undefined;
    let kernels = this.onHeap.get(memory);
    if (!kernels) {
      const module = isSharedMemory(memory) ? this.modules.shared : this.modules.plain;
      if (!module) return undefined;
      kernels = instantiate(module, memory);
      this.onHeap.set(memory, kernels);
    }
    return kernels;
  }

  private ownKernels(): { memory: WebAssembly.Memory; kernels: TrainKernelExports } {
    if (!this.own) {
      const memory = new WebAssembly.Memory({ initial: 16 });
      this.own = { memory, kernels: instantiate(this.modules.plain, memory) };
    }
    return this.own;
  }

  /**
   * Runs `body` with pointers to the float32 `inputs`, a new float32 output of `outShape` and
   * `scratchBytes(kernels)` bytes of scratch, and returns the output (owned by the backend, like any kernel's).
   */
  run(
    backend: WasmBackendLike,
    inputs: readonly TensorInfo[],
    outShape: number[],
    scratchBytes: (kernels: TrainKernelExports) => number,
    body: (kernels: TrainKernelExports, pointers: KernelPointers) => void,
  ): TensorInfo {
    return this.runMany(backend, inputs, [outShape], scratchBytes, body)[0];
  }

  /**
   * As run, with several float32 outputs (one per shape); a body runs only when every output
   * has elements.
   */
  runMany(
    backend: WasmBackendLike,
    inputs: readonly TensorInfo[],
    outShapes: readonly number[][],
    scratchBytes: (kernels: TrainKernelExports) => number,
    body: (kernels: TrainKernelExports, pointers: MultiKernelPointers) => void,
  ): TensorInfo[] {
    for (const t of inputs) {
      if (t.dtype !== 'float32') {
        throw new Error(`wasm training kernels take float32 tensors, got ${t.dtype}`);
      }
    }
    const outputs = outShapes.map((shape) => backend.makeOutput([...shape], 'float32'));
    if (outShapes.some((shape) => sizeOf(shape) === 0)) return outputs;

    const onHeap = this.kernelsOnHeap(backend);
    if (onHeap) {
      const bytes = scratchBytes(onHeap);
      const offset = (t: TensorInfo) => this.offsetOf(backend, t);
      const scratch = this.mallocScratch(backend, bytes);
      try {
        const outputOffsets = outputs.map(offset);
        body(onHeap, {
          inputs: inputs.map(offset),
          output: outputOffsets[0],
          outputs: outputOffsets,
          scratch,
        });
      } finally {
        if (scratch !== 0) backend.wasm._free(scratch);
      }
      return outputs;
    }

    const { memory, kernels } = this.ownKernels();
    // Layout in our own memory: [inputs…][outputs…][scratch], each 16-byte aligned, from 16.
    let end = 16;
    const take = (bytes: number) => {
      const at = end;
      end += align16(bytes);
      return at;
    };
    const inputOffsets = inputs.map((t) => take(sizeOf(t.shape) * 4));
    const outputOffsets = outShapes.map((shape) => take(sizeOf(shape) * 4));
    const scratch = take(scratchBytes(kernels));
    if (memory.buffer.byteLength < end) {
      memory.grow(Math.ceil((end - memory.buffer.byteLength) / PAGE_BYTES));
    }
    const heap = new Float32Array(memory.buffer);
    inputs.forEach((t, i) => heap.set(backend.typedArrayFromHeap(t), inputOffsets[i] / 4));
    body(kernels, {
      inputs: inputOffsets,
      output: outputOffsets[0],
      outputs: outputOffsets,
      scratch,
    });
    outputs.forEach((output, i) => {
      const result = new Float32Array(memory.buffer, outputOffsets[i], sizeOf(outShapes[i]));
      backend.typedArrayFromHeap(output).set(result);
    });
    return outputs;
  }
}

function instantiate(module: WebAssembly.Module, memory: WebAssembly.Memory): TrainKernelExports {
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  return instance.exports as unknown as TrainKernelExports;
}
