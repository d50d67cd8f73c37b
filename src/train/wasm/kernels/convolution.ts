// The one path of the convolution kernels (conv2d forward; conv2d and depthwise backward, the
// gradients of the filter and of the input): the geometry in the form the exports take it, and
// one call, split over the batch on the helper threads when that pays, or run on this thread.
import * as tf from '@tensorflow/tfjs';
import type {
  Conv2DAttrs,
  Conv2DBackpropFilterAttrs,
  Conv2DBackpropInputAttrs,
  DepthwiseConv2dNativeBackpropFilterAttrs,
  DepthwiseConv2dNativeBackpropInputAttrs,
  TensorInfo,
} from '@tensorflow/tfjs';
import { splitCopyBytes, type SplitPlan, type TrainKernelExports } from '../kernelHeap';
import type { ThreadJob } from '../kernelThreads';
import {
  asBackend,
  covered,
  geometry,
  sizeOf,
  type KernelArgs,
  type KernelContext,
  type TrainingKernelConfig,
} from './support';

type Shape4D = [number, number, number, number];
type ConvAttrs = Conv2DAttrs &
  Conv2DBackpropFilterAttrs &
  Conv2DBackpropInputAttrs &
  DepthwiseConv2dNativeBackpropFilterAttrs &
  DepthwiseConv2dNativeBackpropInputAttrs;

