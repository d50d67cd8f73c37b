// MaxPool's gradient (see poolGrad.ts).
import { poolGradKernel } from './poolGrad';

export const maxPoolGradConfig = poolGradKernel('MaxPoolGrad');
