// dL/dx of conv2d (tfjs-backend-wasm's is a plain loop): per-tap GEMM dy·wᵀ added into dx.
import { backwardConvKernel } from './backwardConv';

export const conv2DBackpropInputConfig = backwardConvKernel(
  'Conv2DBackpropInput',
  'conv2dBackpropInput',
);
