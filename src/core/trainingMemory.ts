/**
 * How much memory training a network takes on a tfjs backend, estimated before a run starts,
 * and what each backend can give: a run that cannot fit is refused with the figures instead of
 * failing mid-step ("memory access out of bounds") or crawling for minutes on a fallback.
 *
 * The estimate counts float32 tensors, for the whole batch: every node's output (kept for the
 * backward pass; batch norm keeps two more of its size, the centred and the normalised input),
 * the gradients of the two largest outputs alive at once during it, and the patch matrix of the
 * largest convolution (the backward kernels gather K·K·Cin values per output position); plus
 * four copies of the weights (weights, their gradients, Adam's two moments). It leaves out the
 * backend's own overhead, so it is a floor: a run near the limit may still fail.
 */
import type { AnalysedGraph } from './graphAnalysis';
import type { BackendName } from './backends';

const FLOAT = 4;

/**
 * What each backend can hold for one run (bytes), 2 GiB for each: wasm, the most the tfjs wasm
 * heap grows to (32-bit memory as tfjs builds it); webgpu, the largest storage binding most
 * adapters allow (software WebGPU takes it from the CPU's memory); webgl, what browsers grant
 * a page's textures in practice; cpu, typed arrays in the worker's JS heap.
 */
export const BACKEND_MEMORY_LIMITS: Readonly<Record<BackendName, number>> = {
  wasm: 2 * 1024 ** 3,
  webgl: 2 * 1024 ** 3,
  webgpu: 2 * 1024 ** 3,
  cpu: 2 * 1024 ** 3,
};

export interface TrainingMemory {
  /** Bytes of the batch's activations kept for the backward pass, and their gradients. */
  activations: number;
  /** Bytes of weights, gradients and Adam's two moments (4 × the weights). */
  parameters: number;
  total: number;
  /** Float values per sample behind `activations` (the batch multiplies them). */
  perSample: number;
  parameterCount: number;
}

const product = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Trainable (and batch-norm statistic) values of the network. */
export function parameterCount(analysed: AnalysedGraph): number {
  let count = 0;
  for (const id of analysed.topoOrder) {
    const node = analysed.nodes.get(id)!;
    const input = analysed.shapes.get(node.inputs[0] ?? '') ?? [];
    const inChannels = input.at(-1) ?? 0;
    const out = analysed.shapes.get(id)!;
    switch (node.op) {
      case 'conv2d':
        count += node.kernelSize[0] * node.kernelSize[1] * inChannels * node.filters;
        if (node.useBias) count += node.filters;
        break;
      case 'depthwiseConv2d':
        count += node.kernelSize[0] * node.kernelSize[1] * inChannels;
        if (node.useBias) count += inChannels;
        break;
      case 'dense':
        count += product(input) * node.units;
        if (node.useBias) count += node.units;
        break;
      case 'batchNorm':
        count += 4 * (out.at(-1) ?? 0);
        break;
      default:
        break;
    }
  }
  return count;
}

/** The estimate for one training step of `batchSize` samples (see the file comment). */
export function trainingMemory(analysed: AnalysedGraph, batchSize: number): TrainingMemory {
  const sizes: number[] = [];
  let kept = 0;
  let patches = 0;
  for (const id of analysed.topoOrder) {
    const node = analysed.nodes.get(id)!;
    const out = analysed.shapes.get(id)!;
    const size = product(out);
    sizes.push(size);
    kept += node.op === 'batchNorm' ? 3 * size : size;
    if (node.op === 'conv2d') {
      const inChannels = analysed.shapes.get(node.inputs[0])?.at(-1) ?? 0;
      const positions = size / node.filters;
      patches = Math.max(patches, node.kernelSize[0] * node.kernelSize[1] * inChannels * positions);
    }
  }
  const [largest = 0, second = 0] = [...sizes].sort((a, b) => b - a);
  const perSample = kept + largest + second + patches;
  const count = parameterCount(analysed);
  const activations = perSample * batchSize * FLOAT;
  const parameters = 4 * count * FLOAT;
  return {
    activations,
    parameters,
    total: activations + parameters,
    perSample,
    parameterCount: count,
  };
}

const gib = (bytes: number) =>
  bytes >= 1024 ** 3
    ? `${(bytes / 1024 ** 3).toFixed(1)} GiB`
    : `${Math.ceil(bytes / 1024 ** 2)} MiB`;

/**
 * Why a run cannot train on `backend` (its estimated memory exceeds the backend's limit), with
 * the largest batch that would fit; undefined when it fits.
 */
export function trainingMemoryProblem(
  analysed: AnalysedGraph,
  batchSize: number,
  backend: BackendName,
  limits: Readonly<Record<BackendName, number>> = BACKEND_MEMORY_LIMITS,
): string | undefined {
  const need = trainingMemory(analysed, batchSize);
  const limit = limits[backend];
  if (need.total <= limit) return undefined;
  const fits = Math.floor((limit - need.parameters) / (need.perSample * FLOAT));
  const advice =
    fits >= 1
      ? `Use a batch of at most ${fits}, a smaller width or a smaller model.`
      : 'Use a smaller width or a smaller model.';
  return (
    `The run was not started: training this network with a batch of ${batchSize} needs about ` +
    `${gib(need.total)} of memory (${gib(need.activations)} of activations and their gradients, ` +
    `${gib(need.parameters)} of weights, gradients and Adam state), more than the ${backend} ` +
    `backend can give (${gib(limit)}). ${advice}`
  );
}
