// Entry point of train-kernels.wasm: tfjs training kernels the wasm backend lacks or runs slowly.
// All arguments are element counts or byte offsets into the imported memory; see
// ../registerTrainingKernels.ts for the caller.

export {
  conv2dBackpropFilter,
  conv2dBackpropFilterScratch,
  conv2dBackpropInput,
  conv2dBackpropInputScratch,
  conv2dForward,
  conv2dForwardScratch,
} from './conv';
export { depthwiseBackpropFilter, depthwiseBackpropInput } from './depthwise';
export { maxPoolGrad, avgPoolGrad } from './pool';
export { reduceMiddle } from './reduce';
export { batchNormForward, batchNormScratch } from './batchnorm';
export {
  adamStep,
  batchNormTrainBackward,
  batchNormTrainForward,
  channelMaskBackward,
  movingAverages,
} from './fused';
export { matMul, matMulScratch } from './matmul';
export { addArrays, binaryRowBroadcast, reluGrad } from './elementwise';
