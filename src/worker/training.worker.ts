/// <reference lib="webworker" />
import { selectBackend } from '../train/backend';
import type { WorkerCommand, WorkerEvent } from './protocol';

const scope = self as unknown as DedicatedWorkerGlobalScope;

function post(event: WorkerEvent, transfer: Transferable[] = []): void {
  scope.postMessage(event, transfer);
}

async function handle(command: WorkerCommand): Promise<void> {
  switch (command.type) {
    case 'init': {
      const choice = await selectBackend(command.backends, command.simulatedFailures);
      post({ type: 'backend', active: choice.active, skipped: choice.skipped });
      break;
    }
    default:
      post({
        type: 'notice',
        level: 'warning',
        message: `Command ${command.type} is not handled yet.`,
      });
  }
}

scope.onmessage = (event: MessageEvent<WorkerCommand>) => {
  handle(event.data).catch((err: unknown) => {
    post({
      type: 'notice',
      level: 'error',
      message: err instanceof Error ? err.message : String(err),
    });
  });
};
