// Registers SIMD training kernels (train-kernels.wasm, compiled from ./assembly) for tfjs's 'wasm'
// backend through tfjs's kernel registry, so that tf.grad / optimizers / layers' fit work there.
//
// tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter, DepthwiseConv2dNativeBackpropFilter or
// DepthwiseConv2dNativeBackpropInput (tfjs issue 8474): MISSING_KERNELS. Everything else a CNN
// training step needs (BN via moments, ReLU/ReLU6 grads, pooling grads, mean, dense, softmax
// cross-entropy, Adam) is registered, but several of those kernels are slow on training shapes:
// by default ours replace them too (REPLACED_KERNELS), falling back to tfjs's for other cases.
// One file per kernel in ./kernels (as in tfjs-backend-wasm); this file registers them.
import * as tf from '@tensorflow/tfjs';
import type { GradConfig, KernelConfig, KernelFunc } from '@tensorflow/tfjs';
import type { KernelThreadPool } from './kernelThreads';
import { KernelHeap, type HeapMode, type TrainKernelModules } from './kernelHeap';
import { TRAINING_KERNELS } from './kernels/all';
import {
  ADAM_STEP,
  MOVING_AVERAGES,
  BATCH_NORM_TRAINING,
  BATCH_NORM_TRAINING_GRAD,
  CHANNEL_MASK,
  CHANNEL_MASK_GRAD,
  batchNormTrainingGradient,
  channelMaskGradient,
} from './kernels/fused';
import { reductionGradient } from './kernels/reductionGradient';
import { RELU_GRAD, reluGradient } from './kernels/reluGradient';
import { asBackend, type KernelArgs, type KernelContext } from './kernels/support';

export type { HeapMode, TrainKernelModules } from './kernelHeap';

const BACKEND = 'wasm';

/** Kernels tfjs-backend-wasm does not have at all. */
export const MISSING_KERNELS = [
  'Conv2DBackpropFilter',
  'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
] as const;

/**
 * Kernels tfjs-backend-wasm has but runs slowly on training shapes, which ours replace unless told
 * not to: plain C++ loops (the first three), a per-element Tile (batch-norm's gradient tiles
 * 1/σ to the whole activation), Sum / Mean that first transpose the reduced axes innermost,
 * a scalar FusedBatchNorm, and an Identity / same-type Cast that copy (ours share the data with a
 * reference count, as tfjs's cpu backend and the wasm backend's own Reshape do). Cast to bool is
 * also fixed: tfjs-wasm 4.22 truncates (0.3 → false, −4 → 252); ours gives x ≠ 0 like cpu.
 * Add / Sub / Multiply / RealDiv: ours only where one float32 operand is a row repeated over the
 * other's leading axes (per-channel vectors), which tfjs runs about 2× slower.
 * BatchMatMul: tfjs's runs a dense layer's transposed (backward) products about 10× slower than
 * the plain one; ours packs the operands for the f32x4 GEMM. AddN: tfjs's is a scalar loop.
 * Cases ours do not cover (other dtypes, NCHW, non-contiguous reduction axes) go to tfjs's kernel.
 */
export const REPLACED_KERNELS = [
  'Conv2DBackpropInput',
  'MaxPoolGrad',
  'AvgPoolGrad',
  'Tile',
  'Sum',
  'Mean',
  'FusedBatchNorm',
  'Identity',
  'Cast',
  'Add',
  'Sub',
  'Multiply',
  'RealDiv',
  'BatchMatMul',
  'AddN',
  'Conv2D',
] as const;

/**
 * Fused training kernels with no tfjs counterpart (batch norm in training mode and its gradient,
 * one Adam update, a channel mask and its gradient, the ReLU gradients), always registered; src/train/fusedTraining.ts uses them where they are.
 */
export const FUSED_KERNELS = [
  BATCH_NORM_TRAINING,
  BATCH_NORM_TRAINING_GRAD,
  ADAM_STEP,
  MOVING_AVERAGES,
  CHANNEL_MASK,
  CHANNEL_MASK_GRAD,
  RELU_GRAD,
] as const;

/**
 * Gradients replaced (for every backend) unless told not to: tfjs-core's Mean and Sum gradients
 * multiply dy by a `ones(x.shape)` built in JavaScript and uploaded — per batch-norm layer and
 * step, two full activation-sized arrays plus GC. Ours broadcast dy (Tile) instead: same values.
 * Relu / Relu6: one PsReluGrad kernel where it is registered (wasm), tfjs-core's ops elsewhere.
 */
