// dL/dx of a depthwise conv (missing from tfjs-backend-wasm 4.22).
import { convKernel } from './convolution';

export const depthwiseConv2dNativeBackpropInputConfig = convKernel(
  'DepthwiseConv2dNativeBackpropInput',
  'depthwiseBackpropInput',
);
