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
import type { SplitPlan, TrainKernelExports } from '../kernelHeap';
import type { ThreadJob } from '../kernelThreads';
import {
  asBackend,
  covered,
  geometry,
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
      if (pool && batch >= 2 && conv.macs >= context.minMacsToSplit) {
        const inImage = info.inHeight * info.inWidth * info.inChannels * 4;
        const outImage = info.outHeight * info.outWidth * info.outChannels * 4;
        const plan: SplitPlan = {
          batch,
          parts: Math.min(pool.threads, batch),
          // Bytes per image of each operand (0: not batched) and of the result (0: summed).
          inputImageBytes: forward ? [inImage, 0] : ofFilter ? [inImage, outImage] : [outImage, 0],
          outputImageBytes: forward ? outImage : ofFilter ? 0 : inImage,
          scratchBytes: scratchBytes(pool.kernels),
          call: (pointers, output, scratch, count) => ({
            job,
            args: [...pointers, output, ...withScratch(scratch), count, ...conv.args],
          }),
        };
        context.counters.splitCalls++;
        return heap.runSplit(asBackend(backend), operands, outShape, plan);
      }
      return heap.run(asBackend(backend), operands, outShape, scratchBytes, (k, p) =>
        k[job](p.inputs[0], p.inputs[1], p.output, ...withScratch(p.scratch), batch, ...conv.args),
      );
    },
  };
}