export const REPLACED_GRADIENTS = ['Mean', 'Sum', 'Relu', 'Relu6'] as const;

export interface RegisterTrainingKernelsOptions {
  /** Also replace tfjs-backend-wasm's own kernels listed in REPLACED_KERNELS. Default true. */
  replaceBuiltins?: boolean;
  /** 'auto' (default): work in place on tfjs's heap when reachable, else copy; 'copy': always copy. */
  memory?: 'auto' | 'copy';
  /** Replace the gradients listed in REPLACED_GRADIENTS (all backends). Default true. */
  replaceGradients?: boolean;
  /** Helper threads for the backward convolutions (see kernelThreads.ts); unregister() stops them. */
  threadPool?: KernelThreadPool;
  /**
   * With a pool: split exactly the convolutions of at least this many multiply-adds (0: all of
   * them). Default: split where the measured cost model says it wins (splitPays in
   * kernels/convolution.ts: the time saved against the copies into the shared memory).
   */
  minMacsToSplit?: number;
  /**
   * With a pool: the split rule's fixed cost of one split, µs (default SPLIT_FIXED_US in
   * kernels/convolution.ts, measured in Node; the browser loader passes its own).
   */
  splitFixedUs?: number;
  /**
   * With a pool, on tfjs's heap: the caller's part of a split call runs in place, and only the
   * helpers' parts are copied (default true); false: every part is copied into the shared memory
   * (the earlier behaviour, kept for comparisons).
   */
  splitInPlace?: boolean;
}

/**
 * Which convolution calls a pool splits, changeable between steps (bench/thread-ab.ts compares
 * them in one page). Unset fields take the values the kernels were registered with.
 */
export interface SplitPolicy {
  /** false: every call runs on the calling thread and the helpers idle. Default true. */
  split?: boolean;
  /** As RegisterTrainingKernelsOptions.minMacsToSplit. */
  minMacsToSplit?: number;
  /** As RegisterTrainingKernelsOptions.splitFixedUs. */
  fixedUs?: number;
}

export interface WasmTrainingKernels {
  /** Names of the kernels registered for 'wasm'. */
  readonly kernelNames: readonly string[];
  /** How kernels reach tensor data on the current wasm backend ('copy' until the backend exists). */
  heapMode(): HeapMode;
  /** Threads the convolutions run on (1 without a pool). */
  readonly threads: number;
  /** Which build runs: 'relaxed' (relaxed SIMD, fused multiply-adds) or 'plain' SIMD. */
  readonly simd: 'relaxed' | 'plain';
  /** Kernel calls split over threads so far. */
  splitCalls(): number;
  /** Replaces the split policy (from the next kernel call on); no effect without a pool. */
  setSplitPolicy(policy: SplitPolicy): void;
  /** Removes our kernels, puts back the ones they replaced and stops the helper threads. */
  unregister(): void;
}

let active: WasmTrainingKernels | undefined;

/**
 * Registers the training kernels for the 'wasm' backend (replacing an earlier registration).
 * Call it once the modules are compiled; it can run before or after tf.setBackend('wasm').
 */
