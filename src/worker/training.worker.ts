/// <reference lib="webworker" />
/**
 * The training worker: owns tfjs, the dataset and the run. The UI talks to it only through
 * the messages in protocol.ts, so training never blocks the page.
 */
import { selectBackend, selectFastestBackend } from '../train/backend';
import { IndexedDbCheckpointStore, WebRunLocks } from './checkpointStore';
import { TrainingSession } from './session';
import type { WorkerCommand, WorkerEvent } from './protocol';

const scope = self as unknown as DedicatedWorkerGlobalScope;

function post(event: WorkerEvent, transfer: Transferable[] = []): void {
  scope.postMessage(event, transfer);
}

const session = new TrainingSession(
  post,
  selectBackend,
  new IndexedDbCheckpointStore(),
  selectFastestBackend,
  new WebRunLocks(),
);

scope.onmessage = (event: MessageEvent<WorkerCommand>) => {
  session.handle(event.data).catch((err: unknown) => {
    post({
      type: 'notice',
      level: 'error',
      message: err instanceof Error ? err.message : String(err),
    });
  });
};
