/**
 * What every slice of the studio store works with: the store's data (read and merged), the
 * page's environment, timers, the event queue into the store, and the page's plumbing to the
 * worker. The slices' actions are plain functions of this context, so a test can call one
 * against a small store of data without building the whole studio store (store.ts composes
 * them).
 */
import type { SampleAudio, UploadFile, WorkerCommand, WorkerEvent } from '../worker/protocol';
import type { EventBatcher, Timers } from './batcher';
import type { StudioData, StudioEnvironment } from './store';

/** Merges a change into the store's data (zustand's setState, without replace). */
export type SetData = (
  change: Partial<StudioData> | ((state: StudioData) => Partial<StudioData>),
) => void;

export type WorkerHandle = ReturnType<NonNullable<StudioEnvironment['createWorker']>>;

/** The page's side of the worker: ids, timers and requests in flight. Never drawn. */
export interface WorkerLink {
  worker?: WorkerHandle;
  nextRequestId: number;
  /** The load the user cancelled (the worker may not have been sent it yet). */
  cancelledRequest: number;
  budgetTimer?: unknown;
  datasetTimer?: unknown;
  /** sampleAudio requests waiting for their answer. */
  audioRequests: Map<
    number,
    { resolve: (audio: SampleAudio) => void; reject: (err: Error) => void }
  >;
  nextAudioRequest: number;
  /** The chosen files the current worker holds (see handOver in datasetSlice.ts). */
  handedOver?: { files: UploadFile[]; id: number; worker: unknown };
  handOverTimer?: unknown;
  uploadSerial: number;
  /** Ends a stuck worker: armed by Stop, and while the worker runs (see STEP_TIME_LIMIT_MS). */
  watchdog?: unknown;
  /** Whether the worker said it is running (from its own messages, before any batching). */
  workerRunning: boolean;
  /** Set from Stop until the worker says the run stopped. */
  stopping: boolean;
  stopGraceMs: number;
  stepTimeLimitMs: number;
}

export interface SliceContext {
  get: () => StudioData;
  set: SetData;
  env: StudioEnvironment;
  timers: Timers;
  /** Worker events on their way into the store (throttled, see batcher.ts). */
  batcher: Pick<EventBatcher<WorkerEvent>, 'push' | 'flush'>;
  link: WorkerLink;
}

/** A context narrowed to what one action uses. */
export type Ctx<K extends keyof SliceContext> = Pick<SliceContext, K>;

export function newWorkerLink(limits: {
  stopGraceMs: number;
  stepTimeLimitMs: number;
}): WorkerLink {
  return {
    nextRequestId: 1,
    cancelledRequest: 0,
    audioRequests: new Map(),
    nextAudioRequest: 1,
    uploadSerial: 0,
    workerRunning: false,
    stopping: false,
    ...limits,
  };
}

/** Posts a command to the worker (none before connect). */
export const send = ({ link }: Ctx<'link'>, command: WorkerCommand) =>
  link.worker?.postMessage(command);

export const isActive = (status: StudioData['run']['status']) =>
  status === 'starting' || status === 'running' || status === 'paused';