export function registerWasmTrainingKernels(
  modules: TrainKernelModules,
  options: RegisterTrainingKernelsOptions = {},
): WasmTrainingKernels {
  active?.unregister();
  const heap = new KernelHeap(
    modules,
    options.memory === 'copy',
    options.threadPool,
    options.splitInPlace !== false,
  );
  const counters = { splitCalls: 0 };
  const context: KernelContext = {
    heap,
    minMacsToSplit: options.minMacsToSplit,
    splitFixedUs: options.splitFixedUs,
    splitting: true,
    counters,
  };
  const names: string[] = [...MISSING_KERNELS, ...FUSED_KERNELS];
  if (options.replaceBuiltins !== false) names.push(...REPLACED_KERNELS);

  const previous = new Map<string, KernelConfig>();
  for (const kernelName of names) {
    const existing = tf.getKernel(kernelName, BACKEND);
    if (existing) {
      previous.set(kernelName, existing);
      tf.unregisterKernel(kernelName, BACKEND);
    }
    const config = TRAINING_KERNELS.find((k) => k.kernelName === kernelName);
    if (!config) throw new Error(`no wasm training kernel named ${kernelName}`);
    const ours = config.makeKernel(context);
    const kernelFunc = ((args: KernelArgs<never>) => {
      const result = ours(args);
      if (result) return result;
      if (!existing) throw new Error(`${kernelName} on wasm: this case is not supported`);
      return existing.kernelFunc(args as unknown as Parameters<KernelFunc>[0]);
    }) as unknown as KernelFunc;
    // Keep tfjs's setupFunc: if the backend initialises after this, its kernel (our fallback)
    // still gets set up.
    tf.registerKernel({
      kernelName,
      backendName: BACKEND,
      kernelFunc,
      setupFunc: existing?.setupFunc,
    });
  }

  const previousGradients: GradConfig[] = [];
  tf.registerGradient(batchNormTrainingGradient);
  tf.registerGradient(channelMaskGradient);
  if (options.replaceGradients !== false) {
    for (const kernelName of REPLACED_GRADIENTS) {
      const existing = tf.getGradient(kernelName);
      if (existing) previousGradients.push(existing);
      tf.registerGradient(
        kernelName === 'Relu' || kernelName === 'Relu6'
          ? reluGradient(kernelName)
          : reductionGradient(kernelName),
      );
    }
  }

  const handle: WasmTrainingKernels = {
    kernelNames: names,
    threads: options.threadPool?.threads ?? 1,
    simd: modules.relaxed ? 'relaxed' : 'plain',
    splitCalls: () => counters.splitCalls,
    setSplitPolicy(policy) {
      context.splitting = policy.split !== false;
      context.minMacsToSplit = policy.minMacsToSplit ?? options.minMacsToSplit;
      context.splitFixedUs = policy.fixedUs ?? options.splitFixedUs;
    },
    heapMode() {
      const backend = tf.findBackend(BACKEND);
      return backend ? heap.modeFor(asBackend(backend)) : 'copy';
    },
    unregister() {
      if (active !== handle) return;
      active = undefined;
      for (const kernelName of names) {
        tf.unregisterKernel(kernelName, BACKEND);
        const config = previous.get(kernelName);
        if (config) tf.registerKernel(config);
      }
      for (const config of previousGradients) tf.registerGradient(config);
      options.threadPool?.dispose();
    },
  };
  active = handle;
  return handle;
}

/**
 * The smallest module using a relaxed-SIMD instruction: () → f32x4.relaxed_madd(0, 0, 0).
 * WebAssembly.validate accepts it only where the engine has relaxed SIMD.
 */
const RELAXED_SIMD_PROBE = new Uint8Array([
  0x00,
  0x61,
  0x73,
  0x6d,
  0x01,
  0x00,
  0x00,
  0x00, // magic, version
  0x01,
  0x05,
  0x01,
  0x60,
  0x00,
  0x01,
  0x7b, // type section: () → v128
  0x03,
  0x02,
  0x01,
  0x00, // function section: one function of type 0
  0x0a,
  0x3d,
  0x01,
  0x3b,
  0x00, // code section: one body of 59 bytes, no locals
  ...[0, 1, 2].flatMap(() => [0xfd, 0x0c, ...new Array<number>(16).fill(0)]), // 3 × v128.const 0
  0xfd,
  0x85,
  0x02, // f32x4.relaxed_madd
  0x0b, // end
]);

/** Whether this engine runs relaxed SIMD (fused multiply-add) WebAssembly. */
export function relaxedSimdSupported(): boolean {
  try {
    return WebAssembly.validate(RELAXED_SIMD_PROBE);
  } catch {
    return false;
  }
}

/**
 * Compiles the binaries (bytes as read from train-kernels.wasm / train-kernels-shared.wasm, or
 * their -relaxed variants: then pass `relaxed`).
 */
export async function compileTrainKernelModules(
  plain: BufferSource,
  shared?: BufferSource,
  relaxed = false,
): Promise<TrainKernelModules> {
  const [plainModule, sharedModule] = await Promise.all([
    WebAssembly.compile(plain),
    shared ? WebAssembly.compile(shared).catch(() => undefined) : Promise.resolve(undefined),
  ]);
  return { plain: plainModule, shared: sharedModule, relaxed };
}