/** The geometry arguments of a conv export (after pointers and batch size). */
function convInfo(
  depthwise: boolean,
  forward: boolean,
  xShape: readonly number[],
  filterShape: readonly number[],
  attrs: ConvAttrs,
) {
  const info = tf.backend_util.computeConv2DInfo(
    xShape as Shape4D,
    filterShape as Shape4D,
    attrs.strides,
    depthwise || forward ? attrs.dilations : 1,
    attrs.pad,
    attrs.dimRoundingMode,
    depthwise,
    depthwise ? 'channelsLast' : tf.backend_util.convertConv2DDataFormat(attrs.dataFormat),
  );
  if (!covered(info)) return null;
  const { inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const taps = info.batchSize * outHeight * outWidth * info.filterHeight * info.filterWidth;
  return {
    info,
    macs: taps * (depthwise ? outChannels : inChannels * outChannels),
    // conv2d exports take the output channels, depthwise ones the channel multiplier.
    args: [
      inHeight,
      inWidth,
      inChannels,
      outHeight,
      outWidth,
      depthwise ? outChannels / inChannels : outChannels,
      ...geometry(info),
    ],
  };
}

/**
 * What a split over the batch costs and saves, measured in Node on the 2-core development
 * machine (`bench/split-cost.ts`, relaxed SIMD, batch 32, 19 shapes of the zoo's networks × each
 * export, 2026-12-02, quiet): one thread runs MACS_PER_US[job] multiply-adds per µs (the median
 * over the shapes; few-channel shapes run slower, so this underestimates their time and keeps
 * a few splits that would win), and a split adds its copies at COPY_BYTES_PER_US plus
 * SPLIT_FIXED_US (the (bandwidth, fixed) pair that lost least over the measured calls: 9 of 53
 * decided wrongly, by 1.7 ms summed, against 13 and 2.1 ms for the earlier rule of splitting
 * every call of ≥ 4·10⁶ multiply-adds).
 */
const MACS_PER_US: Record<ThreadJob, number> = {
  conv2dForward: 17000,
  conv2dBackpropFilter: 17000,
  conv2dBackpropInput: 15900,
  depthwiseBackpropFilter: 7900,
  depthwiseBackpropInput: 6300,
};
const COPY_BYTES_PER_US = 4000;
export const SPLIT_FIXED_US = 20;

/**
 * Whether splitting `macs` multiply-adds of `job` into parts of at most `largestPart` of the
 * batch's images wins, given the bytes the split copies (splitCopyBytes) and the fixed cost of
 * a split (`fixedUs`).
 */
export function splitPays(
  job: ThreadJob,
  macs: number,
  largestPart: number,
  batch: number,
  copyBytes: number,
  fixedUs = SPLIT_FIXED_US,
): boolean {
  const oneThread = macs / MACS_PER_US[job];
  const saved = oneThread * (1 - largestPart / batch);
  return saved > copyBytes / COPY_BYTES_PER_US + fixedUs;
}

/**
 * A conv kernel running export `job`. Filter gradients take (x, dy) and, split over the batch,
 * compute the whole filter per part and sum the parts; input gradients take (dy, filter) and
 * the forward conv (x, filter), and write their own images of the result. Only the conv2d
 * exports take scratch.
 */
export function convKernel(kernelName: string, job: ThreadJob): TrainingKernelConfig {
  const depthwise = job.startsWith('depthwise');
  const ofFilter = job.endsWith('Filter');
  const forward = job === 'conv2dForward';
  return {
    kernelName,
    makeKernel: (context: KernelContext) => (args: KernelArgs<ConvAttrs>) => {
      const { inputs, backend } = args;
      const attrs = args.attrs!;
      const operands: [TensorInfo, TensorInfo] = forward
        ? [inputs.x, inputs.filter]
        : ofFilter
          ? [inputs.x, inputs.dy]
          : [inputs.dy, inputs.filter];
      if (operands.some((t) => t.dtype !== 'float32')) return null;
      const xShape = ofFilter || forward ? inputs.x.shape : attrs.inputShape;
      const filterShape = ofFilter ? attrs.filterShape : inputs.filter.shape;
      const conv = convInfo(depthwise, forward, xShape, filterShape, attrs);
      if (!conv) return null;
      const { info } = conv;
      const outShape = forward
        ? [info.batchSize, info.outHeight, info.outWidth, info.outChannels]
        : [...(ofFilter ? filterShape : xShape)];
      const filterDims = [info.filterHeight, info.filterWidth, info.inChannels, info.outChannels];
      const scratchBytes = (k: TrainKernelExports) =>
        depthwise
          ? 0
          : forward
            ? k.conv2dForwardScratch(...(filterDims as Shape4D))
            : ofFilter
              ? k.conv2dBackpropFilterScratch(...(filterDims as Shape4D))
              : k.conv2dBackpropInputScratch(...(filterDims as Shape4D));
      const withScratch = (scratch: number) => (depthwise ? [] : [scratch]);

      const { heap } = context;
      const batch = info.batchSize;
      const pool = heap.pool;
      if (pool && context.splitting && batch >= 2 && conv.macs >= (context.minMacsToSplit ?? 0)) {
        const inImage = info.inHeight * info.inWidth * info.inChannels * 4;
        const outImage = info.outHeight * info.outWidth * info.outChannels * 4;
        const parts = Math.min(pool.threads, batch);
        const plan: SplitPlan = {
          batch,
          parts,
          // Bytes per image of each operand (0: not batched) and of the result (0: summed).
          inputImageBytes: forward ? [inImage, 0] : ofFilter ? [inImage, outImage] : [outImage, 0],
          outputImageBytes: forward ? outImage : ofFilter ? 0 : inImage,
          scratchBytes: scratchBytes(pool.kernels),
          call: (pointers, output, scratch, count) => ({
            job,
            args: [...pointers, output, ...withScratch(scratch), count, ...conv.args],
          }),
        };
        const pays =
          context.minMacsToSplit !== undefined ||
          splitPays(
            job,
            conv.macs,
            Math.ceil(batch / parts),
            batch,
            splitCopyBytes(
              plan,
              operands.map((t) => sizeOf(t.shape) * 4),
              sizeOf(outShape) * 4,
              heap.splitsInPlace(asBackend(backend)),
            ),
            context.splitFixedUs,
          );
        if (pays) {
          context.counters.splitCalls++;
          return heap.runSplit(asBackend(backend), operands, outShape, plan);
        }
      }
      return heap.run(asBackend(backend), operands, outShape, scratchBytes, (k, p) =>
        k[job](p.inputs[0], p.inputs[1], p.output, ...withScratch(p.scratch), batch, ...conv.args),
      );
    },
  };
}
