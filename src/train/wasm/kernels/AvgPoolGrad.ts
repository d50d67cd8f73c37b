// AvgPool's gradient (see poolGrad.ts).
import { poolGradKernel } from './poolGrad';

export const avgPoolGradConfig = poolGradKernel('AvgPoolGrad');
