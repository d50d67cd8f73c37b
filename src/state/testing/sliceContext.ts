/**
 * A slice action's context for unit tests (not used by the app): it needs the store's types,
 * so it lives beside the state layer, under testing/, rather than in src/testing.
 */
import { createStore } from 'zustand/vanilla';
import { recordingWorker } from '../../testing/runFixtures';
import type { WorkerCommand, WorkerEvent } from '../../worker/protocol';
import { realTimers } from '../batcher';
import { newWorkerLink, type SliceContext } from '../sliceContext';
import {
  createStudioStore,
  initialStudioData,
  STEP_TIME_LIMIT_MS,
  STOP_GRACE_MS,
  type StudioData,
  type StudioEnvironment,
} from '../store';

/** A page's store, connected, whose worker records what it is sent in `sent`. */
export function connectedStore(env: StudioEnvironment = {}) {
  const sent: WorkerCommand[] = [];
  const store = createStudioStore({ createWorker: recordingWorker(sent), ...env });
  store.getState().connect();
  return { store, sent };
}

/**
 * A slice action's context without the studio store: a plain store of data (the page's first
 * state, then `data`), a connected worker recording what it is sent in `sent`, and a batcher
 * recording the events pushed into it in `pushed` (nothing reaches the store through it).
 */
export function sliceContext(data: Partial<StudioData> = {}, env: StudioEnvironment = {}) {
  const sent: WorkerCommand[] = [];
  const pushed: WorkerEvent[] = [];
  const store = createStore<StudioData>()(() => ({ ...initialStudioData(env), ...data }));
  const link = newWorkerLink({ stopGraceMs: STOP_GRACE_MS, stepTimeLimitMs: STEP_TIME_LIMIT_MS });
  link.worker = { postMessage: (c: WorkerCommand) => sent.push(c), onmessage: null, onerror: null };
  const ctx: SliceContext = {
    get: store.getState,
    set: store.setState,
    env,
    timers: env.timers ?? realTimers,
    link,
    batcher: { push: (e) => void pushed.push(e), flush: () => undefined },
  };
  return { ctx, sent, pushed };
}
