// A helper thread of KernelThreadPool in the browser (started by loadTrainingKernels.ts).
import { runKernelThread, type KernelThreadSetup } from './kernelThreads';

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<KernelThreadSetup>) => void) | null;
  postMessage(message: unknown): void;
};

scope.onmessage = (event) => {
  scope.onmessage = null;
  runKernelThread(event.data, () => scope.postMessage('ready'));
};
