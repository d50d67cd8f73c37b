import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { flushSync } from 'react-dom';
import { studioStore, type StudioState } from '../state/store';

/**
 * The live charts read the store through their own snapshot, refreshed by a small scheduler:
 * one chart per browser task, each at most every MIN_INTERVAL_MS. Redrawing all charts in one
 * go takes several hundred milliseconds on a slow machine whose cores are busy training; one
 * chart at a time keeps every main-thread task short, so the page stays responsive.
 */
const MIN_INTERVAL_MS = 400;

const pending = new Map<object, () => void>();
let draining = false;

function drainOne(): void {
  const next = pending.entries().next();
  if (next.done) {
    draining = false;
    return;
  }
  const [key, update] = next.value;
  pending.delete(key);
  update();
  setTimeout(drainOne, 0);
}

function schedule(key: object, update: () => void): void {
  pending.set(key, update);
  if (!draining) {
    draining = true;
    setTimeout(drainOne, 0);
  }
}

const LiveStateContext = createContext<StudioState | null>(null);

/**
 * Its charts draw first in a task of their own too: a provider that mounts inside another
 * chart's redraw (the resource card's three mini charts, when a run starts) would otherwise
 * draw them all in that one task.
 */
export function LiveStateProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<StudioState | null>(null);
  useEffect(() => {
    const key = {};
    let last = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const refresh = () => {
      timer = undefined;
      schedule(key, () => {
        last = performance.now();
        flushSync(() => setState(studioStore.getState()));
      });
    };
    const unsubscribe = studioStore.subscribe(() => {
      if (timer !== undefined) return;
      timer = setTimeout(refresh, Math.max(0, last + MIN_INTERVAL_MS - performance.now()));
    });
    refresh();
    return () => {
      unsubscribe();
      if (timer !== undefined) clearTimeout(timer);
      pending.delete(key);
    };
  }, []);
  if (state === null) return <div className="live-pending" aria-busy="true" />;
  return <LiveStateContext.Provider value={state}>{children}</LiveStateContext.Provider>;
}

/** Like useStudio, for what the live charts show: refreshed one chart at a time. */
export function useLiveStudio<T>(selector: (state: StudioState) => T): T {
  const state = useContext(LiveStateContext);
  return selector(state ?? studioStore.getState());
}
