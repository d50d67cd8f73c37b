// dL/dfilter of conv2d (missing from tfjs-backend-wasm 4.22): chunked im2col + f32x4 GEMM.
import { convKernel } from './convolution';

export const conv2DBackpropFilterConfig = convKernel(
  'Conv2DBackpropFilter',
  'conv2dBackpropFilter',
);
