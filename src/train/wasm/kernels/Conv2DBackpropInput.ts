// dL/dx of conv2d (tfjs-backend-wasm's is a plain loop): per-tap GEMM dy·wᵀ added into dx.
import { convKernel } from './convolution';

export const conv2DBackpropInputConfig = convKernel('Conv2DBackpropInput', 'conv2dBackpropInput');
