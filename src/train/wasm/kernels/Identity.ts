// Identity without a copy: the result shares x's data (reference counted by the backend).
import { asBackend, shareData, type KernelArgs, type TrainingKernelConfig } from './support';

export const identityConfig: TrainingKernelConfig = {
  kernelName: 'Identity',
  makeKernel:
    () =>
    ({ inputs, backend }: KernelArgs<never>) =>
      shareData(asBackend(backend), inputs.x),
};
