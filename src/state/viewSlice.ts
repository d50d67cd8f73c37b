/**
 * The view slice: notices, and how the page shows things (large text, the chosen channel
 * group, the trade-off chart's resource, the replayed step). Nothing here reaches the worker.
 */
import type { ResourceName } from '../worker/protocol';
import { withNotice, type NoticeLevel } from './events';
import type { Ctx } from './sliceContext';
import type { StudioEnvironment } from './store';

const LARGE_TEXT_KEY = 'pruning-studio.large-text';

/** The large-text preference stored by an earlier visit (off where storage cannot be read). */
export function storedLargeText(storage: StudioEnvironment['storage']): boolean {
  try {
    return storage?.getItem(LARGE_TEXT_KEY) === '1';
  } catch {
    return false;
  }
}

export const notify = ({ set }: Ctx<'set'>, level: NoticeLevel, message: string) =>
  set((s) => withNotice(s, level, message));

export const dismissNotice = ({ set }: Ctx<'set'>, id: number) =>
  set((s) => ({ notices: s.notices.filter((n) => n.id !== id) }));

export const clearNotices = ({ set }: Ctx<'set'>) => set({ notices: [] });

export function setLargeText({ set, env }: Ctx<'set' | 'env'>, on: boolean) {
  set((s) => ({ view: { ...s.view, largeText: on } }));
  try {
    env.storage?.setItem(LARGE_TEXT_KEY, on ? '1' : '0');
  } catch {
    // A preference that cannot be stored only lasts this visit.
  }
}

export const selectGroup = ({ set }: Ctx<'set'>, name: string) =>
  set((s) => ({ view: { ...s.view, selectedGroup: name } }));

export const setTradeoffResource = ({ set }: Ctx<'set'>, resource: ResourceName) =>
  set((s) => ({ view: { ...s.view, tradeoffResource: resource } }));

/** undefined goes back to the run's end. */
export const setReplayStep = ({ set }: Ctx<'set'>, step: number | undefined) =>
  set((s) => ({ view: { ...s.view, replayStep: step } }));
