// dL/dfilter of a depthwise conv (missing from tfjs-backend-wasm 4.22).
import { backwardConvKernel } from './backwardConv';

export const depthwiseConv2dNativeBackpropFilterConfig = backwardConvKernel(
  'DepthwiseConv2dNativeBackpropFilter',
  'depthwiseBackpropFilter',
);
