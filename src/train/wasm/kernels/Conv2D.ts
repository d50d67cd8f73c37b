// Forward conv2d (NHWC, dilation 1): chunked im2col + f32x4 GEMM, split over the batch on the
// helper threads like the backward convolutions (tfjs-backend-wasm's XNNPACK conv runs on one
// thread in the studio's build).
import { convKernel } from './convolution';

export const conv2DConfig = convKernel('Conv2D', 'conv2dForward');
