import { create } from 'zustand';
import type { BackendName, WorkerCommand, WorkerEvent } from '../worker/protocol';

export interface BackendStatus {
  active?: BackendName;
  skipped: { name: BackendName; reason: string }[];
}

export interface StudioState {
  backend: BackendStatus;
  notices: { level: 'info' | 'warning' | 'error'; message: string }[];
  connect: () => void;
  send: (command: WorkerCommand) => void;
}

let worker: Worker | undefined;

/**
 * `?simulate=no-webgpu` (or `no-webgl`, comma-separated) makes the worker treat a backend as
 * failing: a way to check the fallbacks on a machine that has every backend.
 */
export function simulatedFailuresFromQuery(search: string): Partial<Record<BackendName, string>> {
  const failures: Partial<Record<BackendName, string>> = {};
  const wanted = new URLSearchParams(search).get('simulate')?.split(',') ?? [];
  for (const name of ['webgpu', 'webgl'] as const) {
    if (wanted.includes(`no-${name}`)) failures[name] = `${name} disabled by ?simulate=no-${name}`;
  }
  return failures;
}

export const useStudio = create<StudioState>((set, get) => ({
  backend: { skipped: [] },
  notices: [],
  connect: () => {
    if (worker) return;
    worker = new Worker(new URL('../worker/training.worker.ts', import.meta.url), {
      type: 'module',
      name: 'training',
    });
    worker.onmessage = (event: MessageEvent<WorkerEvent>) => {
      const message = event.data;
      if (message.type === 'backend') {
        set({ backend: { active: message.active, skipped: message.skipped } });
      } else if (message.type === 'notice') {
        set({ notices: [...get().notices, { level: message.level, message: message.message }] });
      }
    };
    worker.onerror = (event) => {
      set({
        notices: [
          ...get().notices,
          { level: 'error', message: `The training worker crashed: ${event.message}` },
        ],
      });
    };
    worker.postMessage({
      type: 'init',
      simulatedFailures: simulatedFailuresFromQuery(window.location.search),
    } satisfies WorkerCommand);
  },
  send: (command) => worker?.postMessage(command),
}));
