// Entry point of train-kernels.wasm: tfjs training kernels the wasm backend lacks or runs slowly.
// All arguments are element counts or byte offsets into the imported memory; see
// ../registerTrainingKernels.ts for the caller.

export {
  conv2dBackpropFilter,
  conv2dBackpropFilterScratch,
  conv2dBackpropInput,
  conv2dBackpropInputScratch,
} from './conv';
export { depthwiseBackpropFilter, depthwiseBackpropInput } from './depthwise';
export { maxPoolGrad, avgPoolGrad } from './pool';
export { reduceMiddle } from './reduce';
export { batchNormForward, batchNormScratch } from './batchnorm';
export { binaryRowBroadcast } from './elementwise';
export { batchNormTrainForward, batchNormTrainBackward, adamStep } from './fused';
