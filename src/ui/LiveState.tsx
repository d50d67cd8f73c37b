import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { flushSync } from 'react-dom';
import { studioStore, type StudioState } from '../state/store';

/**
 * The live charts read the store through their own snapshot, refreshed by a small scheduler:
 * one chart per browser task, so that no task redraws more than one chart. Redrawing every
 * chart in one go took several hundred milliseconds on a slow machine whose cores are busy
 * training (`npm run bench:main-thread`), and the page has to stay responsive meanwhile.
 *
 * Each chart redraws at most every MIN_INTERVAL_MS, and less often where its redraws are slow:
 * its interval is REDRAW_BUDGET times its last redraw's duration, so that no chart takes more
 * than 1 / REDRAW_BUDGET of the main thread (up to MAX_INTERVAL_MS): a slow machine gets
 * slower charts, not a slower page.
 */
export const MIN_INTERVAL_MS = 400;
/** However slow its redraws, a chart lags the run by at most this. */
export const MAX_INTERVAL_MS = 2000;
export const REDRAW_BUDGET = 16;

const pending = new Map<object, { name: string; update: () => void }>();
let draining = false;

/**
 * Set (to true) by a benchmark before the page loads: every redraw is then recorded as a
 * User Timing measure named `redraw <chart>`, so the cost of each chart's redraw can be read.
 */
export const REDRAW_TIMING_FLAG = '__pruningStudioRedrawTiming';

function timingOn(): boolean {
  return (globalThis as Record<string, unknown>)[REDRAW_TIMING_FLAG] === true;
}

function drainOne(): void {
  const next = pending.entries().next();
  if (next.done) {
    draining = false;
    return;
  }
  const [key, { name, update }] = next.value;
  pending.delete(key);
  const start = timingOn() ? performance.now() : undefined;
  update();
  if (start !== undefined) performance.measure(`redraw ${name}`, { start });
  setTimeout(drainOne, 0);
}

function schedule(key: object, name: string, update: () => void): void {
  pending.set(key, { name, update });
  if (!draining) {
    draining = true;
    setTimeout(drainOne, 0);
  }
}

/** The interval before a chart's next redraw, given how long its last one took. */
export function redrawInterval(lastRedrawMs: number): number {
  return Math.min(MAX_INTERVAL_MS, Math.max(MIN_INTERVAL_MS, REDRAW_BUDGET * lastRedrawMs));
}

const LiveStateContext = createContext<StudioState | null>(null);

/**
 * Its charts draw first in a task of their own too: a provider that mounts inside another
 * chart's redraw (the resource card's three mini charts, when a run starts) would otherwise
 * draw them all in that one task.
 */
export function LiveStateProvider({ name, children }: { name: string; children: ReactNode }) {
  const [state, setState] = useState<StudioState | null>(null);
  useEffect(() => {
    const key = {};
    let last = 0;
    let interval = MIN_INTERVAL_MS;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const redraw = () => {
      const start = performance.now();
      flushSync(() => setState(studioStore.getState()));
      last = performance.now();
      interval = redrawInterval(last - start);
    };
    const refresh = () => {
      timer = undefined;
      schedule(key, name, redraw);
    };
    const unsubscribe = studioStore.subscribe(() => {
      if (timer !== undefined) return;
      timer = setTimeout(refresh, Math.max(0, last + interval - performance.now()));
    });
    refresh();
    return () => {
      unsubscribe();
      if (timer !== undefined) clearTimeout(timer);
      pending.delete(key);
    };
  }, [name]);
  if (state === null) return <div className="live-pending" aria-busy="true" />;
  return <LiveStateContext.Provider value={state}>{children}</LiveStateContext.Provider>;
}

/** Like useStudio, for what the live charts show: refreshed one chart at a time. */
export function useLiveStudio<T>(selector: (state: StudioState) => T): T {
  const state = useContext(LiveStateContext);
  return selector(state ?? studioStore.getState());
}
