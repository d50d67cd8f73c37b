// Every training kernel, one file each in this folder; registerTrainingKernels.ts picks the ones
// a registration asks for by name.
import { addConfig } from './Add';
import { addNConfig } from './AddN';
import { avgPoolGradConfig } from './AvgPoolGrad';
import { batchMatMulConfig } from './BatchMatMul';
import { castConfig } from './Cast';
import { conv2DConfig } from './Conv2D';
import { conv2DBackpropFilterConfig } from './Conv2DBackpropFilter';
import { conv2DBackpropInputConfig } from './Conv2DBackpropInput';
import { depthwiseConv2dNativeBackpropFilterConfig } from './DepthwiseConv2dNativeBackpropFilter';
import { depthwiseConv2dNativeBackpropInputConfig } from './DepthwiseConv2dNativeBackpropInput';
import { fusedBatchNormConfig } from './FusedBatchNorm';
import {
  adamStepConfig,
  movingAveragesConfig,
  batchNormTrainingConfig,
  batchNormTrainingGradConfig,
  channelMaskConfig,
  channelMaskGradConfig,
} from './fused';
import { identityConfig } from './Identity';
import { maxPoolGradConfig } from './MaxPoolGrad';
import { meanConfig } from './Mean';
import { multiplyConfig } from './Multiply';
import { realDivConfig } from './RealDiv';
import { reluGradConfig } from './reluGradient';
import { subConfig } from './Sub';
import { sumConfig } from './Sum';
import { tileConfig } from './Tile';
import type { TrainingKernelConfig } from './support';

export const TRAINING_KERNELS: readonly TrainingKernelConfig[] = [
  addConfig,
  avgPoolGradConfig,
  castConfig,
  conv2DBackpropFilterConfig,
  conv2DBackpropInputConfig,
  depthwiseConv2dNativeBackpropFilterConfig,
  depthwiseConv2dNativeBackpropInputConfig,
  fusedBatchNormConfig,
  identityConfig,
  maxPoolGradConfig,
  meanConfig,
  multiplyConfig,
  realDivConfig,
  subConfig,
  sumConfig,
  tileConfig,
  batchNormTrainingConfig,
  batchNormTrainingGradConfig,
  adamStepConfig,
  movingAveragesConfig,
  channelMaskConfig,
  channelMaskGradConfig,
  reluGradConfig,
  addNConfig,
  batchMatMulConfig,
  conv2DConfig,
];
